"""Helpers that turn results into Dagster metadata a person can read."""

from __future__ import annotations

import re

import dagster as dg
import polars as pl

# Characters that make Markdown do something anywhere in a line: links and images, emphasis, code, table
# cells, HTML, strike-through. (An underscore inside a word, as in `work_mode`, does nothing.)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]()!|<>~]|(?<!\w)_|_(?!\w))")
_LINE_START = re.compile(r"^([#+\-=>])")  # headings, lists, quotes at the start of the text
_NUMBERED = re.compile(r"^(\d+)\.")  # a numbered list


def escape_markdown(text: str) -> str:
    """`text` shown as written in Markdown metadata: a string read from a transcript (a session id, a
    path, a model name) never becomes a link, an image the viewer's browser fetches, or HTML."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))
    return _NUMBERED.sub(r"\1\\.", _LINE_START.sub(r"\\\1", escaped))


def markdown_table(frame: pl.DataFrame, rows: int = 20) -> dg.MetadataValue:
    if frame.height == 0:
        return dg.MetadataValue.md("(no rows)")
    head = frame.head(rows)
    lines = ["| " + " | ".join(escape_markdown(c) for c in head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += [
        "| " + " | ".join("" if v is None else escape_markdown(str(v)) for v in row) + " |" for row in head.iter_rows()
    ]
    if frame.height > rows:
        lines.append(f"\n({frame.height - rows} more rows)")
    return dg.MetadataValue.md("\n".join(lines))
