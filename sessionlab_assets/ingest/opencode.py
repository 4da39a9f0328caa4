"""OpenCode session exports (one pretty-printed JSON document: `info`, `messages` with `parts`) -> events.

Counting rules:
- human turn: a `user` message with text;
- model call: a `step-finish` part of an `assistant` message (one step is one model response; its
  `tokens.output` are the output tokens), the text parts before it being its output;
- tool call: a `tool` part; tool error: its `state.status` is `error` or its exit code is not 0;
- lines added / removed: `edit` (old against new text) and `write` (every line), counted as Claude
  Code's Edit and Write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sessionlab_assets.ingest.agent_events import EventBuilder, as_claude_edit
from sessionlab_assets.ingest.jsonl import ReadResult
from sessionlab_assets.ingest.model import ParsedSession

# OpenCode's file tools whose input matches a Claude Code edit tool once the keys are renamed.
EDITS = {
    "edit": ("Edit", {"oldString": "old_string", "newString": "new_string", "filePath": "file_path"}),
    "write": ("Write", {"content": "content", "filePath": "file_path"}),
}


def session_id_of(records: list[tuple[int, dict[str, Any]]]) -> str | None:
    document = records[0][1] if records else {}
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    return str(info.get("id")) if info.get("id") else None


def _ts(milliseconds: Any) -> datetime | None:
    if not isinstance(milliseconds, int | float):
        return None
    return datetime.fromtimestamp(milliseconds / 1000, UTC).replace(tzinfo=None)


def parse_session(session_id: str, source_file: str, result: ReadResult, keep_text: bool = False) -> ParsedSession:
    session = ParsedSession(
        session_id=session_id, source_file=source_file, source_format="opencode_json", client="opencode"
    )
    document = result.records[0][1] if result.records else {}
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    session.client_version = info.get("version")
    build = EventBuilder(session, keep_text)
    for message in document.get("messages") or []:
        meta = message.get("info") if isinstance(message, dict) and isinstance(message.get("info"), dict) else {}
        ts = _ts((meta.get("time") or {}).get("created"))
        parts = [p for p in message.get("parts") or [] if isinstance(p, dict)]
        if meta.get("role") == "user":
            text = "\n".join(
                str(p.get("text") or "") for p in parts if p.get("type") == "text" and not p.get("synthetic")
            )
            if text.strip():
                build.prompt(ts, text)
            continue
        model = (meta.get("model") or {}).get("modelID") if isinstance(meta.get("model"), dict) else meta.get("modelID")
        texts: list[str] = []
        tools: list[dict[str, Any]] = []
        for part in parts:
            if part.get("type") == "text":
                texts.append(str(part.get("text") or ""))
            elif part.get("type") == "tool":
                tools.append(part)
            elif part.get("type") == "step-finish":
                tokens = part.get("tokens") if isinstance(part.get("tokens"), dict) else {}
                output = tokens.get("output") if isinstance(tokens.get("output"), int) else None
                call = build.model_call(ts, "\n".join(texts), model, output, part.get("messageID"))
                for tool in tools:
                    _tool(build, tool, call, ts)
                texts, tools = [], []
        if texts or tools:  # a response cut off before its step finished
            call = build.model_call(ts, "\n".join(texts), model, None)
            for tool in tools:
                _tool(build, tool, call, ts)
    return session


def _tool(build: EventBuilder, part: dict[str, Any], call, ts: datetime | None) -> None:
    state = part.get("state") if isinstance(part.get("state"), dict) else {}
    arguments = state.get("input") if isinstance(state.get("input"), dict) else {}
    name = part.get("tool")
    edit_as, tool_input = as_claude_edit(EDITS, name, arguments)
    started = _ts((state.get("time") or {}).get("start")) or ts
    event = build.tool_call(started, name, tool_input, call, edit_as, part.get("callID"))
    exit_code = (state.get("metadata") or {}).get("exit") if isinstance(state.get("metadata"), dict) else None
    failed = state.get("status") == "error" or (isinstance(exit_code, int) and exit_code != 0)
    build.tool_result(event, str(state.get("output") or state.get("error") or ""), failed)
