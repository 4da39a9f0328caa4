"""Walk a source root, recognise every file, assemble sessions and keep a record of everything.

Every file under the root ends in exactly one place: a session's main file, a subagent file attached
to its parent, or a quarantine row saying why it was not ingested. Every unreadable line of an
ingested file is a quarantine row too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sessionlab_assets.ingest import claude_code, codex, formats
from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.ingest.jsonl import ReadResult, read_jsonl_bytes
from sessionlab_assets.ingest.model import HUMAN_PROMPT, ParsedSession
from sessionlab_assets.progress import Progress


@dataclass(frozen=True)
class Quarantine:
    month: date | None  # None when the file could not be placed in any month
    source_file: str
    line_no: int | None  # None for a whole file
    reason: str


@dataclass(frozen=True)
class SourceFile:
    month: date | None
    source_file: str
    size_bytes: int
    format: str | None
    role: str  # main | subagent | not_ingested
    session_id: str | None
    lines: int
    quarantined_lines: int
    status: str  # ingested | quarantined
    reason: str | None


@dataclass
class IngestBatch:
    sessions: list[ParsedSession] = field(default_factory=list)
    quarantine: list[Quarantine] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    bytes_read: int = 0
    out_of_range_sessions: int = 0


def month_of(session: ParsedSession) -> date | None:
    return session.first_ts.date().replace(day=1) if session.first_ts else None


def is_headless(session: ParsedSession) -> bool:
    return not any(e.kind == HUMAN_PROMPT for e in session.events)


def _walk(root: Path) -> list[Path]:
    paths: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        paths.extend(Path(directory, name) for name in sorted(filenames) if not name.startswith("."))
    return paths


def _read(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


@dataclass
class _Candidate:
    relative: str
    size: int
    result: ReadResult
    format: str
    session_id: str | None


def scan_source(
    root: Path,
    months: set[date] | None = None,
    identity: IdentityRule | None = None,
    keep_text: bool = False,
    log: Callable[[str], None] | None = None,
    only: set[str] | None = None,
) -> IngestBatch:
    """Parse everything under `root`; keep sessions (and their quarantine rows) in `months`.

    Quarantine rows for files that cannot be placed in a month have month None and are always kept.
    With `log`, progress (files, MB/s) is reported as the files are read. With `only`, just the files
    at these root-relative paths are read (a later step re-reading the months an ingest placed).
    """
    identity = identity or IdentityRule()
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"source root {root} does not exist or is not a folder (set SESSIONLAB_SOURCE_DIR)")
    batch = IngestBatch()
    mains: list[_Candidate] = []
    subagents: dict[str, list[_Candidate]] = {}
    undated: list[tuple[str, int, str | None, str]] = []  # (relative, size, format, reason)

    paths = _walk(root)
    if only is not None:
        paths = [p for p in paths if p.relative_to(root).as_posix() in only]
    progress = Progress("reading transcripts", len(paths), "files", log) if log else None
    for path in paths:
        if progress:
            progress.advance()
        relative = path.relative_to(root).as_posix()
        try:
            data = _read(path)
        except OSError as exc:
            undated.append((relative, 0, None, f"unreadable file: {exc.strerror or exc}"))
            continue
        batch.bytes_read += len(data)
        verdict = formats.sniff(data[: formats.SNIFF_BYTES], data)
        if verdict.format is None:
            undated.append((relative, len(data), None, verdict.reason or "format not recognised"))
            continue
        result = read_jsonl_bytes(data)
        if not result.records:
            undated.append((relative, len(data), verdict.format, "no readable JSON record in the file"))
            continue
        if verdict.format == formats.CODEX:
            mains.append(_Candidate(relative, len(data), result, verdict.format, codex.session_id_of(result.records)))
            continue
        name = path.name
        if claude_code.is_subagent_file(name, result.records):
            parent = path.parent.parent.name if path.parent.name == "subagents" else None
            parent = parent or claude_code.most_common_session_id(result.records)
            subagents.setdefault(str(parent), []).append(
                _Candidate(relative, len(data), result, verdict.format, parent)
            )
        else:
            session_id = claude_code.most_common_session_id(result.records) or path.stem
            mains.append(_Candidate(relative, len(data), result, verdict.format, session_id))
    if progress:
        progress.finish()

    seen_ids: dict[str, str] = {}
    for main in mains:
        session_id = main.session_id or Path(main.relative).stem
        if session_id in seen_ids:
            undated.append((main.relative, main.size, main.format, f"duplicate session id: already ingested from {seen_ids[session_id]}"))
            continue
        children = sorted(subagents.pop(session_id, []), key=lambda c: c.relative)
        if main.format == formats.CODEX:
            session = codex.parse_session(session_id, main.relative, main.result, keep_text)
        else:
            session = claude_code.parse_session(
                session_id, main.relative, main.result, [(c.relative, c.result) for c in children], keep_text
            )
        month = month_of(session)
        if month is None:
            reason = (
                "no conversation record, only metadata lines (e.g. summaries of other sessions): not a session"
                if not session.events
                else "no timestamped record: the session cannot be placed in a month"
            )
            undated.append((main.relative, main.size, main.format, reason))
            for child in children:
                undated.append((child.relative, child.size, child.format, f"subagent of undated session {session_id}"))
            continue
        seen_ids[session_id] = main.relative
        if months is not None and month not in months:
            batch.out_of_range_sessions += 1
            continue
        session.user_key = identity.user_key(main.relative)
        batch.sessions.append(session)
        for role, candidate in [("main", main)] + [("subagent", c) for c in children]:
            errors = candidate.result.errors
            batch.files.append(
                SourceFile(month, candidate.relative, candidate.size, candidate.format, role, session_id,
                           candidate.result.lines, len(errors), "ingested", None)
            )
            batch.quarantine.extend(Quarantine(month, candidate.relative, e.line_no, e.reason) for e in errors)

    for parent, children in subagents.items():
        for child in children:
            undated.append((child.relative, child.size, child.format, f"subagent file whose parent session {parent} was not found under the source root"))

    for relative, size, fmt, reason in undated:
        batch.quarantine.append(Quarantine(None, relative, None, reason))
        batch.files.append(SourceFile(None, relative, size, fmt, "not_ingested", None, 0, 0, "quarantined", reason))
    return batch
