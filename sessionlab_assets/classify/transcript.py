"""A parsed session as the entries a classifier window is rendered from.

The human prompts and the agent's text are kept as written (redaction happens in the window); each
tool call becomes one bracketed line with what telemetry knows of it: the tool, the kind of command,
a test run's outcome, an error, lines changed. Injected user text (reminders, command wrappers) and
subagent traffic are left out: they are neither the person nor the agent talking to the person.
"""

from __future__ import annotations

from sessionlab_assets.classify.window import Entry, Window, render_windows
from sessionlab_assets.ingest.model import HUMAN_PROMPT, INTERRUPTION, MAIN, MODEL_CALL, TOOL_CALL, Event, ParsedSession


def _tool_line(event: Event) -> str:
    facts = []
    if event.command_kind:
        facts.append(event.command_kind.replace("_", " "))
    if event.test_outcome in ("pass", "fail"):
        facts.append("tests passed" if event.test_outcome == "pass" else "tests failed")
    if event.lines_added or event.lines_removed:
        facts.append(f"+{event.lines_added} -{event.lines_removed} lines")
    if event.is_error:
        facts.append("error")
    name = event.tool_name or "tool"
    return f"[{name} — {', '.join(facts)}]" if facts else f"[{name}]"


def session_entries(session: ParsedSession) -> list[Entry]:
    """Entries in transcript order; the session must have been parsed with `keep_text=True`."""
    entries: list[Entry] = []
    assistant: list[str] = []

    def flush() -> None:
        if assistant:
            entries.append(Entry("assistant", "\n".join(assistant)))
            assistant.clear()

    for event in sorted((e for e in session.events if e.chain == MAIN), key=lambda e: e.seq):
        if event.kind == HUMAN_PROMPT:
            flush()
            entries.append(Entry("user", event.text))
        elif event.kind == MODEL_CALL and event.text:
            assistant.append(event.text)
        elif event.kind == TOOL_CALL:
            assistant.append(_tool_line(event))
        elif event.kind == INTERRUPTION:
            flush()
            entries.append(Entry("system", "[the user interrupted the agent]"))
    flush()
    return entries


def session_windows(sessions: list[ParsedSession]) -> list[Window]:
    """The rendered, redacted windows of sessions parsed with `keep_text=True`."""
    return render_windows([session_entries(session) for session in sessions])
