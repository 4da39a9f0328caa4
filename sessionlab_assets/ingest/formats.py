"""Recognise what a file under the source root is, by its content, never by its name.

Transcripts arrive as `.jsonl`, as `full.jsonl` inside checkpoint folders, or with no extension at
all; some `.jsonl` files are really pretty-printed JSON exported by another agent. The verdict is one
of the formats we parse, or a reason the file is not ingested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import orjson

CLAUDE_CODE = "claude_code"
CODEX = "codex"
GEMINI = "gemini"  # one JSON document
OPENCODE = "opencode"  # one JSON document
COPILOT = "copilot"
CURSOR = "cursor"
DOCUMENT_FORMATS = frozenset({GEMINI, OPENCODE})  # a whole file is one JSON value, not JSON lines

# What a format's files cannot tell, by `source_format`: these `sessions` columns are NULL for its
# sessions, not zero. (Cursor keeps no token counts, and most of its files no tool results and no times.)
CANNOT_TELL = {
    "cursor_jsonl": (
        "tool_errors",
        "output_tokens",
        "output_tokens_per_prompt",
        "test_runs_passed",
        "test_runs_failed",
        "duration_seconds",
    ),
}

# Top-level `type` values written by Claude Code into a session file.
CLAUDE_CODE_TYPES = frozenset(
    {
        "user",
        "assistant",
        "system",
        "summary",
        "progress",
        "attachment",
        "file-history-snapshot",
        "file-history-delta",
        "queue-operation",
        "last-prompt",
        "permission-mode",
        "ai-title",
        "custom-title",
        "agent-name",
        "mode",
        "bridge-session",
        "pr-link",
    }
)
CODEX_TYPES = frozenset({"session_meta", "response_item", "event_msg", "turn_context", "compacted"})

SNIFF_BYTES = 256 * 1024


@dataclass(frozen=True)
class Verdict:
    format: str | None  # CLAUDE_CODE, CODEX, or None when the file is not ingested
    reason: str | None  # why not, when format is None


def _whole_file_verdict(obj: object) -> Verdict:
    if isinstance(obj, dict):
        keys = set(obj)
        if {"sessionId", "projectHash", "messages"} <= keys:
            return Verdict(GEMINI, None)
        if {"info", "messages"} <= keys:
            return Verdict(OPENCODE, None)
        if {"checkpoint_id", "session_id"} <= keys:
            return Verdict(None, "not a transcript: checkpoint metadata JSON")
        return Verdict(None, "single JSON document of unknown kind: format not supported")
    return Verdict(None, "single JSON value that is not a session object: format not supported")


def sniff(head: bytes, whole: bytes | None = None) -> Verdict:
    """Decide the format from the first bytes of a file (`whole` is read only when needed)."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if not stripped:
        return Verdict(None, "empty file")
    if stripped[:1] not in (b"{", b"["):
        return Verdict(None, "not JSON lines: the file does not start with a JSON object (text or markdown)")
    if b"\n" not in stripped and whole is not None and len(whole) > len(head):
        # The first line is longer than the head (an image pasted into the first prompt): read it whole.
        stripped = whole.lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    first_line = stripped.split(b"\n", 1)[0].strip()
    record = None
    try:
        record = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        try:  # two objects on the first line still identify the format
            record, _ = json.JSONDecoder().raw_decode(first_line.decode("utf-8", "replace"))
        except json.JSONDecodeError:
            record = None
    if isinstance(record, dict):
        kind = record.get("type")
        if kind in CODEX_TYPES and "payload" in record:
            return Verdict(CODEX, None)
        if kind in CLAUDE_CODE_TYPES or "sessionId" in record or "parentUuid" in record:
            return Verdict(CLAUDE_CODE, None)
        if isinstance(kind, str) and kind.startswith("session.") and "data" in record:
            return Verdict(COPILOT, None)
        if "role" in record and "message" in record and "type" not in record:
            return Verdict(CURSOR, None)
        if first_line == stripped.strip():  # one-line JSON document
            return _whole_file_verdict(record)
        return Verdict(None, f"JSON lines of unknown kind (first record keys: {', '.join(sorted(record)[:6])})")
    # The first line is not a whole object: pretty-printed JSON, or garbage.
    if whole is not None:
        try:
            return _whole_file_verdict(orjson.loads(whole))
        except orjson.JSONDecodeError:
            pass
    return Verdict(None, "first line is not a JSON object and the file is not one JSON document")
