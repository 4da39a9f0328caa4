"""Codex CLI rollout files -> events.

Counting rules, matched to the Claude Code ones as closely as the format allows:
- human turn: an `event_msg` of type `user_message` (the typed prompt; the `response_item` user
  messages repeat it together with injected environment context and instructions);
- model call: a `token_count` event whose cumulative total grew (Codex writes one per model
  response, after the response's items, sometimes repeated without new usage); the assistant text
  written before it is that call's output;
- tool call: a `function_call`, `custom_tool_call`, `local_shell_call` or `web_search_call` item;
  tool error: its output (or its `exec_command_end` event) reports a non-zero exit code, or its patch
  failed to apply; interruption: `turn_aborted`; API error: an `error` event. The month comes from the
  events' UTC timestamps, never from the file name (which Codex writes in local time).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson

from sessionlab_assets.ingest import commands, edits
from sessionlab_assets.ingest.jsonl import ReadResult
from sessionlab_assets.ingest.model import (
    API_ERROR,
    COMPACTION,
    HUMAN_PROMPT,
    INTERRUPTION,
    MAIN,
    MODEL_CALL,
    TOOL_CALL,
    Event,
    ParsedSession,
    classify_user_text,
    parse_ts,
    word_count,
)
from sessionlab_assets.ingest.tool_text import cut_middle, record_tool_result, result_excerpt, tool_input_text

_EXIT_CODE = re.compile(r"(?:Process exited with code|Exit code:?)\s+(-?\d+)")
_TOOL_ITEMS = frozenset({"function_call", "custom_tool_call", "local_shell_call", "web_search_call"})
_OUTPUT_ITEMS = frozenset({"function_call_output", "custom_tool_call_output"})
APPLY_PATCH = "apply_patch"  # the custom tool whose input is a `*** Begin Patch` body


def _shell_command(name: str | None, arguments: Any) -> str | None:
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(arguments, dict):
        return None
    command = arguments.get("cmd", arguments.get("command"))
    if isinstance(command, list):
        command = " ".join(str(part) for part in command)
    return command if isinstance(command, str) else None


def _arguments(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return arguments
    return arguments


def _call_text(ptype: str, name: str, payload: dict[str, Any]) -> str:
    """The salient input of a Codex tool item (see ingest/tool_text.py)."""
    if ptype == "custom_tool_call":
        return f"{name}\n  " + cut_middle(str(payload.get("input") or ""), 600)
    return tool_input_text(name, _arguments(payload.get("arguments") or payload.get("action")))


def _output_text(output: Any) -> str:
    if isinstance(output, str):
        decoded = _arguments(output)
        if isinstance(decoded, dict) and "output" in decoded:
            return str(decoded["output"])
        return output
    return "" if output is None else str(output)


def _output_is_error(output: Any) -> bool:
    if isinstance(output, str):
        try:
            decoded = orjson.loads(output)
            if isinstance(decoded, dict):
                metadata = decoded.get("metadata")
                if isinstance(metadata, dict) and isinstance(metadata.get("exit_code"), int):
                    return metadata["exit_code"] != 0
                output = str(decoded.get("output", ""))
        except orjson.JSONDecodeError:
            pass
        match = _EXIT_CODE.search(output[:2000])
        return bool(match) and match.group(1) != "0"
    return False


def session_id_of(records: list[tuple[int, dict[str, Any]]]) -> str | None:
    for _, record in records[:5]:
        payload = record.get("payload")
        if record.get("type") == "session_meta" and isinstance(payload, dict):
            value = payload.get("id") or payload.get("session_id")
            return str(value) if value else None
    return None


def parse_session(session_id: str, source_file: str, result: ReadResult, keep_text: bool = False) -> ParsedSession:
    session = ParsedSession(
        session_id=session_id, source_file=source_file, source_format="codex_rollout_jsonl", client="codex"
    )
    session.quarantined_lines = len(result.errors)
    session.concatenated_lines = result.concatenated_lines
    events = session.events
    turn_index = 0
    model: str | None = None
    last_total = -1
    calls: dict[str, Event] = {}
    pending_text: list[str] = []

    def add(ts: datetime | None, kind: str, **fields: Any) -> Event:
        event = Event(seq=len(events), ts=ts, chain=MAIN, kind=kind, turn_index=turn_index, **fields)
        events.append(event)
        return event

    for _, record in result.records:
        ts = parse_ts(record.get("timestamp"))
        session.observe_ts(ts)
        payload = record.get("payload")
        if not isinstance(payload, dict):
            continue
        rtype, ptype = record.get("type"), payload.get("type")
        if rtype == "session_meta":
            session.entrypoint = payload.get("originator") or session.entrypoint
            session.client_version = payload.get("cli_version") or session.client_version
        elif rtype == "turn_context":
            model = payload.get("model") or model
        elif rtype == "compacted":
            add(ts, COMPACTION)
            session.compactions += 1
        elif rtype == "event_msg" and ptype == "user_message":
            text = str(payload.get("message") or "")
            kind = classify_user_text(text, bool(payload.get("images")))
            if kind == HUMAN_PROMPT:
                turn_index += 1
            add(ts, kind, text_chars=len(text), text=text if keep_text else "")
        elif rtype == "event_msg" and ptype == "turn_aborted":
            add(ts, INTERRUPTION)
        elif rtype == "event_msg" and ptype == "error":
            add(ts, API_ERROR, text=str(payload.get("message") or "") if keep_text else "")
        elif rtype == "event_msg" and ptype == "exec_command_end":
            # Newer rollouts report a command's exit code here; an older rollout's output item decides too.
            call = calls.get(str(payload.get("call_id")))
            if call is not None and isinstance(payload.get("exit_code"), int):
                output = str(payload.get("aggregated_output") or payload.get("stdout") or "")
                call.is_error = bool(call.is_error) or payload["exit_code"] != 0
                if call.command_kind == commands.TEST_RUN:
                    call.test_outcome = commands.test_outcome(output, call.is_error)
                if keep_text and not call.result_text:
                    call.result_text = result_excerpt(output)
        elif rtype == "event_msg" and ptype == "token_count":
            info = payload.get("info")
            if not isinstance(info, dict):
                continue
            total = (info.get("total_token_usage") or {}).get("total_tokens")
            if isinstance(total, int) and total <= last_total:
                continue
            last_total = total if isinstance(total, int) else last_total
            last = info.get("last_token_usage") or {}
            call = add(ts, MODEL_CALL, model=model, output_tokens=last.get("output_tokens"))
            _attach_text(call, pending_text, keep_text)
        elif rtype == "event_msg" and ptype == "patch_apply_end":
            call = calls.get(str(payload.get("call_id")))
            if call is not None and payload.get("success") is False:
                call.is_error = True
                call.lines_added = call.lines_removed = 0
        elif rtype == "response_item" and ptype == "message" and payload.get("role") == "assistant":
            # Codex writes a response's items before its token_count: hold the text until then.
            pending_text.extend(
                b["text"]
                for b in payload.get("content") or []
                if isinstance(b, dict) and isinstance(b.get("text"), str)
            )
        elif rtype == "response_item" and ptype in _TOOL_ITEMS:
            name = payload.get("name") or ptype
            call_id = str(payload.get("call_id") or payload.get("id") or len(events))
            added = removed = 0
            command_kind = None
            if ptype == "custom_tool_call" and name == APPLY_PATCH:
                added, removed = edits.apply_patch_counts(str(payload.get("input") or ""))
            else:
                command = _shell_command(name, payload.get("arguments") or payload.get("action"))
                command_kind = commands.command_kind(command) if command else None
            calls[call_id] = add(
                ts,
                TOOL_CALL,
                model=model,
                tool_name=name,
                tool_use_id=call_id,
                lines_added=added,
                lines_removed=removed,
                command_kind=command_kind,
                test_outcome="unknown" if command_kind == commands.TEST_RUN else None,
                text=_call_text(ptype, name, payload) if keep_text else "",
            )
        elif rtype == "response_item" and ptype in _OUTPUT_ITEMS:
            call = calls.get(str(payload.get("call_id")))
            if call is None:
                continue
            output = payload.get("output")
            record_tool_result(call, _output_text(output), _output_is_error(output) or bool(call.is_error), keep_text)
    if pending_text:  # text after the last usage record belongs to the last response
        last_call = next((e for e in reversed(events) if e.kind == MODEL_CALL), None)
        _attach_text(last_call or add(None, MODEL_CALL, model=model), pending_text, keep_text)
    return session


def _attach_text(call: Event, pending_text: list[str], keep_text: bool) -> None:
    for text in pending_text:
        call.output_words += word_count(text)
        call.text_chars += len(text)
        if keep_text:
            call.text += text
    pending_text.clear()
