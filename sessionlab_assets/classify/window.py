"""The classifier's view of a session: redacted turns rendered as text, cut to the report's window.

Each turn (a human prompt, or what the agent did in reply) is cut in the middle to `per_turn`
characters, then the whole transcript is cut in the middle to `total` characters, so the opening
request and the ending both survive. Every cut leaves a marker saying how much was removed; the
classifier prompts say a marker is not evidence of anything. Redaction runs first, on the full text.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from sessionlab_assets.classify.redact import redact_many

PER_TURN_CHARS = 5_000
TOTAL_CHARS = 25_000


@dataclass(frozen=True)
class Entry:
    role: str  # "user", "assistant" or "system"
    text: str


@dataclass(frozen=True)
class Window:
    text: str
    chars_kept: int
    chars_dropped: int
    per_turn: int
    total: int
    redactions: Counter[str] = field(default_factory=Counter)
    messages_cut: int = 0  # entries cut to `per_turn`
    window_cut: bool = False  # the whole transcript was cut to `total`

    @cached_property
    def window_hash(self) -> str:
        """Content hash of exactly what a classifier sees (part of the cache key)."""
        return hashlib.sha256(f"{self.per_turn}/{self.total}\n{self.text}".encode()).hexdigest()[:32]


def cut_marker(dropped: int, where: str) -> str:
    return f"[… {dropped:,} characters cut from the middle of this {where} …]"


def middle_cut(text: str, limit: int, where: str) -> tuple[str, int]:
    """`text` cut to at most about `limit` characters, keeping its start and end; and how many were dropped."""
    if len(text) <= limit:
        return text, 0
    dropped = len(text) - limit
    marker = cut_marker(dropped, where)
    head = limit // 2
    tail = limit - head
    return f"{text[:head]}\n{marker}\n{text[len(text) - tail :]}", dropped


def render_windows(
    sessions: list[list[Entry]], per_turn: int = PER_TURN_CHARS, total: int = TOTAL_CHARS
) -> list[Window]:
    """The window of each session's entries; the texts of all of them are redacted together."""
    redacted = iter(redact_many([entry.text for entries in sessions for entry in entries]))
    windows = []
    for entries in sessions:
        redactions: Counter[str] = Counter()
        blocks = []
        dropped = messages_cut = 0
        for entry in entries:
            text, counts = next(redacted)
            redactions.update(counts)
            text, cut = middle_cut(text, per_turn, "turn")
            dropped += cut
            messages_cut += cut > 0
            blocks.append(f"<{entry.role}>\n{text}\n</{entry.role}>")
        transcript, window_cut = middle_cut("\n".join(blocks), total, "transcript")
        dropped += window_cut
        windows.append(
            Window(
                text=transcript,
                chars_kept=len(transcript),
                chars_dropped=dropped,
                per_turn=per_turn,
                total=total,
                redactions=redactions,
                messages_cut=messages_cut,
                window_cut=window_cut > 0,
            )
        )
    return windows


def render_window(entries: list[Entry], per_turn: int = PER_TURN_CHARS, total: int = TOTAL_CHARS) -> Window:
    return render_windows([entries], per_turn, total)[0]
