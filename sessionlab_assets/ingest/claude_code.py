"""Claude Code session files -> events.

Counting rules (the same ones the README states):
- human turn: a main-chain `user` line whose content is human text: not a tool result, not `isMeta`,
  not `isCompactSummary`, not a command wrapper or reminder, not an interruption notice, and not
  marked by the client as coming from anything but a human (`origin.kind`);
- model call: a distinct `message.id` among main-chain `assistant` lines whose model is not
  `<synthetic>` (one API response is streamed over several lines sharing the id);
- tool call: a distinct `tool_use` id on the main chain; tool error: its `tool_result` has `is_error`.
A record whose `uuid` was already seen in the file is a replay and is skipped. Compaction restarts the
parent chain inside a file; main vs side is read from `isSidechain`, never by walking parents, so
nothing before a compaction is lost.
"""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import datetime
from typing import Any

from sessionlab_assets.ingest import edits
from sessionlab_assets.ingest.jsonl import ReadResult
from sessionlab_assets.ingest.model import (
    AGENT_PROMPT,
    API_ERROR,
    COMPACTION,
    COMPACTOR,
    HUMAN_PROMPT,
    INJECTED_USER,
    MAIN,
    MEMORY,
    MODEL_CALL,
    SIDECHAIN,
    SUBAGENT,
    SYNTHETIC,
    TOOL_CALL,
    Event,
    ParsedSession,
    classify_user_text,
    parse_ts,
    strings_in,
    word_count,
)
from sessionlab_assets.ingest.tool_text import cut_middle, record_tool_result, tool_call_fields

SYNTHETIC_MODEL = "<synthetic>"
SHELL_TOOLS = frozenset({"Bash", "PowerShell", "mcp__acp__Bash", "BashOutput"})


def _result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def most_common_session_id(records: list[tuple[int, dict[str, Any]]]) -> str | None:
    counts = Counter(r.get("sessionId") for _, r in records if isinstance(r.get("sessionId"), str))
    return counts.most_common(1)[0][0] if counts else None


def is_subagent_file(name: str, records: list[tuple[int, dict[str, Any]]]) -> bool:
    """Subagent transcripts are named `agent-*.jsonl`, or hold nothing but sidechain lines."""
    if name.startswith("agent-"):
        return True
    flags = [r.get("isSidechain") for _, r in records if "isSidechain" in r]
    return bool(flags) and all(flags)


class _ChainParser:
    """Turns one file's records into events, appending to the session."""

    def __init__(self, session: ParsedSession, chain: str, agent_id: str | None, keep_text: bool):
        self.session = session
        self.default_chain = chain
        self.agent_id = agent_id
        self.keep_text = keep_text
        self.turn_index = 0
        self.calls_by_message: dict[tuple[str, str], Event] = {}
        self.tool_calls: dict[str, Event] = {}
        self.seen_uuids: set[str] = set()
        self.boundaries = 0
        self.summaries = 0

    def _event(self, ts: datetime | None, chain: str, kind: str, **fields: Any) -> Event:
        event = Event(
            seq=len(self.session.events),
            ts=ts,
            chain=chain,
            kind=kind,
            turn_index=self.turn_index,
            agent_id=self.agent_id,
            **fields,
        )
        self.session.events.append(event)
        return event

    def feed(self, records: list[tuple[int, dict[str, Any]]], observe_ts: bool) -> None:
        for _, record in records:
            uuid = record.get("uuid")
            if isinstance(uuid, str):
                if uuid in self.seen_uuids:
                    self.session.duplicate_records += 1
                    continue
                self.seen_uuids.add(uuid)
            ts = parse_ts(record.get("timestamp"))
            if observe_ts:
                self.session.observe_ts(ts)
            if self.default_chain == MAIN:
                self._client_info(record)
            chain = SIDECHAIN if (self.default_chain == MAIN and record.get("isSidechain")) else self.default_chain
            kind = record.get("type")
            if kind == "user":
                self._user(record, ts, chain)
            elif kind == "assistant":
                self._assistant(record, ts, chain)
            elif kind == "attachment":
                self._attachment(record, ts, chain)
            elif kind == "system":
                subtype = record.get("subtype")
                if subtype == "compact_boundary":
                    self.boundaries += 1
                    self._event(ts, chain, COMPACTION)
                elif subtype == "api_error":
                    self._event(ts, chain, API_ERROR, text=self._api_error_text(record) if self.keep_text else "")

    def _attachment(self, record: dict[str, Any], ts: datetime | None, chain: str) -> None:
        attachment = record.get("attachment")
        if not isinstance(attachment, dict) or attachment.get("type") != "nested_memory":
            return
        content = attachment.get("content")
        if isinstance(content, dict):  # newer clients nest the file: {path, type, content}
            content = content.get("content")
        if not isinstance(content, str):
            return
        text = f"{attachment.get('displayPath') or attachment.get('path') or 'memory file'}\n{content}"
        self._event(ts, chain, MEMORY, text_chars=len(text), text=text if self.keep_text else "")

    @staticmethod
    def _api_error_text(record: dict[str, Any]) -> str:
        for value in (record.get("content"), record.get("error")):
            if isinstance(value, str) and value:
                return cut_middle(value, 500)
            if isinstance(value, dict):
                return cut_middle(str(value.get("message") or value), 500)
        return ""

    def _client_info(self, record: dict[str, Any]) -> None:
        if self.session.entrypoint is None and isinstance(record.get("entrypoint"), str):
            self.session.entrypoint = record["entrypoint"]
        if isinstance(record.get("version"), str):
            self.session.client_version = record["version"]

    def _user(self, record: dict[str, Any], ts: datetime | None, chain: str) -> None:
        message = record.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if record.get("isCompactSummary"):
            self.summaries += 1
            return
        texts: list[str] = []
        has_image = False
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for block in content:
                if not isinstance(block, dict):
                    continue
                btype = block.get("type")
                if btype == "tool_result":
                    self._tool_result(block, record.get("toolUseResult"))
                elif btype == "text" and isinstance(block.get("text"), str):
                    texts.append(block["text"])
                elif btype == "image":
                    has_image = True
        if not texts and not has_image:
            return  # a pure tool-result line
        text = "\n".join(texts)
        origin = record.get("origin")
        origin_kind = origin.get("kind") if isinstance(origin, dict) else None
        if record.get("isMeta") or (origin_kind is not None and origin_kind != "human"):
            kind = INJECTED_USER
        else:
            kind = classify_user_text(text, has_image)
        if kind == HUMAN_PROMPT and chain != MAIN:
            kind = AGENT_PROMPT
        if kind == HUMAN_PROMPT:
            self.turn_index += 1
        self._event(ts, chain, kind, text_chars=len(text), text=text if self.keep_text else "")

    def _assistant(self, record: dict[str, Any], ts: datetime | None, chain: str) -> None:
        message = record.get("message")
        if not isinstance(message, dict):
            return
        model = message.get("model")
        content = message.get("content") if isinstance(message.get("content"), list) else []
        if model == SYNTHETIC_MODEL:
            self._event(ts, chain, SYNTHETIC, model=model)
            return
        message_id = message.get("id") or record.get("uuid")
        usage = message.get("usage") if isinstance(message.get("usage"), dict) else {}
        output_tokens = usage.get("output_tokens") if isinstance(usage.get("output_tokens"), int) else None
        key = (chain, str(message_id))
        call = self.calls_by_message.get(key)
        if call is None:
            call = self._event(
                ts, chain, MODEL_CALL, message_id=str(message_id), model=model, output_tokens=output_tokens
            )
            self.calls_by_message[key] = call
        elif output_tokens is not None:
            # Streaming splits repeat the usage block; the largest count is the final one.
            call.output_tokens = max(call.output_tokens or 0, output_tokens)
        for block in content:
            if not isinstance(block, dict):
                continue
            btype = block.get("type")
            if btype == "text" and isinstance(block.get("text"), str):
                call.output_words += word_count(block["text"])
                call.text_chars += len(block["text"])
                if self.keep_text:
                    call.text += block["text"]
            elif btype == "tool_use":
                self._tool_use(block, ts, chain, call)

    def _tool_use(self, block: dict[str, Any], ts: datetime | None, chain: str, call: Event) -> None:
        tool_use_id = str(block.get("id"))
        if tool_use_id in self.tool_calls:
            return
        name = block.get("name") if isinstance(block.get("name"), str) else None
        tool_input = block.get("input")
        call.output_words += sum(word_count(s) for s in strings_in(tool_input))
        command = tool_input.get("command") if name in SHELL_TOOLS and isinstance(tool_input, dict) else None
        fields = tool_call_fields(
            name,
            tool_input,
            command if isinstance(command, str) else None,
            edits.canonical_edit_tool(name),
            self.keep_text,
        )
        event = self._event(
            ts, chain, TOOL_CALL, message_id=call.message_id, model=call.model, tool_use_id=tool_use_id, **fields
        )
        self.tool_calls[tool_use_id] = event

    def _tool_result(self, block: dict[str, Any], tool_use_result: Any) -> None:
        event = self.tool_calls.get(str(block.get("tool_use_id")))
        if event is None:
            return
        is_error = bool(block.get("is_error"))
        if not is_error and edits.canonical_edit_tool(event.tool_name):
            patched = edits.structured_patch_counts(tool_use_result)
            if patched is not None:  # the patch the client applied beats a diff of the call's input
                event.lines_added, event.lines_removed = patched
        record_tool_result(event, _result_text(block), is_error, self.keep_text)


def parse_session(
    session_id: str,
    source_file: str,
    main: ReadResult,
    subagents: list[tuple[str, ReadResult]],
    keep_text: bool = False,
) -> ParsedSession:
    session = ParsedSession(
        session_id=session_id, source_file=source_file, source_format="claude_code_jsonl", client="claude-code"
    )
    session.quarantined_lines = len(main.errors)
    session.concatenated_lines = main.concatenated_lines
    main_parser = _ChainParser(session, MAIN, None, keep_text)
    main_parser.feed(main.records, observe_ts=True)
    # Turn starts on the main chain, to place subagent activity in the turn that spawned it.
    turn_starts = [(e.ts, e.turn_index) for e in session.events if e.kind == HUMAN_PROMPT and e.ts is not None]
    turn_starts.sort()
    start_times = [t for t, _ in turn_starts]
    compactor_files = 0
    for relative_path, result in subagents:
        name = relative_path.rsplit("/", 1)[-1]
        is_compactor = name.startswith("agent-acompact")
        compactor_files += is_compactor
        agent_id = name.removesuffix(".jsonl").removeprefix("agent-")
        session.subagent_files.append(relative_path)
        session.quarantined_lines += len(result.errors)
        session.concatenated_lines += result.concatenated_lines
        first = len(session.events)
        _ChainParser(session, COMPACTOR if is_compactor else SUBAGENT, agent_id, keep_text).feed(
            result.records, observe_ts=False
        )
        for event in session.events[first:]:
            if event.ts is not None and start_times:
                position = bisect.bisect_right(start_times, event.ts) - 1
                event.turn_index = turn_starts[position][1] if position >= 0 else 0
    session.subagents = len(subagents) - compactor_files
    session.compactions = max(main_parser.boundaries, main_parser.summaries, compactor_files)
    return session
