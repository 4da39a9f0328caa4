"""Gemini CLI sessions (one pretty-printed JSON document: `sessionId`, `messages`) -> events.

Counting rules:
- human turn: a message of type `user`;
- model call: a message of type `gemini` (its `tokens.output` are the output tokens);
- tool call: an entry of a `gemini` message's `toolCalls`; tool error: its `status` is not `success`;
- lines added / removed: `write_file` (every line of the content) and `replace` (old against new
  text), counted as Claude Code's Write and Edit; API errors: messages of type `error`.
"""

from __future__ import annotations

from typing import Any

from sessionlab_assets.ingest.agent_events import EventBuilder, as_claude_edit
from sessionlab_assets.ingest.jsonl import ReadResult
from sessionlab_assets.ingest.model import API_ERROR, ParsedSession, parse_ts

# Gemini's file tools whose input matches a Claude Code edit tool once the keys are renamed.
EDITS = {
    "write_file": ("Write", {"content": "content"}),
    "replace": ("Edit", {"old_string": "old_string", "new_string": "new_string"}),
}


def session_id_of(records: list[tuple[int, dict[str, Any]]]) -> str | None:
    document = records[0][1] if records else {}
    return str(document.get("sessionId")) if document.get("sessionId") else None


def _result_text(call: dict[str, Any]) -> str:
    parts = []
    for item in call.get("result") or []:
        response = (item.get("functionResponse") or {}).get("response") if isinstance(item, dict) else None
        if isinstance(response, dict):
            parts.append(str(response.get("output") or response.get("error") or ""))
    return "\n".join(parts)


def parse_session(session_id: str, source_file: str, result: ReadResult, keep_text: bool = False) -> ParsedSession:
    session = ParsedSession(
        session_id=session_id, source_file=source_file, source_format="gemini_json", client="gemini"
    )
    document = result.records[0][1] if result.records else {}
    build = EventBuilder(session, keep_text)
    for message in document.get("messages") or []:
        if not isinstance(message, dict):
            continue
        ts = parse_ts(message.get("timestamp"))
        kind, content = message.get("type"), str(message.get("content") or "")
        if kind == "user":
            build.prompt(ts, content)
        elif kind == "error":
            build.add(ts, API_ERROR, text=content if keep_text else "")
        elif kind == "gemini":
            tokens = message.get("tokens") if isinstance(message.get("tokens"), dict) else {}
            output = tokens.get("output") if isinstance(tokens.get("output"), int) else None
            call = build.model_call(ts, content, message.get("model"), output, message_id=message.get("id"))
            for tool in message.get("toolCalls") or []:
                if not isinstance(tool, dict):
                    continue
                name = tool.get("name")
                arguments = tool.get("args") if isinstance(tool.get("args"), dict) else {}
                edit_as, tool_input = as_claude_edit(EDITS, name, arguments)
                event = build.tool_call(
                    parse_ts(tool.get("timestamp")) or ts, name, tool_input, call, edit_as, tool.get("id")
                )
                build.tool_result(event, _result_text(tool), tool.get("status") != "success")
    return session
