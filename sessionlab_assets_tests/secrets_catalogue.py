"""A seeded catalogue of secret formats and kinds of personal data, as they appear in coding sessions.

Every value is fabricated: random characters in the shape the real ones take (checksums made valid
where a format has one), never a live credential. `CATALOGUE` maps a format name to (expected
redaction kind, the sensitive part that must disappear, the line it is embedded in).
"""

from __future__ import annotations

import random
import string

_rng = random.Random(20261120)
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "-_"


def _s(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _luhn_complete(prefix: str, length: int) -> str:
    body = prefix + _s(string.digits, length - len(prefix) - 1)
    total = 0
    for index, digit in enumerate(reversed(body)):
        d = int(digit)
        if index % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body + str((10 - total % 10) % 10)


def _iban(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{country}{98 - number % 97:02d}{bban}"


def _entries() -> dict[str, tuple[str, str, str]]:
    e: dict[str, tuple[str, str, str]] = {}

    def add(name: str, kind: str, secret: str, line: str = "export VALUE={}") -> None:
        e[name] = (kind, secret, line.format(secret))

    add("anthropic api key", "anthropic_key", "sk-ant-api03-" + _s(B64URL, 93) + "AA")
    add("anthropic admin key", "anthropic_key", "sk-ant-admin01-" + _s(B64URL, 80))
    add("openai project key", "openai_key", "sk-proj-" + _s(B64URL, 120), 'client = OpenAI(api_key="{}")')
    add("openai legacy key", "openai_key", "sk-" + _s(ALNUM, 48))
    add("openai service account key", "openai_key", "sk-svcacct-" + _s(B64URL, 60))
    add("openrouter key", "openai_key", "sk-or-v1-" + _s(HEX, 64))
    add(
        "github classic pat",
        "github_token",
        "ghp_" + _s(ALNUM, 36),
        "git remote set-url origin https://{}@github.com/o/r",
    )
    add("github oauth token", "github_token", "gho_" + _s(ALNUM, 36))
    add("github app token", "github_token", "ghs_" + _s(ALNUM, 36))
    add("github refresh token", "github_token", "ghr_" + _s(ALNUM, 36))
    add("github fine-grained pat", "github_token", "github_pat_" + _s(ALNUM, 22) + "_" + _s(ALNUM, 59))
    add("gitlab pat", "gitlab_token", "glpat-" + _s(B64URL, 20))
    add("gitlab runner token", "gitlab_token", "glrt-" + _s(B64URL, 20))
    add(
        "slack bot token",
        "slack_token",
        "xoxb-" + _s(string.digits, 12) + "-" + _s(string.digits, 13) + "-" + _s(ALNUM, 24),
    )
    add(
        "slack user token",
        "slack_token",
        "xoxp-" + _s(string.digits, 12) + "-" + _s(string.digits, 12) + "-" + _s(HEX, 32),
    )
    add(
        "slack webhook",
        "slack_webhook",
        "https://hooks.slack.com/services/T"
        + _s(string.ascii_uppercase + string.digits, 8)
        + "/B"
        + _s(string.ascii_uppercase + string.digits, 10)
        + "/"
        + _s(ALNUM, 24),
        "curl -X POST {} -d @msg.json",
    )
    add(
        "discord webhook",
        "discord_webhook",
        "https://discord.com/api/webhooks/" + _s(string.digits, 18) + "/" + _s(B64URL, 68),
    )
    add("stripe live secret key", "stripe_key", "sk_live_" + _s(ALNUM, 99))
    add("stripe restricted key", "stripe_key", "rk_live_" + _s(ALNUM, 99))
    add("stripe test key", "stripe_key", "sk_test_" + _s(ALNUM, 24))
    add("aws access key id", "aws_access_key", "AKIA" + _s(string.ascii_uppercase + "234567", 16))
    add("aws temporary access key id", "aws_access_key", "ASIA" + _s(string.ascii_uppercase + "234567", 16))
    add("aws secret access key", "secret_assignment", _s(ALNUM + "+/", 40), "aws_secret_access_key = {}")
    add("google api key", "google_api_key", "AIza" + _s(B64URL, 35))
    add("google oauth client secret", "google_oauth", "GOCSPX-" + _s(B64URL, 28))
    add("google oauth access token", "google_oauth", "ya29." + _s(B64URL, 120))
    add(
        "jwt",
        "jwt",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + _s(B64URL, 40) + "." + _s(B64URL, 43),
        "Authorization header was {}",
    )
    for label, header in (
        ("rsa", "RSA PRIVATE KEY"),
        ("openssh", "OPENSSH PRIVATE KEY"),
        ("ec", "EC PRIVATE KEY"),
        ("pgp", "PGP PRIVATE KEY BLOCK"),
    ):
        body = _s(ALNUM + "+/", 64) + "\n" + _s(ALNUM + "+/", 64)
        e[f"{label} private key"] = ("private_key", body, f"-----BEGIN {header}-----\n{body}\n-----END {header}-----")
    add("npm token", "npm_token", "npm_" + _s(ALNUM, 36), "//registry.npmjs.org/:_authToken={}")
    add("pypi token", "pypi_token", "pypi-AgEIcHlwaS5vcmc" + _s(B64URL, 70))
    add("hugging face token", "huggingface_token", "hf_" + _s(ALNUM, 34))
    add("twilio api key", "twilio_key", "SK" + _s(HEX, 32))
    add("sendgrid key", "sendgrid_key", "SG." + _s(B64URL, 22) + "." + _s(B64URL, 43))
    add("mailgun key", "mailgun_key", "key-" + _s(HEX, 32))
    add("mailchimp key", "mailchimp_key", _s(HEX, 32) + "-us14")
    add("shopify access token", "shopify_token", "shpat_" + _s(HEX, 32))
    add("square access token", "square_token", "sq0atp-" + _s(B64URL, 22))
    add("digitalocean token", "digitalocean_token", "dop_v1_" + _s(HEX, 64))
    add("databricks token", "databricks_token", "dapi" + _s(HEX, 32))
    add("facebook access token", "facebook_token", "EAACEdEose0cBA" + _s(ALNUM, 60))
    add("linear api key", "linear_key", "lin_api_" + _s(ALNUM, 40))
    add("notion token", "notion_token", "ntn_" + _s(ALNUM, 46))
    add("atlassian api token", "atlassian_token", "ATATT3xFfGF0" + _s(B64URL, 170))
    add("figma token", "figma_token", "figd_" + _s(B64URL, 40))
    add("supabase token", "supabase_token", "sbp_" + _s(HEX, 40))
    add("planetscale password", "planetscale_token", "pscale_pw_" + _s(B64URL, 43))
    add("grafana service account token", "grafana_token", "glsa_" + _s(ALNUM, 32) + "_" + _s(HEX, 8))
    add("new relic key", "newrelic_key", "NRAK-" + _s(string.ascii_uppercase + string.digits, 27))
    add("sentry auth token", "sentry_token", "sntrys_" + _s(ALNUM, 60))
    add("sentry dsn", "sentry_dsn", _s(HEX, 32), "SENTRY_DSN=https://{}@o123456.ingest.sentry.io/4505")
    add("dropbox token", "dropbox_token", "sl." + _s(B64URL, 136))
    add("age secret key", "age_key", "AGE-SECRET-KEY-1" + _s("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58))
    add("vault token", "vault_token", "hvs." + _s(B64URL, 90))
    add("terraform cloud token", "terraform_token", _s(ALNUM, 14) + ".atlasv1." + _s(B64URL, 67))
    add("docker hub token", "docker_token", "dckr_pat_" + _s(B64URL, 27))
    add("groq key", "groq_key", "gsk_" + _s(ALNUM, 52))
    add("replicate token", "replicate_token", "r8_" + _s(ALNUM, 37))
    add("telegram bot token", "telegram_token", _s(string.digits, 10) + ":AA" + _s(B64URL, 33))
    add("postman key", "postman_key", "PMAK-" + _s(HEX, 24) + "-" + _s(HEX, 34))
    add("pulumi token", "pulumi_token", "pul-" + _s(HEX, 40))
    add("airtable token", "airtable_token", "pat" + _s(ALNUM, 14) + "." + _s(HEX, 64))
    add(
        "azure storage account key",
        "azure_storage_key",
        _s(ALNUM + "+/", 86) + "==",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={};EndpointSuffix=core.windows.net",
    )
    add(
        "aws presigned url signature",
        "signed_url",
        _s(HEX, 64),
        "https://bucket.s3.amazonaws.com/f.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={}",
    )
    add(
        "azure sas signature",
        "signed_url",
        _s(ALNUM, 43) + "%3D",
        "https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sig={}",
    )
    add(
        "bearer token header",
        "auth_header",
        _s(B64URL, 40),
        "curl -H 'Authorization: Bearer {}' https://api.example.net",
    )
    add("basic auth header", "auth_header", _s(ALNUM, 24) + "==", "Authorization: Basic {}")
    add(
        "postgres url password", "url_credentials", _s(ALNUM, 16), "DATABASE_URL=postgres://app:{}@db.internal:5432/app"
    )
    add("mongodb url password", "url_credentials", _s(ALNUM, 16), "mongodb+srv://admin:{}@cluster0.mongodb.net/test")
    add("redis url password", "url_credentials", _s(ALNUM, 16), "redis://default:{}@cache:6379/0")
    add("https basic credentials", "url_credentials", _s(ALNUM, 12), "https://deploy:{}@registry.example.org/v2/")
    add("env password", "secret_assignment", _s(ALNUM, 14), "DB_PASSWORD={}")
    add("json api key", "secret_assignment", _s(ALNUM, 32), '{{"api_key": "{}"}}')
    add("yaml client secret", "secret_assignment", _s(ALNUM, 24), "client_secret: {}")
    add("netrc password", "netrc_password", _s(ALNUM, 16), "machine api.example.net login bot password {}")
    # Personal data
    add("email address", "email", "dana.rivera" + _s(string.digits, 3) + "@example.com", "contact {} for access")
    add("us phone number", "phone", f"415-555-{_s(string.digits, 4)}", "call me at {} tomorrow")
    add("international phone number", "phone", f"+44 20 7946 {_s(string.digits, 4)}", "office line {}")
    add(
        "ipv4 address",
        "ip_address",
        f"10.{_rng.randint(0, 255)}.{_rng.randint(0, 255)}.{_rng.randint(1, 254)}",
        "ssh into {} first",
    )
    add("ipv6 address", "ip_address", ":".join(_s(HEX, 4) for _ in range(8)), "bound to [{}]:8080")
    add(
        "ipv6 compressed address",
        "ip_address",
        f"fe80::{_s(HEX, 4)}:{_s(HEX, 4)}:{_s(HEX, 4)}",
        "link-local {} on eth0",
    )
    add("linux home directory", "home_user", "dana" + _s(string.ascii_lowercase, 4), "open /home/{}/src/app.py")
    add("macos home directory", "home_user", "drivera" + _s(string.ascii_lowercase, 3), "cd /Users/{}/code")
    add(
        "windows home directory", "home_user", "DRivera" + _s(string.ascii_lowercase, 3), "C:\\Users\\{}\\repo\\main.py"
    )
    add(
        "windows home directory with a space",
        "home_user",
        "Dana Rivera" + _s(string.ascii_lowercase, 3),
        "c:\\users\\{}\\repo\\main.py",
    )
    add(
        "agent project folder named after a home directory",
        "home_user",
        "drivera" + _s(string.ascii_lowercase, 3),
        "cat ~/.claude/projects/-Users-{}-webapp/memory/MEMORY.md",
    )
    add(
        "agent project folder named after a windows home directory",
        "home_user",
        "Dana-Rivera" + _s(string.ascii_lowercase, 3),
        "C--Users-{}-repo",
    )
    add(
        "cursor project folder named after a home directory",
        "home_user",
        "drivera" + _s(string.ascii_lowercase, 3),
        "ls ~/.cursor/projects/Users-{}-webapp/agent-transcripts",
    )
    add(
        "git commit author",
        "person_name",
        "Dana Rivera" + _s(string.ascii_lowercase, 3),
        "Author: {} <dana@example.com>",
    )
    add(
        "git co-author trailer",
        "person_name",
        "Sam Okafor" + _s(string.ascii_lowercase, 3),
        "Fix totals\n\nCo-authored-by: {} <sam@example.org>",
    )
    add(
        "git config user name",
        "person_name",
        "Dana Q. Rivera" + _s(string.ascii_lowercase, 3),
        'git config --global user.name "{}"',
    )
    add("visa card number", "card_number", _luhn_complete("4", 16), "card {} exp 09/29")
    add("mastercard number", "card_number", _luhn_complete("51", 16), "charged {}")
    add("amex card number", "card_number", _luhn_complete("37", 15), "amex {}")
    add(
        "us social security number",
        "us_ssn",
        f"{_rng.randint(100, 599)}-{_rng.randint(10, 99)}-{_rng.randint(1000, 9999)}",
        "SSN {}",
    )
    add("iban", "iban", _iban("DE", _s(string.digits, 18)), "wire to {} today")
    return e


CATALOGUE = _entries()
