"""Cursor agent transcripts (JSON lines of `{role, message: {content: [blocks]}}`) -> events.

The format carries no timestamps, no model, no token counts and no tool results. Counting rules:
- human turn: a `user` line with text (the `<user_query>` wrapper Cursor writes is removed);
- model call: an `assistant` line (Cursor writes one per response);
- tool call: a `tool_use` block; its outcome is unknown (NULL, not zero, in `sessions`).
The session's time is the file's modification time, and `session_headers.timestamps_from` says so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sessionlab_assets.ingest.agent_events import EventBuilder
from sessionlab_assets.ingest.jsonl import ReadResult
from sessionlab_assets.ingest.model import ParsedSession

_QUERY = re.compile(r"</?user_query>")
FILE_TIME = "file modification time"


def session_id_of(records: list[tuple[int, dict[str, Any]]]) -> None:
    return None  # Cursor names no session: the ingest makes an id from the file's path


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    return [str(b.get("text") or "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"]


def parse_session(
    session_id: str, source_file: str, result: ReadResult, keep_text: bool = False, mtime_ns: int | None = None
) -> ParsedSession:
    session = ParsedSession(
        session_id=session_id, source_file=source_file, source_format="cursor_jsonl", client="cursor"
    )
    session.quarantined_lines = len(result.errors)
    build = EventBuilder(session, keep_text)
    for _, record in result.records:
        message = record.get("message") if isinstance(record.get("message"), dict) else {}
        content = message.get("content")
        if record.get("role") == "user":
            text = _QUERY.sub("", "\n".join(_texts(content))).strip()
            if text:
                build.prompt(None, text)
        elif record.get("role") == "assistant":
            call = build.model_call(None, "\n".join(_texts(content)), None, None)
            for block in content if isinstance(content, list) else []:
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    tool_input = block.get("input") if isinstance(block.get("input"), dict) else {}
                    build.tool_call(None, block.get("name"), tool_input, call, None, block.get("id"))
    if mtime_ns is not None:
        when = datetime.fromtimestamp(mtime_ns / 1e9, UTC).replace(tzinfo=None)
        session.first_ts = session.last_ts = when
        session.timestamps_from = FILE_TIME
    return session
