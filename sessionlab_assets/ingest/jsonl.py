"""Tolerant JSON-lines reading: every line becomes records or a quarantine entry, never a crash.

Real transcripts hold truncated last lines, two objects written onto one line, NUL padding
left by interrupted writes, invalid UTF-8 and multi-megabyte lines. Each is handled here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class LineError:
    line_no: int
    reason: str


@dataclass
class ReadResult:
    """Records in file order as (line_no, object); line errors; counts of repaired lines."""

    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    lines: int = 0
    concatenated_lines: int = 0
    nul_stripped_lines: int = 0
    utf8_replaced_lines: int = 0


def _split_concatenated(text: str) -> list[Any] | None:
    """Decode `{..}{..}` written onto one line; None unless the whole line is consumed."""
    objects: list[Any] = []
    pos, end = 0, len(text)
    while pos < end:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos == end:
            break
        try:
            obj, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            return None
        objects.append(obj)
    return objects if len(objects) > 1 else None


def read_jsonl_bytes(data: bytes) -> ReadResult:
    result = ReadResult()
    raw_lines = data.split(b"\n")
    ends_with_newline = data.endswith(b"\n")
    if ends_with_newline:
        raw_lines.pop()  # the empty tail after the final newline
    last_index = len(raw_lines) - 1
    for index, raw in enumerate(raw_lines):
        line_no = index + 1
        result.lines += 1
        line = raw.rstrip(b"\r")
        if b"\x00" in line:
            line = line.replace(b"\x00", b"")
            result.nul_stripped_lines += 1
            if not line.strip():
                result.errors.append(LineError(line_no, "line holds only NUL bytes (interrupted write)"))
                continue
        if not line.strip():
            continue
        try:
            parsed: Any = orjson.loads(line)
            objects = [parsed]
        except orjson.JSONDecodeError as exc:
            objects = None
            text = line.decode("utf-8", errors="replace")
            if "utf-8" in str(exc).lower():
                try:
                    objects = [json.loads(text)]
                    result.utf8_replaced_lines += 1
                except json.JSONDecodeError:
                    objects = None
            if objects is None:
                objects = _split_concatenated(text)
                if objects is not None:
                    result.concatenated_lines += 1
            if objects is None:
                if index == last_index and not ends_with_newline:
                    reason = "truncated last line: invalid JSON and no trailing newline"
                else:
                    reason = f"invalid JSON: {str(exc).splitlines()[0][:160]}"
                result.errors.append(LineError(line_no, reason))
                continue
        for obj in objects:
            if isinstance(obj, dict):
                result.records.append((line_no, obj))
            else:
                result.errors.append(LineError(line_no, f"JSON value is a {type(obj).__name__}, not an object"))
    return result
