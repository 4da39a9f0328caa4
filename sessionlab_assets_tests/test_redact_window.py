"""Redaction of seeded secrets and personal data, and the classifier window's cuts."""

from __future__ import annotations

import pytest

from sessionlab_assets.classify.redact import redact
from sessionlab_assets.classify.window import Entry, middle_cut, render_window

# Fabricated values in the shapes real ones take; none of them is a live credential.
SEEDED = {
    "anthropic_key": "sk-ant-api03-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 2,
    "openai_key": "sk-proj-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe",
    "github_token": "ghp_" + "aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2",
    "slack_token": "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "stripe_key": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "aws_access_key": "AKIA" + "IOSFODNN7EXAMPLE",
    "google_api_key": "AIza" + "SyD-1234567890abcdefghijklmnopqrstu",
    "jwt": "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
}


@pytest.mark.parametrize("kind", sorted(SEEDED))
def test_vendor_tokens_become_typed_placeholders(kind):
    text, counts = redact(f"export TOKEN_VALUE {SEEDED[kind]} # from the dashboard")
    assert SEEDED[kind] not in text
    assert f"[REDACTED:{kind}]" in text
    assert counts[kind] == 1


def test_private_key_blocks_assignments_and_url_credentials():
    key = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAMwAAAAtzc2gtZW\n"
        "-----END OPENSSH PRIVATE KEY-----"
    )
    text, counts = redact(
        f"here is my key:\n{key}\nDB_PASSWORD=hunter2hunter2\npostgres://admin:s3cr3tpass@db.internal:5432/app\n"
        'config = {"api_key": "abcdef123456"}'
    )
    for secret in ("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", "hunter2hunter2", "s3cr3tpass", "abcdef123456"):
        assert secret not in text
    assert counts["private_key"] == 1 and counts["secret_assignment"] == 2 and counts["url_credentials"] == 1
    assert "postgres://admin:[REDACTED:url_credentials]@db.internal" in text  # the rest of the URL stays readable


def test_personal_data():
    text, counts = redact(
        "mail jane.doe@example.com or call +1 415-555-0132, server 192.168.10.24, "
        "file /home/janedoe/work/app.py and /Users/jdoe/code and C:\\Users\\jane\\repo"
    )
    for value in ("jane.doe@example.com", "415-555-0132", "192.168.10.24", "janedoe", "jdoe", "jane\\"):
        assert value not in text
    assert counts == {"email": 1, "phone": 1, "ip_address": 1, "home_user": 3}
    assert "/home/[REDACTED:home_user]/work/app.py" in text


def test_ordinary_text_is_left_alone():
    ordinary = (
        "Fixed the off-by-one in src/parse.py; 12 passed in 0.4s. Version 2.1.40, date 2025-10-01 12:30:45, "
        "ratio 0.125, see https://example.org/docs, token budget is large, password field is required."
    )
    text, counts = redact(ordinary)
    assert text == ordinary and not counts


def test_middle_cut_keeps_both_ends_and_says_how_much_went():
    text = "A" * 3000 + "M" * 4000 + "Z" * 3000
    cut, dropped = middle_cut(text, 5000, "turn")
    assert dropped == 5000
    assert cut.startswith("A" * 2500) and cut.endswith("Z" * 2500)
    assert "5,000 characters cut" in cut and "M" not in cut.replace("middle", "")


def test_window_limits_and_records_what_was_kept():
    entries = (
        [Entry("user", "Please fix the export. " * 10)]
        + [Entry("assistant", "x" * 8000) for _ in range(6)]
        + [Entry("user", "Perfect, that works!")]
    )
    window = render_window(entries)
    assert window.text.startswith("<user>\nPlease fix the export.")
    assert window.text.rstrip().endswith("Perfect, that works!\n</user>")
    assert window.chars_kept <= 25_000 + 200  # the transcript marker itself
    assert window.chars_dropped > 6 * 3000  # each long turn lost 3,000, then the transcript lost more
    assert "characters cut from the middle of this transcript" in window.text
    assert render_window(entries).window_hash == window.window_hash
    assert render_window(entries, per_turn=4000).window_hash != window.window_hash


def test_redaction_happens_before_the_cut():
    secret = SEEDED["github_token"]
    # The token straddles the point where a 5,000-character cut would split it.
    entries = [Entry("assistant", "y" * 2490 + " " + secret + " " + "y" * 6000)]
    window = render_window(entries)
    assert secret[:12] not in window.text and window.redactions["github_token"] == 1


def test_skipping_rules_that_cannot_match_changes_nothing(tmp_path):
    """Rules are skipped on a text when their hints and prefilters say they cannot match, decided by
    polars' string kernels for all texts at once; the answers must be exactly those of running every
    rule, in order, on every text."""
    from collections import Counter

    from sessionlab_assets.classify.redact import RULES, redact_many
    from sessionlab_assets.classify.transcript import session_entries
    from sessionlab_assets.ingest.source import scan_source
    from sessionlab_assets.sample import corpus
    from sessionlab_assets_tests.secrets_catalogue import CATALOGUE

    def every_rule(text: str) -> tuple[str, Counter[str]]:
        counts: Counter[str] = Counter()
        for rule in RULES:
            text = rule.apply(text, counts)
        return text, counts

    corpus.build(tmp_path / "s", sessions=30, seed=9, workers=1)
    texts = [
        entry.text
        for session in scan_source(tmp_path / "s" / corpus.TRANSCRIPTS, keep_text=True).sessions
        for entry in session_entries(session)
    ]
    lines = [line for _, _, line in CATALOGUE.values()]
    texts += lines + [
        "\n".join(lines),
        "".join(lines),
        "İSTANBUL KEY=sk-ant-api03-" + "x" * 40,
        "",
        "ſecret=hunter2hunter2",
        "Authorization: BASİC dXNlcjpwYXNzd29yZDEyMzQ1",
        "ACCESS_KEY=abcdef123456",
        "PASSWORD: ſ3cr3t-value",
    ]
    assert redact_many(texts) == [every_rule(text) for text in texts]
    assert redact(texts[-1]) == every_rule(texts[-1])
