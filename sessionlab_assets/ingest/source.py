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
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from sessionlab_assets.ingest import claude_code, codex, copilot, cursor, formats, gemini, opencode
from sessionlab_assets.ingest.identity import UNMATCHED, IdentityRule
from sessionlab_assets.ingest.jsonl import LineError, ReadResult, read_jsonl_bytes
from sessionlab_assets.ingest.model import HUMAN_PROMPT, ParsedSession
from sessionlab_assets.progress import Progress
from sessionlab_assets.workers import ordered_map

# Transcript bytes read before a batch of sessions is handed on: bounds memory (parsed records take
# about four times their bytes) while keeping the per-batch work (one insert, one classifier round) large.
BATCH_BYTES = 64_000_000
# Files parsed as one task (in a worker process, or in this one): enough to outweigh passing results back
# from a worker, and to batch the redaction of the windows `prepare` renders (its fixed cost per call is
# about that of 20 sessions' texts).
FILES_PER_TASK = 64
SPLIT_FOLDERS_OVER = 64  # files in a folder above which it is read a session at a time (see _folders)


# Formats other than Claude Code's, whose files are one session each: the module that reads the format
# (`session_id_of(records)`, `parse_session(session_id, relative, records, keep_text)`).
OTHER_AGENTS = {
    formats.CODEX: codex,
    formats.GEMINI: gemini,
    formats.COPILOT: copilot,
    formats.OPENCODE: opencode,
    formats.CURSOR: cursor,  # its parse_session also takes the file's time: the format records none
}


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
    mtime_ns: int | None = None  # with size and content_hash, what a later run compares to see a change
    content_hash: str | None = None


@dataclass
class IngestBatch:
    sessions: list[ParsedSession] = field(default_factory=list)
    quarantine: list[Quarantine] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    bytes_read: int = 0
    out_of_range_sessions: int = 0
    unmatched_users: int = 0  # sessions whose path a `regex:` user rule did not match
    raw_users: set[str] = field(default_factory=set)  # the user rule's names before pseudonymising (in memory only)


def month_of(session: ParsedSession) -> date | None:
    return session.first_ts.date().replace(day=1) if session.first_ts else None


def is_headless(session: ParsedSession) -> bool:
    return not any(e.kind == HUMAN_PROMPT for e in session.events)


# Version-control internals are not transcripts: skipped, and each skip recorded.
VCS_FOLDERS = frozenset({".git", ".hg", ".svn"})


def safe_name(relative: str) -> str:
    """A root-relative path as text the warehouse can hold: bytes that are not UTF-8 become U+FFFD."""
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class Skipped:
    """An entry under the root that is not read, with the reason (it becomes a quarantine row)."""

    relative: str
    reason: str


def walk_with_skips(root: Path) -> tuple[list[Path], list[Skipped]]:
    """Every file under `root`, hidden folders included (the agents keep their transcripts in `.claude`,
    `.codex`, ...), in walk order; and what was not descended into: version-control folders, symbolic
    links to folders below the root's own entries (not followed: they can loop or reach anywhere),
    folders that could not be listed. A link directly under the root is followed (`root_link_refusal`):
    a folder of links to each agent's transcripts is how one run reads several agents."""
    paths: list[Path] = []
    skipped: list[Skipped] = []

    def relative(path: str | Path) -> str:
        return safe_name(Path(path).relative_to(root).as_posix())

    def unlisted(error: OSError) -> None:
        skipped.append(Skipped(relative(error.filename), f"folder could not be listed: {error.strerror or error}"))

    # followlinks: os.walk descends into the links kept below, which are only those directly under the root.
    for directory, dirnames, filenames in os.walk(root, onerror=unlisted, followlinks=True):
        at_root = directory == str(root)
        kept = []
        for name in sorted(dirnames):
            folder = Path(directory, name)
            try:
                linked = folder.is_symlink()
            except OSError as error:  # a path longer than the system allows (ENAMETOOLONG), say
                skipped.append(Skipped(relative(folder), f"folder could not be read: {error.strerror or error}"))
                continue
            refusal = (root_link_refusal(root, folder) if at_root else LINK_BELOW_ROOT) if linked else None
            if name in VCS_FOLDERS:
                skipped.append(Skipped(relative(folder), "version-control folder: not read"))
            elif refusal:
                skipped.append(Skipped(relative(folder), refusal))
            else:
                kept.append(name)
        dirnames[:] = kept
        paths.extend(Path(directory, name) for name in sorted(filenames))
    return paths, skipped


LINK_BELOW_ROOT = "symbolic link to a folder below the root's own entries: not followed (link it from the root)"


def root_link_refusal(root: Path, link: Path) -> str | None:
    """Why a symbolic link to a folder directly under the root is not followed, or None to follow it. A
    link to a folder inside the root, or to one that holds the root, would read the same files twice."""
    try:
        target, home = link.resolve(strict=True), root.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # a loop of links, a target that went away
        return f"symbolic link to a folder that could not be resolved: {getattr(error, 'strerror', None) or error}"
    if target == home or home in target.parents:
        return "symbolic link to a folder inside the root: read there, not twice"
    if target in home.parents:
        return "symbolic link to a folder that holds the root: not followed (it would read the root again)"
    return None


def walk(root: Path) -> list[Path]:
    return walk_with_skips(root)[0]


def _walk_order(relative: str) -> tuple[tuple[int, str], ...]:
    """Sort key putting root-relative paths in `walk`'s order: in each folder, its files by name,
    then its subfolders by name."""
    *folders, name = relative.split("/")
    return (*((1, folder) for folder in folders), (0, name))


def _folders(paths: list[Path]) -> list[list[Path]]:
    """Files grouped so that a session's files are in one group, in walk order: a folder and its
    `<session>/subagents/` folders together. A large folder (a heavy user's project) is split into one
    group per main file with its `subagents/` folder, unless it also holds loose `agent-*.jsonl` files,
    which are attached by the session id inside them and so need the whole folder."""
    folders: dict[Path, dict[str, list[Path]]] = {}
    for path in paths:
        if path.parent.name == "subagents":
            home, unit = path.parent.parent.parent, path.parent.parent.name
        else:
            home, unit = path.parent, path.stem
        folders.setdefault(home, {}).setdefault(unit, []).append(path)
    groups: list[list[Path]] = []
    for units in folders.values():
        files = [path for unit in units.values() for path in unit]
        loose_agents = any(p.name.startswith("agent-") and p.parent.name != "subagents" for p in files)
        if len(files) <= SPLIT_FOLDERS_OVER or loose_agents:
            groups.append(files)
        else:
            groups.extend(units.values())
    return groups


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


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


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


@dataclass(frozen=True)
class _FileFacts:
    """What the run-wide bookkeeping needs of a file once its records are parsed."""

    relative: str
    size: int
    format: str
    lines: int
    errors: list[LineError]

    @classmethod
    def of(cls, candidate: _Candidate) -> _FileFacts:
        return cls(
            candidate.relative, candidate.size, candidate.format, candidate.result.lines, candidate.result.errors
        )


@dataclass
class _Parsed:
    main: _FileFacts
    children: list[_FileFacts]
    session: ParsedSession


@dataclass
class _TaskResult:
    """Some folders, parsed: their sessions and the files that are not part of one."""

    bytes_read: int = 0
    parsed: list[_Parsed] = field(default_factory=list)
    undated: list[tuple[str, int, str | None, str]] = field(default_factory=list)  # (relative, size, format, reason)
    stats: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # relative -> (mtime_ns, content hash)


def _read_folder(
    root: Path, paths: list[Path], result: _TaskResult
) -> tuple[list[_Candidate], dict[str, list[_Candidate]]]:
    mains: list[_Candidate] = []
    subagents: dict[str, list[_Candidate]] = {}
    for path in paths:
        relative = safe_name(path.relative_to(root).as_posix())
        try:
            status = path.stat()
            # Recorded before reading, so a file that cannot be read is still known as unchanged next time.
            result.stats[relative] = (status.st_mtime_ns, None)
            if relative != path.relative_to(root).as_posix():
                result.undated.append((relative, status.st_size, None, "file name is not valid UTF-8: rename it"))
                continue
            if not stat.S_ISREG(status.st_mode):  # a FIFO would block the read forever
                result.undated.append(
                    (relative, status.st_size, None, "not a regular file (a pipe, socket or device): not read")
                )
                continue
            data = _read(path)
        except OSError as exc:
            result.undated.append((relative, 0, None, f"unreadable file: {exc.strerror or exc}"))
            continue
        result.bytes_read += len(data)
        result.stats[relative] = (status.st_mtime_ns, content_hash(data))
        verdict = formats.sniff(data[: formats.SNIFF_BYTES], data)
        if verdict.format is None:
            result.undated.append((relative, len(data), None, verdict.reason or "format not recognised"))
            continue
        if verdict.format in formats.DOCUMENT_FORMATS:
            records = ReadResult(records=[(1, orjson.loads(data))], lines=data.count(b"\n") + 1)
        else:
            records = read_jsonl_bytes(data)
        if not records.records:
            result.undated.append((relative, len(data), verdict.format, "no readable JSON record in the file"))
            continue
        if verdict.format in OTHER_AGENTS:
            # A file that names no session (Cursor's) gets an id from its path, the same on every run.
            session_id = OTHER_AGENTS[verdict.format].session_id_of(records.records) or (
                f"{verdict.format}-{hashlib.sha256(relative.encode()).hexdigest()[:16]}"
            )
            mains.append(_Candidate(relative, len(data), records, verdict.format, session_id))
            continue
        if claude_code.is_subagent_file(path.name, records.records):
            parent = path.parent.parent.name if path.parent.name == "subagents" else None
            parent = parent or claude_code.most_common_session_id(records.records)
            subagents.setdefault(str(parent), []).append(
                _Candidate(relative, len(data), records, verdict.format, parent)
            )
        else:
            session_id = claude_code.most_common_session_id(records.records) or path.stem
            mains.append(_Candidate(relative, len(data), records, verdict.format, session_id))
    return mains, subagents


def _parse_folders(
    folders: list[list[str]], root: str, keep_text: bool, prepare: Callable[[list[ParsedSession]], list[Any]] | None
) -> _TaskResult:
    """Read and parse whole folders (in a worker process, or in this one). With `prepare`, each dated
    session comes back with `prepared` set to its item of `prepare(sessions)` and without its events."""
    result = _TaskResult()
    base = Path(root)
    with paused_gc():
        for folder in folders:
            mains, subagents = _read_folder(base, [Path(p) for p in folder], result)
            claimed: set[str] = set()
            for main in mains:
                session_id = main.session_id or Path(main.relative).stem
                children = (
                    [] if session_id in claimed else sorted(subagents.pop(session_id, []), key=lambda c: c.relative)
                )
                claimed.add(session_id)
                if main.format == formats.CURSOR:  # no timestamps: the file's modification time stands in
                    mtime_ns = result.stats.get(main.relative, (None, None))[0]
                    session = cursor.parse_session(session_id, main.relative, main.result, keep_text, mtime_ns)
                elif main.format in OTHER_AGENTS:
                    session = OTHER_AGENTS[main.format].parse_session(session_id, main.relative, main.result, keep_text)
                else:
                    session = claude_code.parse_session(
                        session_id, main.relative, main.result, [(c.relative, c.result) for c in children], keep_text
                    )
                result.parsed.append(_Parsed(_FileFacts.of(main), [_FileFacts.of(c) for c in children], session))
            for parent, children in subagents.items():
                for child in children:
                    result.undated.append(
                        (
                            child.relative,
                            child.size,
                            child.format,
                            f"subagent file whose parent session {parent} was not found in its folder",
                        )
                    )
        dated = [item.session for item in result.parsed if item.session.first_ts is not None]
        if prepare is not None and dated:
            for session, prepared in zip(dated, prepare(dated), strict=True):
                session.prepared = prepared
                session.events = []
    return result


@dataclass
class _Placement:
    """Where each parsed session goes, decided in the parent process: the months kept, the session ids
    already taken (and by which file), the user each path names."""

    months: set[date] | None
    identity: IdentityRule
    seen_ids: dict[str, str] = field(default_factory=dict)

    def place(self, task: _TaskResult, batch: IngestBatch) -> None:
        undated = list(task.undated)
        for item in task.parsed:
            session, main = item.session, item.main
            session_id = session.session_id
            if session_id in self.seen_ids:
                undated.append(
                    (
                        main.relative,
                        main.size,
                        main.format,
                        f"duplicate session id: already ingested from {self.seen_ids[session_id]}",
                    )
                )
                undated.extend(
                    (c.relative, c.size, c.format, f"subagent of duplicate session {session_id}") for c in item.children
                )
                continue
            month = month_of(session)
            if month is None:
                reason = (
                    "no conversation record, only metadata lines (e.g. summaries of other sessions): not a session"
                    if not session.events
                    else "no timestamped record: the session cannot be placed in a month"
                )
                undated.append((main.relative, main.size, main.format, reason))
                undated.extend(
                    (c.relative, c.size, c.format, f"subagent of undated session {session_id}") for c in item.children
                )
                continue
            self.seen_ids[session_id] = main.relative
            in_range = self.months is None or month in self.months
            # Files of a session in a month not being written are listed with their month, so that a later
            # run knows where they belong.
            for role, facts in [("main", main)] + [("subagent", c) for c in item.children]:
                status = "ingested" if in_range else "other_month"
                batch.files.append(
                    SourceFile(
                        month,
                        facts.relative,
                        facts.size,
                        facts.format,
                        role,
                        session_id,
                        facts.lines,
                        len(facts.errors),
                        status,
                        None,
                        *task.stats.get(facts.relative, (None, None)),
                    )
                )
                if in_range:
                    batch.quarantine.extend(
                        Quarantine(month, facts.relative, e.line_no, e.reason) for e in facts.errors
                    )
            if in_range:
                user = self.identity.raw_user(main.relative)
                session.user_key = self.identity.pseudonym(user)
                batch.unmatched_users += user == UNMATCHED
                batch.raw_users.add(user)
                batch.sessions.append(session)
            else:
                batch.out_of_range_sessions += 1
        for relative, size, fmt, reason in undated:
            batch.quarantine.append(Quarantine(None, relative, None, reason))
            batch.files.append(
                SourceFile(
                    None,
                    relative,
                    size,
                    fmt,
                    "not_ingested",
                    None,
                    0,
                    0,
                    "quarantined",
                    reason,
                    *task.stats.get(relative, (None, None)),
                )
            )


def _tasks(folders: list[list[Path]], files_per_task: int) -> Iterator[list[list[str]]]:
    task: list[list[str]] = []
    files = 0
    for folder in folders:
        task.append([str(p) for p in folder])
        files += len(folder)
        if files >= files_per_task:
            yield task
            task, files = [], 0
    if task:
        yield task


def scan_batches(
    root: Path,
    months: set[date] | None = None,
    identity: IdentityRule | None = None,
    keep_text: bool = False,
    log: Callable[[str], None] | None = None,
    only: set[str] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    batch_bytes: int = BATCH_BYTES,
    pool: Executor | None = None,
    prepare: Callable[[list[ParsedSession]], list[Any]] | None = None,
    files_per_task: int = FILES_PER_TASK,
) -> Iterator[IngestBatch]:
    """Parse everything under `root` and yield it in batches; keep sessions (and their quarantine rows)
    in `months`.

    Quarantine rows for files that cannot be placed in a month have month None and are always kept.
    With `log`, progress (files, MB/s) is reported as the files are read. With `only`, just the files
    at these root-relative paths are read, in the order a walk would list them, without listing the
    tree (a later step re-reading the months an ingest placed); one that is gone is a quarantine row. The
    files at the root-relative paths in `skip` are not read. With
    `pool` (sessionlab_assets/workers.py), folders are parsed in worker processes, in order. With
    `prepare` (a module-level function of a list of sessions, returning a value for each), each
    session's `prepared` is its value, computed where it was parsed, and its events are dropped.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"source root {root} does not exist or is not a folder (set SESSIONLAB_SOURCE_DIR)")
    placement = _Placement(months, identity or IdentityRule())
    skipped: list[Skipped] = []
    if only is None:
        paths, skipped = walk_with_skips(root)
    else:
        # The files are known: listing the whole tree to find them again reads every folder, from disk
        # once the folders have left the OS cache (after reading 50 GB of transcripts, say); their
        # folders are read anyway when the files are opened, in the workers, alongside the parsing.
        paths = [root / relative for relative in sorted(only, key=_walk_order)]
    if skip:
        paths = [path for path in paths if safe_name(path.relative_to(root).as_posix()) not in skip]
    progress = Progress("reading transcripts", len(paths), "files", log) if log else None
    batch = IngestBatch()
    for entry in skipped:  # recorded with a size of 0 and no modification time (see inventory.stat_tree)
        batch.quarantine.append(Quarantine(None, entry.relative, None, entry.reason))
        batch.files.append(
            SourceFile(None, entry.relative, 0, None, "not_ingested", None, 0, 0, "quarantined", entry.reason, -1, None)
        )
    for task in ordered_map(
        pool, _parse_folders, _tasks(_folders(paths), files_per_task), str(root), keep_text, prepare
    ):
        batch.bytes_read += task.bytes_read
        placement.place(task, batch)
        if progress:
            progress.advance(len(task.parsed) + sum(len(p.children) for p in task.parsed) + len(task.undated))
        if batch.bytes_read >= batch_bytes:
            yield batch
            batch = IngestBatch()
    if batch.bytes_read or batch.quarantine or batch.sessions:
        yield batch
    if progress:
        progress.finish()


def scan_source(root: Path, *args: Any, **options: Any) -> IngestBatch:
    """Everything `scan_batches` yields for the same arguments, as one batch (for sources that fit in memory)."""
    whole = IngestBatch()
    for batch in scan_batches(root, *args, **options):
        whole.sessions.extend(batch.sessions)
        whole.quarantine.extend(batch.quarantine)
        whole.files.extend(batch.files)
        whole.bytes_read += batch.bytes_read
        whole.out_of_range_sessions += batch.out_of_range_sessions
        whole.unmatched_users += batch.unmatched_users
        whole.raw_users |= batch.raw_users
    return whole
