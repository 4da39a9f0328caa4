"""Redaction of secrets and personal data, before any text is truncated or leaves the machine.

Each rule replaces a match with a typed placeholder, `[REDACTED:<kind>]`, and is counted, so a
session's redaction counts say what was removed without saying what it was. Rules run in order:
multi-line private keys first, then vendor tokens with recognisable prefixes, then secrets known by
where they sit (connection strings, signed URLs, authorization headers, URL credentials, .netrc,
`password = ...` assignments), then personal data: e-mail addresses, card numbers (Luhn-checked),
US social security numbers, IBANs (mod-97-checked), IP addresses, phone numbers, the user name in
home-directory paths and in agents' project folders named after them, and the names git records for a
person (commit authors and trailers, `user.name`). `sessionlab_assets_tests/secrets_catalogue.py`
holds a seeded example of each format the rules are tested against. The token patterns follow the shapes
gitleaks' default rules describe; they are written here from those shapes.
"""

from __future__ import annotations

import functools
import operator
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

PLACEHOLDER = re.compile(r"\[REDACTED:[a-z0-9_]+\]")


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    group: int = 0  # the group replaced; 0 is the whole match
    check: Callable[[str], bool] | None = None  # a checksum the match must pass (card numbers, IBANs)
    # Literals one of which every match contains (in the lower-cased text if `hints_lower`): a rule whose
    # hints are all absent is skipped without running its pattern, which is most rules on most texts.
    hints: tuple[str, ...] = ()
    hints_lower: bool = False
    # For rules with no literal to look for: a cheap pattern every match contains, starting with a
    # character class the regex engine can scan for, so most texts skip the full pattern.
    prefilter: re.Pattern[str] | None = None

    def apply(self, text: str, counts: Counter[str]) -> str:
        placeholder = f"[REDACTED:{self.kind}]"
        # An earlier rule's placeholder is never redacted again (it would read as user:password, or as
        # the value of `api_key=`), so each secret keeps the kind of the rule that found it.
        taken = [m.span() for m in PLACEHOLDER.finditer(text)] if "[REDACTED:" in text else []

        def replace(match: re.Match[str]) -> str:
            start, end = match.span(self.group)
            if any(start < taken_end and taken_start < end for taken_start, taken_end in taken):
                return match.group(0)
            if self.check is not None and not self.check(match.group(self.group)):
                return match.group(0)
            counts[self.kind] += 1
            if self.group == 0:
                return placeholder
            start, end = match.span(self.group)
            whole_start = match.start()
            return match.group(0)[: start - whole_start] + placeholder + match.group(0)[end - whole_start :]

        return self.pattern.sub(replace, text)


def _luhn(candidate: str) -> bool:
    digits = [int(c) for c in candidate if c.isdigit()]
    if not 13 <= len(digits) <= 19 or digits[0] not in (2, 3, 4, 5, 6):
        return False
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
    return total % 10 == 0


def _iban_checksum(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return 15 <= len(compact) <= 34 and int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_H = "[0-9a-fA-F]{1,4}"
_END = r"(?![A-Za-z0-9_-])"  # end of a token whose alphabet has - and _, where \b would stop early


def _token(kind: str, pattern: str, hints: tuple[str, ...]) -> Rule:
    return Rule(kind, re.compile(pattern + _END), hints=hints)


RULES: tuple[Rule, ...] = (
    Rule(
        "private_key",
        re.compile(
            r"-----BEGIN[A-Z ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[A-Z ]*PRIVATE KEY(?: BLOCK)?-----|\Z)", re.S
        ),
        hints=("PRIVATE KEY",),
    ),
    # Vendor tokens with recognisable prefixes.
    Rule("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), hints=("sk-ant-",)),
    Rule("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-|or-v1-)?[A-Za-z0-9_-]{20,}"), hints=("sk-",)),
    Rule(
        "github_token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
        hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _token(
        "gitlab_token",
        r"\bgl(?:pat|rt|dt|ptt|ft|soat|cbt|imt|agent)-[A-Za-z0-9_-]{20,}",
        ("glpat-", "glrt-", "gldt-", "glptt-", "glft-", "glsoat-", "glcbt-", "glimt-", "glagent-"),
    ),
    Rule("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), hints=("xox",)),
    Rule(
        "slack_webhook",
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
        hints=("hooks.slack.com",),
    ),
    Rule(
        "discord_webhook",
        re.compile(r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]+"),
        hints=("/api/webhooks/",),
    ),
    Rule("stripe_key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"), hints=("_live_", "_test_")),
    Rule(
        "aws_access_key",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[A-Z0-9]{16}\b"),
        hints=("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA"),
    ),
    _token("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}", ("AIza",)),
    _token("google_oauth", r"\b(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[A-Za-z0-9_-]{20,})", ("GOCSPX-", "ya29.")),
    Rule("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), hints=("eyJ",)),
    Rule("npm_token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), hints=("npm_",)),
    _token("pypi_token", r"\bpypi-AgE[A-Za-z0-9_-]{50,}", ("pypi-AgE",)),
    Rule("huggingface_token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), hints=("hf_",)),
    Rule("twilio_key", re.compile(r"\b(?:SK|AC)[0-9a-f]{32}\b"), hints=("SK", "AC")),
    _token("sendgrid_key", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", ("SG.",)),
    Rule("mailgun_key", re.compile(r"\bkey-[0-9a-z]{32}\b"), hints=("key-",)),
    Rule("mailchimp_key", re.compile(r"\b[0-9a-f]{32}-us\d{1,2}\b"), hints=("-us",)),
    Rule("shopify_token", re.compile(r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"), hints=("shp",)),
    _token("square_token", r"\b(?:sq0atp|sq0csp)-[A-Za-z0-9_-]{22,}", ("sq0",)),
    Rule("digitalocean_token", re.compile(r"\bdo[por]_v1_[a-f0-9]{64}\b"), hints=("_v1_",)),
    Rule("databricks_token", re.compile(r"\bdapi[a-f0-9]{32}(?:-\d)?\b"), hints=("dapi",)),
    Rule("facebook_token", re.compile(r"\bEAA[A-Za-z0-9]{30,}"), hints=("EAA",)),
    Rule("linear_key", re.compile(r"\blin_(?:api|oauth)_[A-Za-z0-9]{40}\b"), hints=("lin_",)),
    Rule("notion_token", re.compile(r"\b(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{40,})\b"), hints=("secret_", "ntn_")),
    _token("atlassian_token", r"\bATATT3[A-Za-z0-9_=-]{50,}", ("ATATT3",)),
    _token("figma_token", r"\bfig[dh]_[A-Za-z0-9_-]{38,}", ("figd_", "figh_")),
    Rule("supabase_token", re.compile(r"\bsbp_[a-f0-9]{40}\b"), hints=("sbp_",)),
    _token("planetscale_token", r"\bpscale_(?:pw|tkn|oauth)_[A-Za-z0-9_.-]{32,}", ("pscale_",)),
    Rule(
        "grafana_token",
        re.compile(r"\b(?:glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})"),
        hints=("glsa_", "glc_"),
    ),
    Rule("newrelic_key", re.compile(r"\bNR(?:AK|II|JS)-[A-Z0-9]{27}\b"), hints=("NRAK-", "NRII-", "NRJS-")),
    Rule("sentry_token", re.compile(r"\bsntry[su]_[A-Za-z0-9+/=_-]{40,}"), hints=("sntrys_", "sntryu_")),
    _token("dropbox_token", r"\bsl\.[A-Za-z0-9_-]{100,}", ("sl.",)),
    Rule(
        "age_key",
        re.compile(r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b"),
        hints=("AGE-SECRET-KEY-1",),
    ),
    _token("vault_token", r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}", ("hvs.", "hvb.", "hvr.")),
    _token("terraform_token", r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}", (".atlasv1.",)),
    _token("docker_token", r"\bdckr_pat_[A-Za-z0-9_-]{27,}", ("dckr_pat_",)),
    Rule("groq_key", re.compile(r"\bgsk_[A-Za-z0-9]{48,}\b"), hints=("gsk_",)),
    Rule("replicate_token", re.compile(r"\br8_[A-Za-z0-9]{37}\b"), hints=("r8_",)),
    _token("telegram_token", r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}", (":AA",)),
    Rule("postman_key", re.compile(r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b"), hints=("PMAK-",)),
    Rule("pulumi_token", re.compile(r"\bpul-[a-f0-9]{40}\b"), hints=("pul-",)),
    # `\bpat…` with the boundary checked after the literal, so the engine searches for "pat" directly.
    Rule("airtable_token", re.compile(r"pat(?<!\wpat)[A-Za-z0-9]{14}\.[a-f0-9]{64}\b"), hints=("pat",)),
    # Secrets recognised by where they sit.
    Rule("azure_storage_key", re.compile(r"AccountKey=([A-Za-z0-9+/]{20,}={0,2})"), group=1, hints=("AccountKey=",)),
    Rule(
        "signed_url",
        re.compile(
            r"[?&](?:X-Amz-Signature|X-Goog-Signature|sig|signature|access_token|api_key|apikey|token)=([^&\s\"'#]{8,})"
        ),
        group=1,
        hints=("ignature=", "sig=", "token=", "api_key=", "apikey="),
    ),
    Rule(
        "auth_header",
        re.compile(r"(?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]{16,}=*)"),
        group=1,
        hints=("bearer", "basic"),
        hints_lower=True,
    ),
    Rule("sentry_dsn", re.compile(r"https://([a-f0-9]{32})@[A-Za-z0-9.-]*sentry\.io"), group=1, hints=("sentry.io",)),
    Rule("url_credentials", re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@"), group=1, hints=("://",)),
    Rule(
        "netrc_password", re.compile(r"\bmachine\s+\S+\s+login\s+\S+\s+password\s+(\S+)"), group=1, hints=("machine",)
    ),
    Rule(
        "secret_assignment",
        re.compile(
            r"(?i)\b(?:[a-z0-9_]*"
            r"(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key))"
            r"\b[\"']?\s*[:=]\s*[\"']?([^\s\"'`,;]{6,})"
        ),
        group=1,
        hints=("pass", "pwd", "secret", "token", "key"),
        hints_lower=True,
    ),
    # Personal data.
    Rule("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), hints=("@",)),
    # A person's name where git records an identity: commit authors and trailers, `git config user.name`.
    # Coding agents and bots that sign commits are not people and stay (a co-authoring agent is evidence
    # of the work).
    Rule(
        "person_name",
        # One to five words before an address in angle brackets (redacted by now), after the trailer's key.
        re.compile(
            r"(?i)(?:(?<![\w-])|(?<=\\n))(?:author|commit|signed-off-by|co-authored-by|reviewed-by|acked-by|tested-by):"
            r"[ \t]+(?!(?:claude|copilot|codex|cursor|gemini|github|dependabot|renovate)\b)"
            r"([^\W\d_][\w.'-]*(?:[ \t]+[^\W\d_][\w.'-]*){0,4})[ \t]*"
            r"(?=<(?:\[REDACTED:email\]|[^<>\s]+@[^<>\s]+)>)"
        ),
        group=1,
        hints=("author:", "commit:", "-by:"),
        hints_lower=True,
    ),
    Rule(  # git config [--global] user.name "Dana Rivera"
        "person_name",
        re.compile(r"\bgit[ \t]+config[ \t]+(?:--\w+[ \t]+)*user\.name[ \t]+([\"']?)([^\"'\n]*[^\"'\s])\1"),
        group=2,
        hints=("user.name",),
        hints_lower=True,
    ),
    Rule(  # a user.name=Dana Rivera line of `git config --list` (not `user.name = ...` in code)
        "person_name",
        re.compile(r"(?m)^user\.name=(.*\S)"),
        group=1,
        hints=("user.name=",),
    ),
    # 13 to 19 digits with single spaces or dashes between, not inside a longer run; written to start
    # with a digit (the look-behind follows it) so the engine skips to digits.
    Rule(
        "card_number",
        re.compile(r"\d(?<![\d-]\d)(?:[ -]?\d){12,18}(?![\d-])"),
        check=_luhn,
        prefilter=re.compile(r"\d(?:[ -]?\d){12}"),  # the first 13 digits of any match
    ),
    Rule(
        "us_ssn",
        re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])"),
        hints=("-",),
        prefilter=re.compile(r"\d{3}-\d{2}-\d{4}"),
    ),
    Rule(
        "iban",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
        check=_iban_checksum,
        prefilter=re.compile(r"[A-Z]{2}\d{2} ?[A-Z0-9]{4} ?[A-Z0-9]{4}"),
    ),
    Rule(
        "ip_address",
        re.compile(rf"(?<![\w:])(?:(?:{_H}:){{7}}{_H}|(?:{_H}:){{1,6}}:(?:{_H}:){{0,5}}{_H})(?![\w:])"),
        hints=(":",),
        prefilter=re.compile(r"[0-9a-fA-F]:[0-9a-fA-F:]"),
    ),
    Rule(
        "ip_address",
        re.compile(rf"(?<![\w.]){_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?!\w|\.\d)"),
        hints=(".",),
        prefilter=re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d"),
    ),
    Rule(
        "phone",
        re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)|\d{2,4})[\s.-]\d{3,4}[\s.-]\d{3,4}(?![\w.])"),
        prefilter=re.compile(r"\d{3}[\s.-]\d{3}"),
    ),
    Rule(
        "home_user",
        # A Windows folder name may hold spaces (C:\Users\Dana Rivera\repo): words joined by single spaces
        # are the name when a path separator follows them, else the first word is. Windows paths are
        # matched in any case (c:\users\...).
        re.compile(
            r"(?:/home/|/Users/|[A-Za-z]:\\\\?(?i:users)\\\\?)"
            r"((?:[^/\\\s\"'`]+(?: [^/\\\s\"'`]+)+(?=[/\\]))|[^/\\\s\"'`]+)"
        ),
        group=1,
        hints=("/home/", "/users/", "users\\"),
        hints_lower=True,
    ),
    Rule(
        "home_user",
        # A coding agent's project folder named after its working directory, every separator a dash
        # (Claude Code's ~/.claude/projects/-Users-dana-app and C--Users-dana-app on Windows; Cursor's
        # ~/.cursor/projects/Users-dana-app and c-Users-dana-app): a dash in the user name cannot be told
        # from a separator, so the whole folder name after the prefix goes.
        re.compile(
            r"(?:(?<![\w-])(?:[A-Za-z]-)?-(?:Users|home)-|(?<![\w-])[A-Za-z]-Users-|(?<=projects/)(?:Users|home)-)"
            r"([^/\\\s\"'`]+)"
        ),
        group=1,
        hints=("-users-", "-home-", "projects/users-", "projects/home-"),
        hints_lower=True,
    ),
)


# The non-ASCII letters a case-insensitive regex matches to an ASCII letter, which lower-casing alone
# does not always turn into it: dotted capital I (lower-cases to two characters), dotless i, long s,
# Kelvin sign. Redaction's hint checks fold them; the heuristic's word matchers rely on the same list.
ASCII_CASE_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}


def _possible(rule: Rule) -> pl.Expr:
    """Whether `rule` can match, from its hints and prefilter, as a polars expression over columns
    `text` and `lower`: polars' Rust string kernels (multi-literal search, linear-time regex) run it
    over many texts at once."""
    conditions = []
    if rule.hints:
        conditions.append(pl.col("lower" if rule.hints_lower else "text").str.contains_any(list(rule.hints)))
    if rule.prefilter is not None:
        conditions.append(pl.col("text").str.contains(rule.prefilter.pattern))
    return functools.reduce(operator.and_, conditions) if conditions else pl.lit(True)


def redact_many(texts: list[str]) -> list[tuple[str, Counter[str]]]:
    """Each text with every rule's matches replaced, and how many of each kind. Which rules can match
    which text is decided for all texts together, on the texts as given rather than after each earlier rule:
    a literal or pattern that appears only once
    an earlier rule has run sits inside that rule's placeholder, which ends in `]` and is never redacted
    again, so no later rule's replacement can depend on it. The answers are those of running every
    rule on every text (test_redact_window.py holds them equal on corpus text and every seeded secret)."""
    if not texts:
        return []
    possible = (
        pl.LazyFrame({"text": texts}, schema={"text": pl.String})
        .with_columns(
            lower=pl.col("text")
            .str.replace_many(list(ASCII_CASE_FOLDS), list(ASCII_CASE_FOLDS.values()))
            .str.to_lowercase()
        )
        .select(*(_possible(rule).alias(str(i)) for i, rule in enumerate(RULES)))
        .collect()
        .to_numpy()
    )
    redacted = []
    for text, row in zip(texts, possible, strict=True):
        counts: Counter[str] = Counter()
        for i in row.nonzero()[0]:
            text = RULES[i].apply(text, counts)
        redacted.append((text, counts))
    return redacted


def redact(text: str) -> tuple[str, Counter[str]]:
    """`text` with every rule's matches replaced, and how many of each kind were replaced (one text;
    many at once are faster through `redact_many`)."""
    return redact_many([text])[0]
