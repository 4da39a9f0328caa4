"""What a classifier is shown of a tool call: its salient input and an excerpt of its result.

The report's rubrics lean on evidence that lives in tool calls: the command that ran, the file that was
edited, the commit message, the output that matched (or did not match) the objective. Each tool call is
therefore kept as one line of salient input (the shell command, the path of a read or an edit, the
pattern of a search, the URL of a fetch, a subagent's task) plus, for edits, a cut excerpt of the new
text; and its result as a head-and-tail excerpt, marked as an error when the tool said so. Texts are
bounded here, where the session is parsed, so a session with megabytes of tool output does not carry
them to the window renderer. Redaction happens later, in the window, on these texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from sessionlab_assets.ingest import commands, edits

if TYPE_CHECKING:
    from sessionlab_assets.ingest.model import Event

INPUT_CHARS = 600  # the salient input of one call (a long heredoc command is cut in the middle)
EDIT_EXCERPT_CHARS = 400  # the new text of an edit or a written file
RESULT_HEAD_CHARS = 500
RESULT_TAIL_CHARS = 300

_PATH_KEYS = ("file_path", "notebook_path", "path", "filePath")
_EDIT_TEXT_KEYS = ("new_string", "content", "new_source", "text")


def cut_middle(text: str, limit: int) -> str:
    """`text` cut in the middle to about `limit` characters, saying how much went."""
    if len(text) <= limit:
        return text
    head = limit * 3 // 5
    tail = limit - head
    return f"{text[:head]} [… {len(text) - limit:,} characters cut …] {text[len(text) - tail :]}"


def _compact_json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return str(value)


def tool_input_text(name: str | None, tool_input: Any) -> str:
    """One or two lines saying what the call asked for, as a reader of the transcript would want it."""
    if isinstance(tool_input, str):  # a patch, say: its lines as they are
        return cut_middle(tool_input, INPUT_CHARS)
    if not isinstance(tool_input, dict):
        return cut_middle(_compact_json(tool_input), INPUT_CHARS) if tool_input else ""
    command = tool_input.get("command", tool_input.get("cmd"))
    if isinstance(command, list):
        command = " ".join(str(part) for part in command)
    if isinstance(command, str):
        return "$ " + cut_middle(command, INPUT_CHARS)
    path = next((tool_input[k] for k in _PATH_KEYS if isinstance(tool_input.get(k), str)), None)
    edited = next((tool_input[k] for k in _EDIT_TEXT_KEYS if isinstance(tool_input.get(k), str)), None)
    if isinstance(tool_input.get("edits"), list):  # MultiEdit
        edited = "\n".join(str(e.get("new_string", "")) for e in tool_input["edits"] if isinstance(e, dict))
    if isinstance(tool_input.get("pattern"), str):
        where = f" in {path}" if path else ""
        return f"pattern {cut_middle(tool_input['pattern'], INPUT_CHARS)}{where}"
    if path is not None:
        if edited:
            return f"{path}\n  new text: {cut_middle(edited, EDIT_EXCERPT_CHARS)}"
        return path
    for key in ("url", "query"):
        if isinstance(tool_input.get(key), str):
            return f"{key} {cut_middle(tool_input[key], INPUT_CHARS)}"
    if isinstance(tool_input.get("prompt"), str):  # a subagent's task
        description = tool_input.get("description")
        lead = f"{description}: " if isinstance(description, str) else ""
        return "task: " + cut_middle(lead + tool_input["prompt"], INPUT_CHARS)
    if isinstance(tool_input.get("todos"), list):
        items = [str(t.get("content", "")) for t in tool_input["todos"] if isinstance(t, dict)]
        return "todo: " + cut_middle("; ".join(items), INPUT_CHARS)
    return cut_middle(_compact_json(tool_input), INPUT_CHARS)


def result_excerpt(text: str) -> str:
    """The head and tail of a tool's result; blank lines squeezed, so the excerpt carries text."""
    text = "\n".join(line for line in text.strip().splitlines() if line.strip())
    limit = RESULT_HEAD_CHARS + RESULT_TAIL_CHARS
    if len(text) <= limit:
        return text
    return (
        f"{text[:RESULT_HEAD_CHARS]}\n[… {len(text) - limit:,} characters of output cut …]\n"
        f"{text[len(text) - RESULT_TAIL_CHARS :]}"
    )


def record_tool_result(event: Event, output: str, is_error: bool, keep_text: bool) -> None:
    """What a tool's result tells about its call, the same in every format: whether it failed (a failed
    edit changed no line), a test run's outcome, and the result excerpt the window shows."""
    event.is_error = is_error
    if is_error:
        event.lines_added = event.lines_removed = 0
    if event.command_kind == commands.TEST_RUN:
        event.test_outcome = commands.test_outcome(output, is_error)
    if keep_text:
        event.result_text = result_excerpt(output)


def tool_call_fields(
    name: str | None, tool_input: Any, command: str | None, edit_as: str | None, keep_text: bool
) -> dict[str, Any]:
    """What a tool call's input tells, the same in every format: its kind of command (`command`, when the
    call runs one), lines added and removed when it edits like Claude Code's `edit_as` tool (Edit, Write),
    a test run's outcome still to come, and the salient input the window shows."""
    command_kind = commands.command_kind(command) if command else None
    added, removed = edits.input_line_counts(edit_as, tool_input) if edit_as else (0, 0)
    return {
        "tool_name": name,
        "lines_added": added,
        "lines_removed": removed,
        "command_kind": command_kind,
        "test_outcome": "unknown" if command_kind == commands.TEST_RUN else None,
        "text": tool_input_text(name, tool_input) if keep_text else "",
    }
