"""GitHub Copilot CLI event logs (JSON lines of `{type, data, id, parentId, timestamp}`) -> events.

Counting rules:
- human turn: a `user.message` (every one carries a `parentAgentTaskId`: Copilot's own task for the
  interaction, not a subagent);
- model call: an `assistant.message` (its `outputTokens` are the output tokens);
- tool call: a `tool.execution_start`; tool error: its `tool.execution_complete` has `success` false;
- lines added / removed: `edit` (old against new text) and `create` (every line of the file), counted as
  Claude Code's Edit and Write;
- interruption: `abort`; API error: `session.error`; compaction: `session.compaction_complete`.
"""

from __future__ import annotations

from typing import Any

from sessionlab_assets.ingest.agent_events import EventBuilder, as_claude_edit
from sessionlab_assets.ingest.jsonl import ReadResult
from sessionlab_assets.ingest.model import (
    API_ERROR,
    COMPACTION,
    INTERRUPTION,
    Event,
    ParsedSession,
    parse_ts,
)

# Copilot's file tools whose input matches a Claude Code edit tool once the keys are renamed.
EDITS = {
    "edit": ("Edit", {"old_str": "old_string", "new_str": "new_string"}),
    "str_replace": ("Edit", {"old_str": "old_string", "new_str": "new_string"}),
    "create": ("Write", {"file_text": "content"}),
}


def session_id_of(records: list[tuple[int, dict[str, Any]]]) -> str | None:
    for _, record in records[:5]:
        data = record.get("data") if isinstance(record.get("data"), dict) else {}
        if record.get("type") == "session.start" and data.get("sessionId"):
            return str(data["sessionId"])
    return None


def parse_session(session_id: str, source_file: str, result: ReadResult, keep_text: bool = False) -> ParsedSession:
    session = ParsedSession(
        session_id=session_id, source_file=source_file, source_format="copilot_events_jsonl", client="copilot"
    )
    session.quarantined_lines = len(result.errors)
    build = EventBuilder(session, keep_text)
    calls: dict[str, Event] = {}
    last_call: Event | None = None
    model: str | None = None
    for _, record in result.records:
        ts = parse_ts(record.get("timestamp"))
        kind = record.get("type")
        data = record.get("data") if isinstance(record.get("data"), dict) else {}
        if kind == "session.start":
            session.client_version = str(data.get("copilotVersion") or "") or None
            session.entrypoint = data.get("producer")
            session.observe_ts(ts)
        elif kind == "session.model_change":
            model = data.get("newModel") or model
        elif kind == "user.message":
            text = str(data.get("content") or "")
            build.prompt(ts, text)
        elif kind == "assistant.message":
            tokens = data.get("outputTokens") if isinstance(data.get("outputTokens"), int) else None
            model = data.get("model") or model
            last_call = build.model_call(ts, str(data.get("content") or ""), model, tokens, data.get("messageId"))
        elif kind == "tool.execution_start":
            name = data.get("toolName")
            arguments = data.get("arguments") if isinstance(data.get("arguments"), dict) else {}
            edit_as, tool_input = as_claude_edit(EDITS, name, arguments)
            call_id = str(data.get("toolCallId"))
            calls[call_id] = build.tool_call(ts, name, tool_input, last_call, edit_as, call_id)
        elif kind == "tool.execution_complete":
            event = calls.get(str(data.get("toolCallId")))
            if event is not None:
                outcome = data.get("result") if isinstance(data.get("result"), dict) else {}
                build.tool_result(event, str(outcome.get("content") or ""), data.get("success") is False)
        elif kind == "abort":
            build.add(ts, INTERRUPTION)
        elif kind == "session.error":
            build.add(ts, API_ERROR, text=str(data.get("message") or "") if keep_text else "")
        elif kind == "session.compaction_complete":
            build.add(ts, COMPACTION)
            session.compactions += 1
        else:
            session.observe_ts(ts)
    return session
