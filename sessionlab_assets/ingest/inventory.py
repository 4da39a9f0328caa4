"""Which files an ingest run must read: the source as it is now, against the inventory the last runs
left in `source_files`.

A file is unchanged when its size and modification time are the ones recorded and it was read as this
run would read it (`read_as`: the code that turns files into rows, the user rule and the pseudonym key);
otherwise it is new or changed (and its content hash, recorded again when it is read, says what was
read). A session's files are a main file and its `<session>/subagents/` folder: a change to one of them
re-reads them together (and the whole folder when it holds loose `agent-*.jsonl` files, which are
matched to their session by content). A transcript no longer under the root is `gone`: its sessions
stay as last read (the ingest carries them into any month it writes), unless the run is told to remove
them, when it counts as vanished. A session with a gone file (a subagent's, say: they end, and so are
deleted, before their main transcript) is kept whole as last read while its other files are unchanged:
those are `held`, not read, so the session does not lose the part that is gone. The months to write
are those whose sessions came from a changed or vanished file, before or after the change, and those an
earlier run saw files of while writing other months but did not write; to learn where new files'
sessions belong, the changed folders are parsed once more up front, unless they are a large share of
the source, when every selected month is simply read again. Every file of a month being written is
read, but for held files; nothing else is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.ingest.source import month_of, safe_name, scan_batches, walk_with_skips
from sessionlab_assets.paths import PACKAGE_DIR, SQL_DIR

# Changed folders above this share of the source's bytes are not parsed up front: all selected months
# are read again, which costs about the same and parses nothing twice.
PROBE_SHARE = 0.5

# The code whose output the ingest stores: the readers, the window's renderer and redaction, the telemetry
# SQL. A change to any of it reads every file again, once, so no month keeps rows the current code
# would not write.
READER_CODE = (
    *sorted((PACKAGE_DIR / "ingest").glob("*.py")),
    *(PACKAGE_DIR / "classify" / name for name in ("transcript.py", "window.py", "redact.py")),
    *sorted((SQL_DIR / "telemetry").glob("*.sql")),
)

# The sessions kept as last read: those one of whose files' inventory row says it is gone.
KEPT_SESSIONS = (
    "SELECT h.month, h.session_id FROM session_headers h "
    "WHERE h.session_id IN (SELECT session_id FROM source_files WHERE status = 'gone')"
)


def months_not_written(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Sessions read but in months no run has written (outside the months asked for): (YYYY-MM, sessions)."""
    return conn.sql(
        "SELECT strftime(month, '%Y-%m'), count(*) FROM source_files WHERE status = 'other_month' AND role = 'main' "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()


def months_listed(months: list[tuple[str, int]], shown: int = 6) -> str:
    """`2026-02 1, 2026-03 4, ...`: the first months and their sessions."""
    return ", ".join(f"{month} {n:,}" for month, n in months[:shown]) + (", ..." if len(months) > shown else "")


def read_as(identity: IdentityRule) -> str:
    """How this run reads a file: a hash of the reading code, the user rule and the pseudonym key (the key
    only hashed, with the rest)."""
    digest = hashlib.sha256()
    for path in READER_CODE:
        digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    digest.update(f"\n{identity.rule}\n{identity.key}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class StoredFile:
    size: int
    mtime_ns: int | None
    month: date | None
    # ingested | quarantined | other_month (read while writing other months; its own not yet written) |
    # gone (no longer under the root; its sessions kept as last read)
    status: str
    read_as: str | None  # `read_as` of the run that read it (None: written before runs recorded it)
    session_id: str | None  # the session it was read into (a subagent's file: its main session's)


@dataclass
class IngestPlan:
    months: list[date]  # selected months to write
    files: set[str] | None  # root-relative files to read; None: the whole tree
    renewed: set[str]  # files whose inventory rows this run replaces (read now, or vanished)
    read_as: str  # how this run reads a file (`read_as`), recorded in the rows of the files it reads
    unchanged_months: list[date] = field(default_factory=list)
    changed: int = 0  # new or changed files
    reread: int = 0  # of which unchanged on disk, read before by other code or with another user rule or key
    vanished: int = 0  # files no longer under the root whose rows (and sessions) this run removes
    # Transcripts no longer under the root whose sessions the warehouse keeps as last read (all of them),
    # and those of them this run finds gone for the first time (their inventory rows say so from now on).
    gone: set[str] = field(default_factory=set)
    newly_gone: set[str] = field(default_factory=set)
    # Unchanged files of sessions kept as last read because another of their files is gone: not read.
    held: set[str] = field(default_factory=set)
    probed: int = 0  # files parsed up front to learn their months
    found: int = 0  # entries under the root now
    reason: str = ""

    @property
    def nothing_to_do(self) -> bool:
        return not self.months


def unit_of(relative: str) -> tuple[str, str]:
    """(folder, session stem): the files read together (ingest/source.py `_folders`). A loose subagent
    file's unit is its whole folder (stem "*")."""
    parts = relative.split("/")
    if len(parts) >= 3 and parts[-2] == "subagents":
        return "/".join(parts[:-3]), parts[-3]
    name = parts[-1]
    stem = "*" if name.startswith("agent-") else name.rsplit(".", 1)[0]
    return "/".join(parts[:-1]), stem


def stat_tree(root: Path) -> dict[str, tuple[int, int]]:
    """Root-relative path -> (size, modification time in ns) of every file the ingest would read."""
    paths, skipped = walk_with_skips(root)
    stats = {entry.relative: (0, -1) for entry in skipped}  # as the ingest records them
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            stat = None  # unreadable: read (and quarantined with the reason) like a changed file
        stats[safe_name(path.relative_to(root).as_posix())] = (stat.st_size, stat.st_mtime_ns) if stat else (-1, -1)
    return stats


def stored_files(conn: duckdb.DuckDBPyConnection) -> dict[str, StoredFile]:
    rows = conn.execute(
        "SELECT source_file, size_bytes, mtime_ns, month, status, read_as, session_id FROM source_files"
    ).fetchall()
    return {name: StoredFile(*row) for name, *row in rows}


def plan_ingest(
    root: Path,
    conn: duckdb.DuckDBPyConnection,
    selected: list[date],
    identity: IdentityRule,
    log: Callable[[str], None] = print,
    full: bool = False,
    keep_gone: bool = True,
) -> IngestPlan:
    """With `keep_gone`, a transcript that is no longer under the root keeps its sessions as last read (coding
    agents delete their own transcripts: Claude Code after 30 days by default); without it, its months
    are written again without them."""
    current = stat_tree(root)
    stored = stored_files(conn)
    this_run = read_as(identity)
    vanished = set(stored) - set(current)
    gone = {
        name
        for name in vanished
        if keep_gone and stored[name].month is not None and stored[name].status in ("ingested", "gone")
    }
    newly_gone = {name for name in gone if stored[name].status != "gone"}
    held = held_files(current, stored, gone)
    everything = IngestPlan(
        months=sorted(selected),
        files=None,
        renewed=(set(current) | (set(stored) - gone) | newly_gone) - held,
        read_as=this_run,
        found=len(current),
        vanished=len(vanished - gone),
        gone=gone,
        newly_gone=newly_gone,
        held=held,
    )
    if full or not stored or all(f.mtime_ns is None for f in stored.values()):
        everything.reason = "full read: " + ("asked for" if full else "no inventory of an earlier run")
        everything.changed = len(current)
        return everything
    never_read = {name for name, stat in current.items() if stat == (0, -1)}  # skipped folders and links
    changed = {
        name
        for name, (size, mtime) in current.items()
        if name not in never_read
        and (
            name not in stored
            or (stored[name].size, stored[name].mtime_ns) != (size, mtime)
            or stored[name].status == "gone"  # back under the root: read it again
        )
    }
    reread = {
        name
        for name in current
        if name not in never_read and name not in changed and name not in held and stored[name].read_as != this_run
    }
    changed |= reread
    if reread and len(reread) == len(set(current) - never_read - held):
        everything.reason = "full read: the reading code, the user rule or the pseudonym key changed since the last run"
        everything.changed, everything.reread = len(changed), len(reread)
        return everything
    # A file that is gone and whose sessions are kept changes no month: the months stay as they are.
    dropped = vanished - gone
    loose = {unit_of(name)[0] for name in current if unit_of(name)[1] == "*"}
    dirty_units = {unit_of(name) for name in changed | dropped}
    dirty_folders = {folder for folder, stem in dirty_units if stem == "*" or folder in loose}
    dirty = {
        name
        for name in current
        if name not in never_read
        and name not in held
        and (unit_of(name) in dirty_units or unit_of(name)[0] in dirty_folders)
    }
    old_months = {stored[name].month for name in dirty | dropped if name in stored}
    new_months: set[date] = set()
    probed = 0
    if dirty:
        dirty_bytes = sum(current[name][0] for name in dirty)
        total_bytes = sum(size for size, _ in current.values()) or 1
        if dirty_bytes > PROBE_SHARE * total_bytes:
            everything.reason = f"full read: changed folders hold {dirty_bytes / total_bytes:.0%} of the source"
            everything.changed, everything.vanished, everything.reread = len(changed), len(dropped), len(reread)
            return everything
        for batch in scan_batches(root, None, identity, only=dirty, prepare=_nothing):
            new_months.update(month_of(s) for s in batch.sessions)
        probed = len(dirty)
    chosen = set(selected)
    # Months whose files an earlier run saw while writing other months, and which were never written.
    pending = {f.month for f in stored.values() if f.status == "other_month"}
    months = sorted((old_months | new_months | pending) & chosen - {None})
    files = (dirty | {name for name, f in stored.items() if f.month in months and name in current}) - never_read - held
    return IngestPlan(
        months=months,
        files=files,
        renewed=files | dropped | newly_gone,
        read_as=this_run,
        unchanged_months=sorted(chosen - set(months)),
        changed=len(changed),
        reread=len(reread),
        vanished=len(dropped),
        gone=gone,
        newly_gone=newly_gone,
        held=held,
        probed=probed,
        reason="changed files only",
        found=len(current),
    )


def held_files(current: dict[str, tuple[int, int]], stored: dict[str, StoredFile], gone: set[str]) -> set[str]:
    """The files still under the root of sessions one of whose files is `gone`, when none of them changed:
    read again, they would replace the session without its gone part (a subagent's transcript, deleted by
    its agent before the main one), so the session is kept whole as last read."""
    kept = {stored[name].session_id for name in gone} - {None}
    if not kept:
        return set()
    theirs = {name for name in current if name in stored and stored[name].session_id in kept}
    grown = {stored[name].session_id for name in theirs if (stored[name].size, stored[name].mtime_ns) != current[name]}
    return {name for name in theirs if stored[name].session_id not in grown}


def _nothing(sessions: list) -> list[None]:
    """A `prepare` that keeps nothing of the sessions but their dates (module level: it runs in workers)."""
    return [None] * len(sessions)
