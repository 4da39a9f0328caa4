"""What a parsed session is, independent of the agent that wrote it.

`Event` is one row of the `events` table (plus text kept in memory for classifier windows);
`ParsedSession` carries the session-level facts that do not come from counting events.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Event kinds. Only HUMAN_PROMPT opens a turn; only MODEL_CALL and TOOL_CALL are counted as activity.
HUMAN_PROMPT = "human_prompt"
MODEL_CALL = "model_call"
TOOL_CALL = "tool_call"
INTERRUPTION = "interruption"
INJECTED_USER = "injected_user"  # user-role text the client wrote: meta lines, command wrappers, reminders
AGENT_PROMPT = "agent_prompt"  # user-role text on a sidechain or in a subagent: the parent agent's task
SYNTHETIC = "synthetic"  # assistant line written by the client, not returned by a model
COMPACTION = "compaction"
API_ERROR = "api_error"
MEMORY = "memory"  # a memory file (CLAUDE.md) the client loaded into the context; its text is kept with `keep_text`

# Chains: the conversation with the human, sidechains inside the main file, subagent files,
# and the compaction agent's files.
MAIN = "main"
SIDECHAIN = "sidechain"
SUBAGENT = "subagent"
COMPACTOR = "compactor"


@dataclass(slots=True)
class Event:
    seq: int
    ts: datetime | None
    chain: str
    kind: str
    turn_index: int = 0
    agent_id: str | None = None
    message_id: str | None = None
    model: str | None = None
    tool_name: str | None = None
    tool_use_id: str | None = None
    is_error: bool | None = None
    output_tokens: int | None = None
    output_words: int = 0
    text_chars: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    command_kind: str | None = None
    test_outcome: str | None = None
    text: str = ""  # kept in memory only (with `keep_text`), never written to the warehouse unredacted
    result_text: str = ""  # a tool call's result excerpt, as `text`

    def __reduce__(self):
        # Sessions parsed in worker processes travel back pickled: a plain tuple of the fields is
        # about twice as fast both ways as the generic state of a slotted dataclass.
        return (Event, _EVENT_STATE(self))


_EVENT_STATE = operator.attrgetter(*Event.__slots__)

# Column order of the `events` table after session_id and month (see sql/schema/events.sql).
EVENT_COLUMNS = (
    "seq",
    "ts",
    "chain",
    "kind",
    "turn_index",
    "agent_id",
    "message_id",
    "model",
    "tool_name",
    "tool_use_id",
    "is_error",
    "output_tokens",
    "output_words",
    "text_chars",
    "lines_added",
    "lines_removed",
    "command_kind",
    "test_outcome",
)


@dataclass
class ParsedSession:
    session_id: str
    source_file: str  # relative to the source root
    source_format: str
    client: str  # claude-code | codex
    user_key: str = ""
    entrypoint: str | None = None
    client_version: str | None = None
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    subagents: int = 0
    subagent_files: list[str] = field(default_factory=list)
    compactions: int = 0
    duplicate_records: int = 0
    quarantined_lines: int = 0
    concatenated_lines: int = 0
    events: list[Event] = field(default_factory=list)
    prepared: Any = None  # what a reader asked to be computed where the session was parsed (ingest/source.py)
    timestamps_from: str = "events"  # or "file modification time", for formats that record no time

    def observe_ts(self, ts: datetime | None) -> None:
        if ts is None:
            return
        if self.first_ts is None or ts < self.first_ts:
            self.first_ts = ts
        if self.last_ts is None or ts > self.last_ts:
            self.last_ts = ts


def parse_ts(value: object) -> datetime | None:
    """ISO-8601 timestamp -> naive UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return None
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts


def word_count(text: str) -> int:
    return len(text.split())


def strings_in(value: Any) -> list[str]:
    """Every string inside a JSON value (a tool call's input), depth first."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


# Text the client injects into user-role messages. A user message is a human prompt only if
# something is left after these are removed.
_INJECTED_BLOCK = re.compile(
    r"<(system-reminder|command-name|command-message|command-args|command-contents|local-command-stdout|"
    r"local-command-stderr|local-command-caveat|bash-input|bash-stdout|bash-stderr|task-notification|"
    r"environment_context|user_instructions|user-prompt-submit-hook)>.*?</\1>",
    re.DOTALL,
)
_INJECTED_PREFIXES = (
    "Caveat: The messages below were generated by the user while running local commands",
    "<command-name>",
    "<command-message>",
    "<local-command-",
    "<bash-input>",
    "<bash-stdout>",
    "<bash-stderr>",
    "<task-notification>",
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md instructions",
    "<turn_aborted>",
)
INTERRUPTION_PREFIX = "[Request interrupted by user"


def classify_user_text(text: str, has_image: bool) -> str:
    """HUMAN_PROMPT, INTERRUPTION or INJECTED_USER for the text of a user-role message."""
    stripped = text.lstrip()
    if stripped.startswith(INTERRUPTION_PREFIX):
        return INTERRUPTION
    if stripped.startswith(_INJECTED_PREFIXES):
        return INJECTED_USER
    residue = _INJECTED_BLOCK.sub("", stripped).strip() if "<" in stripped else stripped
    if residue or has_image:
        return HUMAN_PROMPT
    return INJECTED_USER


def model_family(model: str | None) -> str | None:
    """claude-opus / claude-sonnet / claude-haiku / claude-other, or the vendor prefix of another model."""
    if not model:
        return None
    name = model.lower()
    if name.startswith("claude") or name in {"opus", "sonnet", "haiku"}:
        for tier in ("opus", "sonnet", "haiku"):
            if tier in name:
                return f"claude-{tier}"
        return "claude-other"
    match = re.match(r"[a-z]+", name.split("/")[-1])
    return match.group(0) if match else "other"
