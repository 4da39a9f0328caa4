"""Walk a source root, recognise every file, assemble sessions and keep a record of everything.

Every file under the root ends in exactly one place: a session's main file, a subagent file attached
to its parent, or a quarantine row saying why it was not ingested. Every unreadable line of an
ingested file is a quarantine row too.

The root is read folder by folder and handed on in batches of about `BATCH_BYTES` of transcripts, so
memory holds one batch, not the source. A subagent file is attached to a main file of the same
folder: Claude Code writes them beside it (`agent-*.jsonl`) or under `<session>/subagents/`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sessionlab_assets.ingest import claude_code, codex, formats
from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.ingest.jsonl import ReadResult, read_jsonl_bytes
from sessionlab_assets.ingest.model import HUMAN_PROMPT, ParsedSession
from sessionlab_assets.progress import Progress

# Transcript bytes read before a batch of sessions is handed on: bounds memory (parsed records take
# about four times their bytes) while keeping the per-batch work (one insert, one classifier round) large.
BATCH_BYTES = 64_000_000


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


def _folders(paths: list[Path]) -> list[list[Path]]:
    """Files grouped by the folder of their session's main file (a `subagents/` folder goes with the
    folder two levels up), in walk order."""
    groups: dict[Path, list[Path]] = {}
    for path in paths:
        home = path.parent.parent.parent if path.parent.name == "subagents" else path.parent
        groups.setdefault(home, []).append(path)
    return list(groups.values())


@contextmanager
def paused_gc() -> Iterator[None]:
    """Suspend the cyclic garbage collector while decoded JSON piles up. Decoded records hold no
    reference cycles, yet every few thousand new dicts the collector walks all of them again: with it
    running, decoding and keeping a batch takes about three times as long (benchmarks/ingest_throughput.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


@dataclass
class _Scanner:
    """State carried from batch to batch: session ids already taken, and where they came from."""

    root: Path
    months: set[date] | None
    identity: IdentityRule
    keep_text: bool
    seen_ids: dict[str, str] = field(default_factory=dict)

    def read_folder(self, paths: list[Path], batch: IngestBatch, mains: list[_Candidate],
                    subagents: dict[str, list[_Candidate]], undated: list[tuple[str, int, str | None, str]]) -> None:
        for path in paths:
            relative = path.relative_to(self.root).as_posix()
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
            if claude_code.is_subagent_file(path.name, result.records):
                parent = path.parent.parent.name if path.parent.name == "subagents" else None
                parent = parent or claude_code.most_common_session_id(result.records)
                subagents.setdefault(str(parent), []).append(_Candidate(relative, len(data), result, verdict.format, parent))
            else:
                session_id = claude_code.most_common_session_id(result.records) or path.stem
                mains.append(_Candidate(relative, len(data), result, verdict.format, session_id))

    def assemble(self, batch: IngestBatch, mains: list[_Candidate], subagents: dict[str, list[_Candidate]],
                 undated: list[tuple[str, int, str | None, str]]) -> None:
        for main in mains:
            session_id = main.session_id or Path(main.relative).stem
            if session_id in self.seen_ids:
                undated.append((main.relative, main.size, main.format, f"duplicate session id: already ingested from {self.seen_ids[session_id]}"))
                continue
            children = sorted(subagents.pop(session_id, []), key=lambda c: c.relative)
            if main.format == formats.CODEX:
                session = codex.parse_session(session_id, main.relative, main.result, self.keep_text)
            else:
                session = claude_code.parse_session(
                    session_id, main.relative, main.result, [(c.relative, c.result) for c in children], self.keep_text
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
            self.seen_ids[session_id] = main.relative
            if self.months is not None and month not in self.months:
                batch.out_of_range_sessions += 1
                continue
            session.user_key = self.identity.user_key(main.relative)
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
                undated.append((child.relative, child.size, child.format,
                                f"subagent file whose parent session {parent} was not found in its folder"))

        for relative, size, fmt, reason in undated:
            batch.quarantine.append(Quarantine(None, relative, None, reason))
            batch.files.append(SourceFile(None, relative, size, fmt, "not_ingested", None, 0, 0, "quarantined", reason))


def scan_batches(
    root: Path,
    months: set[date] | None = None,
    identity: IdentityRule | None = None,
    keep_text: bool = False,
    log: Callable[[str], None] | None = None,
    only: set[str] | None = None,
    batch_bytes: int = BATCH_BYTES,
) -> Iterator[IngestBatch]:
    """Parse everything under `root` and yield it in batches; keep sessions (and their quarantine rows)
    in `months`.

    Quarantine rows for files that cannot be placed in a month have month None and are always kept.
    With `log`, progress (files, MB/s) is reported as the files are read. With `only`, just the files
    at these root-relative paths are read (a later step re-reading the months an ingest placed).
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"source root {root} does not exist or is not a folder (set SESSIONLAB_SOURCE_DIR)")
    scanner = _Scanner(root, months, identity or IdentityRule(), keep_text)
    paths = _walk(root)
    if only is not None:
        paths = [p for p in paths if p.relative_to(root).as_posix() in only]
    progress = Progress("reading transcripts", len(paths), "files", log) if log else None
    folders = _folders(paths)
    position = 0
    while position < len(folders):
        batch = IngestBatch()
        with paused_gc():
            while position < len(folders) and batch.bytes_read < batch_bytes:
                mains: list[_Candidate] = []
                subagents: dict[str, list[_Candidate]] = {}
                undated: list[tuple[str, int, str | None, str]] = []
                scanner.read_folder(folders[position], batch, mains, subagents, undated)
                scanner.assemble(batch, mains, subagents, undated)
                if progress:
                    progress.advance(len(folders[position]))
                position += 1
        yield batch
    if progress:
        progress.finish()


def scan_source(
    root: Path,
    months: set[date] | None = None,
    identity: IdentityRule | None = None,
    keep_text: bool = False,
    log: Callable[[str], None] | None = None,
    only: set[str] | None = None,
) -> IngestBatch:
    """Everything `scan_batches` yields, as one batch (for sources that fit in memory)."""
    whole = IngestBatch()
    for batch in scan_batches(root, months, identity, keep_text, log, only):
        whole.sessions.extend(batch.sessions)
        whole.quarantine.extend(batch.quarantine)
        whole.files.extend(batch.files)
        whole.bytes_read += batch.bytes_read
        whole.out_of_range_sessions += batch.out_of_range_sessions
    return whole
