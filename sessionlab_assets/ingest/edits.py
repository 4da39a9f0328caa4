"""Lines added and removed by file-editing tool calls.

Rule: when the tool result carries the patch the client applied (`structuredPatch`), count its `+`
and `-` lines; otherwise diff the call's own input (Edit: old vs new string, MultiEdit: each edit,
Write: every line of the new content is added, NotebookEdit: the new cell source is added). Failed
calls add nothing. Codex `apply_patch` calls count the `+` / `-` lines of the patch body.
"""

from __future__ import annotations

import difflib
from typing import Any

EDIT_TOOLS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})
# MCP and plugin tools that do the same job under another name.
TOOL_ALIASES = {
    "mcp__acp__Edit": "Edit",
    "mcp__acp__MultiEdit": "MultiEdit",
    "mcp__acp__Write": "Write",
    "mcp__plugin_serena_serena__create_text_file": "Write",
}


def canonical_edit_tool(name: str | None) -> str | None:
    if name is None:
        return None
    name = TOOL_ALIASES.get(name, name)
    return name if name in EDIT_TOOLS else None


def _line_count(text: str) -> int:
    return len(text.splitlines()) if text else 0


def diff_counts(old: str, new: str) -> tuple[int, int]:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if not old_lines:
        return len(new_lines), 0
    if not new_lines:
        return 0, len(old_lines)
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def input_line_counts(tool: str, tool_input: Any) -> tuple[int, int]:
    """(added, removed) from a Claude Code edit tool call's input."""
    if not isinstance(tool_input, dict):
        return 0, 0
    if tool == "Edit":
        return diff_counts(str(tool_input.get("old_string") or ""), str(tool_input.get("new_string") or ""))
    if tool == "MultiEdit":
        added = removed = 0
        for edit in tool_input.get("edits") or []:
            if isinstance(edit, dict):
                a, r = diff_counts(str(edit.get("old_string") or ""), str(edit.get("new_string") or ""))
                added, removed = added + a, removed + r
        return added, removed
    if tool == "Write":
        return _line_count(str(tool_input.get("content") or "")), 0
    if tool == "NotebookEdit":
        if tool_input.get("edit_mode") == "delete":
            return 0, 0
        return _line_count(str(tool_input.get("new_source") or "")), 0
    return 0, 0


def structured_patch_counts(tool_use_result: Any) -> tuple[int, int] | None:
    """(added, removed) from a tool result's `structuredPatch`, or None when it has none."""
    if not isinstance(tool_use_result, dict):
        return None
    hunks = tool_use_result.get("structuredPatch")
    if not isinstance(hunks, list):
        return None
    if not hunks and tool_use_result.get("type") == "create":
        return None  # a created file has an empty patch; its content is counted from the input
    added = removed = 0
    for hunk in hunks:
        for line in (hunk.get("lines") or []) if isinstance(hunk, dict) else []:
            if isinstance(line, str):
                if line.startswith("+"):
                    added += 1
                elif line.startswith("-"):
                    removed += 1
    return added, removed


def apply_patch_counts(patch: str) -> tuple[int, int]:
    """(added, removed) in a Codex `apply_patch` body (`*** Begin Patch` format)."""
    added = removed = 0
    for line in patch.splitlines():
        if line.startswith("***") or line.startswith("@@"):
            continue
        if line.startswith("+"):
            added += 1
        elif line.startswith("-"):
            removed += 1
    return added, removed
