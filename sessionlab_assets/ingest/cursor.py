"""Cursor agent transcripts (JSON lines of `{role, message: {content: [blocks]}}`) -> events.

The format carries no model and no token counts, and its lines no time. Counting rules:
- human turn: a `user` line with text (the `<user_query>` wrapper Cursor writes is removed, and so is
  the `<timestamp>` newer versions put before it, which dates the prompt);
- model call: an `assistant` line (Cursor writes one per response);
- tool call: a `tool_use` block; lines added and removed: `StrReplace` and `Write` counted as Claude
  Code's Edit and Write, `ApplyPatch` as Codex's apply_patch; a `tool_result` block naming the call's
  id gives the window its result, but tool errors stay unknown (NULL, not zero, in `sessions`), since
  most files carry no results.
The session's time is its prompts' timestamps; when there are none, the file's modification time, and
`session_headers.timestamps_from` says so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sessionlab_assets.ingest import edits
from sessionlab_assets.ingest.agent_events import EventBuilder, as_claude_edit
from sessionlab_assets.ingest.jsonl import ReadResult
from sessionlab_assets.ingest.model import Event, ParsedSession

_QUERY = re.compile(r"</?user_query>")
# "<timestamp>Friday, Jul 31, 2026, 5:10 PM (UTC-5)</timestamp>": the prompt's local time and offset.
_TIMESTAMP = re.compile(r"<timestamp>(.*?)</timestamp>", re.S)
_LOCAL_TIME = re.compile(r"(\w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M) \(UTC(?:([+-]\d{1,2})(?::(\d{2}))?)?\)")
FILE_TIME = "file modification time"

# Cursor's file tools whose input matches a Claude Code edit tool once the keys are renamed.
EDITS = {
    "StrReplace": ("Edit", {"path": "file_path"}),
    "Write": ("Write", {"path": "file_path", "contents": "content"}),
}
APPLY_PATCH = "ApplyPatch"  # its input is a patch in Codex's `*** Begin Patch` format


def session_id_of(records: list[tuple[int, dict[str, Any]]]) -> None:
    return None  # Cursor names no session: the ingest makes an id from the file's path


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    return [str(b.get("text") or "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"]


def prompt_time(text: str) -> datetime | None:
    """The UTC time of a prompt's `<timestamp>`, or None when it has none this reader understands."""
    tag = _TIMESTAMP.search(text)
    found = _LOCAL_TIME.search(tag.group(1)) if tag else None
    if not found:
        return None
    try:
        local = datetime.strptime(found.group(1), "%b %d, %Y, %I:%M %p")
    except ValueError:
        return None
    sign = -1 if (found.group(2) or "").startswith("-") else 1
    offset = timedelta(hours=abs(int(found.group(2) or 0)), minutes=int(found.group(3) or 0))
    return local - sign * offset


def _tool_call(build: EventBuilder, block: dict[str, Any], call: Event) -> Event:
    name, tool_input = block.get("name"), block.get("input")
    if name == APPLY_PATCH and isinstance(tool_input, str):
        event = build.tool_call(None, name, tool_input, call, None, block.get("id"))
        event.lines_added, event.lines_removed = edits.apply_patch_counts(tool_input)
        return event
    edit_as, tool_input = as_claude_edit(EDITS, name, tool_input if isinstance(tool_input, dict) else {})
    return build.tool_call(None, name, tool_input, call, edit_as, block.get("id"))


def _result_text(content: Any) -> str:
    return "\n".join(_texts(content)) if not isinstance(content, str) else content


def parse_session(
    session_id: str, source_file: str, result: ReadResult, keep_text: bool = False, mtime_ns: int | None = None
) -> ParsedSession:
    session = ParsedSession(
        session_id=session_id, source_file=source_file, source_format="cursor_jsonl", client="cursor"
    )
    session.quarantined_lines = len(result.errors)
    build = EventBuilder(session, keep_text)
    calls: dict[str, Event] = {}
    for _, record in result.records:
        message = record.get("message") if isinstance(record.get("message"), dict) else {}
        content = message.get("content")
        blocks = [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
        if record.get("role") == "user":
            for block in blocks:
                event = calls.get(str(block.get("tool_use_id")))
                if block.get("type") == "tool_result" and event is not None:
                    build.tool_result(event, _result_text(block.get("content")), block.get("is_error") is True)
            raw = "\n".join(_texts(content))
            text = _QUERY.sub("", _TIMESTAMP.sub("", raw)).strip()
            if text:
                build.prompt(prompt_time(raw), text)
        elif record.get("role") == "assistant":
            call = build.model_call(None, "\n".join(_texts(content)), None, None)
            for block in blocks:
                if block.get("type") == "tool_use":
                    event = _tool_call(build, block, call)
                    if block.get("id") is not None:
                        calls[str(block["id"])] = event
    if mtime_ns is not None and session.first_ts is None:
        when = datetime.fromtimestamp(mtime_ns / 1e9, UTC).replace(tzinfo=None)
        session.first_ts = session.last_ts = when
        session.timestamps_from = FILE_TIME
    return session
