"""Redaction of secrets and personal data, before any text is truncated or leaves the machine.

Each rule replaces a match with a typed placeholder, `[REDACTED:<kind>]`, and is counted, so a
session's redaction counts say what was removed without saying what it was. Rules run in order:
multi-line private keys first, then vendor tokens with recognisable prefixes, then generic
assignments (`password = ...`), URL credentials, e-mail addresses, phone numbers, IP addresses and
the user name in home-directory paths. The token patterns follow the shapes gitleaks' default rules
describe; they are written here from those shapes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern[str]
    group: int = 0  # the group replaced; 0 is the whole match

    def apply(self, text: str, counts: Counter[str]) -> str:
        placeholder = f"[REDACTED:{self.kind}]"

        def replace(match: re.Match[str]) -> str:
            counts[self.kind] += 1
            if self.group == 0:
                return placeholder
            start, end = match.span(self.group)
            whole_start = match.start()
            return match.group(0)[: start - whole_start] + placeholder + match.group(0)[end - whole_start:]

        return self.pattern.sub(replace, text)


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"

RULES: tuple[Rule, ...] = (
    Rule("private_key", re.compile(r"-----BEGIN[A-Z ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[A-Z ]*PRIVATE KEY(?: BLOCK)?-----|\Z)", re.S)),
    Rule("anthropic_key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    Rule("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    Rule("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})")),
    Rule("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    Rule("stripe_key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    Rule("aws_access_key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[A-Z0-9]{16}\b")),
    Rule("google_api_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    Rule("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    Rule("url_credentials", re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@"), group=1),
    Rule("secret_assignment", re.compile(
        r"(?i)\b(?:[a-z0-9_]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key))"
        r"\b[\"']?\s*[:=]\s*[\"']?([^\s\"'`,;]{6,})"), group=1),
    Rule("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")),
    Rule("phone", re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)|\d{3})[\s.-]\d{3,4}[\s.-]\d{3,4}(?![\w.])")),
    Rule("ip_address", re.compile(rf"(?<![\w.]){_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?!\w|\.\d)")),
    Rule("home_user", re.compile(r"(?:/home/|/Users/|[A-Za-z]:\\\\?Users\\\\?)([^/\\\s\"'`]+)"), group=1),
)


def redact(text: str) -> tuple[str, Counter[str]]:
    """`text` with every rule's matches replaced, and how many of each kind were replaced."""
    counts: Counter[str] = Counter()
    for rule in RULES:
        text = rule.apply(text, counts)
    return text, counts
