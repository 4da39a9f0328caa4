"""A parsed session as the entries its classifier window is rendered from: what the classifiers see.

One definition, stated in the README next to the counting rules. In transcript order, on the main chain:
- `user`: every human prompt, as typed;
- `assistant`: one per model response: the agent's text, and each tool call as a header line
  `[Tool — facts]` (the kind of command, a test run's outcome, lines changed, error) followed by its
  salient input (the shell
  command, the path of a read or an edit with an excerpt of the new text, a search pattern, a URL, a
  subagent's task) and its result, a head-and-tail excerpt after `→`, or `→ error:` with the error's text;
- `system`: what the client put in front of the agent or the user: a memory file it loaded (CLAUDE.md),
  the user's own `!` shell commands and their output, an API error shown to the user, a compaction,
  an interruption.
Reminders, command wrappers and subagent traffic are left out: they are neither the person nor the
agent talking to the person. Redaction, then the per-message and whole-window cuts, happen in
`window.render_windows`.
"""

from __future__ import annotations

import re

from sessionlab_assets.classify.window import Entry, Window, render_windows
from sessionlab_assets.ingest.model import (
    API_ERROR,
    COMPACTION,
    HUMAN_PROMPT,
    INJECTED_USER,
    INTERRUPTION,
    MAIN,
    MEMORY,
    MODEL_CALL,
    TOOL_CALL,
    Event,
    ParsedSession,
)
from sessionlab_assets.ingest.tool_text import result_excerpt

# Part of every window's hash (window.Window.window_hash): a change to what windows show re-labels
# each session once, and the ledger keeps the labels of the old windows apart.
RENDERER_VERSION = "3"

_SHELL_TAGS = re.compile(r"<(bash-input|bash-stdout|bash-stderr)>(.*?)</\1>", re.S)

# A tool call's header line: `[Tool]` or `[Tool — facts]`.
TOOL_HEADER = re.compile(r"^\[([A-Za-z_][\w.:-]*)(?: — ([^\]\n]*))?\]$", re.M)
# A line of content that would read as part of the window's structure — a tool call's header (an INI or
# TOML section such as `[Install]` in a file's text or a command's output) or a message's tag — starts
# with a space instead, so the window reads back as the calls and messages it was rendered from.
_STRUCTURE_LINE = re.compile(rf"^(?={TOOL_HEADER.pattern.removeprefix('^')}|</?(?:user|assistant|system)>$)", re.M)


def as_content(text: str) -> str:
    """`text` with any line that reads as window structure indented by one space."""
    if text.startswith(("[", "<")) or "\n[" in text or "\n<" in text:
        return _STRUCTURE_LINE.sub(" ", text)
    return text


def _tool_header(event: Event) -> str:
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


def tool_call_text(event: Event) -> str:
    """A tool call as the window shows it: header, salient input, result."""
    lines = [_tool_header(event)]
    if event.text:
        lines.append(as_content(event.text))
    if event.is_error:
        lines.append(f"→ error: {as_content(event.result_text) or '(no text)'}")
    elif event.result_text:
        lines.append(f"→ {as_content(event.result_text)}")
    elif event.is_error is None:
        lines.append("→ (no result recorded)")
    else:
        lines.append("→ (no output)")
    return "\n".join(lines)


def _user_shell_text(text: str) -> str | None:
    """The user's own `!` command, or its output, as a system line; None for other injected text."""
    parts = _SHELL_TAGS.findall(text)
    if not parts:
        return None
    lines = []
    for tag, body in parts:
        if tag == "bash-input":
            lines.append(f"[the user ran a shell command] $ {body.strip()}")
        elif body.strip():
            stream = "error output" if tag == "bash-stderr" else "output"
            lines.append(f"[{stream} of the user's command]\n{result_excerpt(body)}")
    return "\n".join(lines) or None


def session_entries(session: ParsedSession) -> list[Entry]:
    """Entries in transcript order; the session must have been parsed with `keep_text=True`."""
    entries: list[Entry] = []
    assistant: list[str] = []

    def flush() -> None:
        if assistant:
            entries.append(Entry("assistant", "\n".join(assistant)))
            assistant.clear()

    def system(text: str) -> None:
        flush()
        entries.append(Entry("system", text))

    for event in sorted((e for e in session.events if e.chain == MAIN), key=lambda e: e.seq):
        if event.kind == HUMAN_PROMPT:
            flush()
            entries.append(Entry("user", as_content(event.text)))
        elif event.kind == MODEL_CALL:
            flush()  # one model response (its text and its tool calls) is one message
            if event.text:
                assistant.append(as_content(event.text))
        elif event.kind == TOOL_CALL:
            assistant.append(tool_call_text(event))
        elif event.kind == INTERRUPTION:
            system("[the user interrupted the agent]")
        elif event.kind == COMPACTION:
            system("[the conversation was compacted here: earlier turns were summarised for the agent]")
        elif event.kind == API_ERROR:
            system(f"[an API error was shown to the user] {as_content(event.text)}".rstrip())
        elif event.kind == MEMORY and event.text:
            system(f"[memory file loaded for the agent] {as_content(event.text)}")
        elif event.kind == INJECTED_USER and event.text:
            shell = _user_shell_text(event.text)
            if shell:
                system(as_content(shell))
    flush()
    return entries


def session_windows(sessions: list[ParsedSession]) -> list[Window]:
    """The rendered, redacted windows of sessions parsed with `keep_text=True`."""
    return render_windows([session_entries(session) for session in sessions])
