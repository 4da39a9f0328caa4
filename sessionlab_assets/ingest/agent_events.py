"""Building events for the agents whose transcripts are not Claude Code's or Codex's (Gemini CLI,
GitHub Copilot CLI, OpenCode, Cursor): one small builder, so every format counts a tool call, its
outcome, its lines changed and its classifier text the same way as the Claude Code parser does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sessionlab_assets.ingest.model import (
    HUMAN_PROMPT,
    MAIN,
    MODEL_CALL,
    TOOL_CALL,
    Event,
    ParsedSession,
    strings_in,
    word_count,
)
from sessionlab_assets.ingest.tool_text import record_tool_result, tool_call_fields


def as_claude_edit(
    edits: dict[str, tuple[str, dict[str, str]]], name: str | None, arguments: Any
) -> tuple[str | None, Any]:
    """For an agent whose file tools (`edits`: its tool name -> (Claude Code's edit tool, {its key: Claude
    Code's key})) match a Claude Code edit tool, that tool (None for any other call) and the call's input
    with the keys it has also given under Claude Code's names, so its lines count by the same rule."""
    edit_as, keys = edits.get(name, (None, {})) if name is not None else (None, {})
    if not isinstance(arguments, dict):
        return edit_as, arguments
    return edit_as, {**arguments, **{ours: arguments[theirs] for theirs, ours in keys.items() if theirs in arguments}}


class EventBuilder:
    def __init__(self, session: ParsedSession, keep_text: bool):
        self.session = session
        self.keep_text = keep_text
        self.turn_index = 0

    def add(self, ts: datetime | None, kind: str, **fields: Any) -> Event:
        self.session.observe_ts(ts)
        if kind == HUMAN_PROMPT:
            self.turn_index += 1
        event = Event(seq=len(self.session.events), ts=ts, chain=MAIN, kind=kind, turn_index=self.turn_index, **fields)
        self.session.events.append(event)
        return event

    def prompt(self, ts: datetime | None, text: str, kind: str = HUMAN_PROMPT) -> Event:
        return self.add(ts, kind, text_chars=len(text), text=text if self.keep_text else "")

    def model_call(
        self,
        ts: datetime | None,
        text: str,
        model: str | None,
        output_tokens: int | None,
        message_id: str | None = None,
    ) -> Event:
        return self.add(
            ts,
            MODEL_CALL,
            model=model,
            message_id=message_id,
            output_tokens=output_tokens,
            output_words=word_count(text),
            text_chars=len(text),
            text=text if self.keep_text else "",
        )

    def tool_call(
        self,
        ts: datetime | None,
        name: str | None,
        tool_input: Any,
        call: Event | None,
        edit_as: str | None = None,
        tool_use_id: str | None = None,
    ) -> Event:
        """A tool call; `edit_as` names the Claude Code edit tool (Edit, Write) whose input it matches, so
        its lines are counted by the same rule (ingest/edits.py)."""
        command = tool_input.get("command") if isinstance(tool_input, dict) else None
        if call is not None:
            call.output_words += sum(word_count(s) for s in strings_in(tool_input))
        fields = tool_call_fields(
            name, tool_input, command if isinstance(command, str) else None, edit_as, self.keep_text
        )
        return self.add(
            ts,
            TOOL_CALL,
            message_id=call.message_id if call else None,
            model=call.model if call else None,
            tool_use_id=tool_use_id,
            **fields,
        )

    def tool_result(self, event: Event, output: str, is_error: bool) -> None:
        record_tool_result(event, output, is_error, self.keep_text)
