"""Every entry under the source root ends in `source_files` with what became of it: the agents' hidden
homes are read, version-control folders and folder links below the root's entries are skipped and
counted, links directly under the root are read, and a pipe, a file
name that is not UTF-8 or an unreadable folder is a quarantine row, never a hang or a crash."""

from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.fixtures.transcripts import ClaudeCodeTranscript
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.resources import TranscriptSource


def _session(n: int, path: Path) -> None:
    s = ClaudeCodeTranscript(f"7d1e0000-0000-4000-8000-{n:012d}", datetime(2026, 1, 10 + n, 9))
    s.prompt("Rename the config loader.")
    s.say("Renamed.")
    s.write(path)


def _rollout(path: Path) -> None:
    import orjson

    records = [
        ("session_meta", {"id": "0199cccc-0000-7000-8000-000000000002", "originator": "codex_cli_rs"}),
        ("event_msg", {"type": "user_message", "message": "List the flaky tests."}),
        ("event_msg", {"type": "token_count", "info": {"total_token_usage": {"total_tokens": 50}}}),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(
            orjson.dumps({"timestamp": f"2026-01-12T09:00:0{i}Z", "type": kind, "payload": payload}).decode() + "\n"
            for i, (kind, payload) in enumerate(records)
        )
    )


def _tree(root: Path) -> Path:
    _session(1, root / "ana" / ".claude" / "projects" / "-home-ana-app" / "s1.jsonl")
    _rollout(root / "bo" / ".codex" / "sessions" / "2026" / "01" / "12" / "rollout-2026-01-12T09-00-00-c.jsonl")
    (root / "ana" / ".git" / "objects").mkdir(parents=True)
    (root / "ana" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def _rows(db: Path) -> dict[str, tuple]:
    with duckdb.connect(str(db)) as conn:
        return {r[0]: r[1:] for r in conn.sql("SELECT source_file, status, reason FROM source_files").fetchall()}


def _ingest(db: Path, source: Path) -> dg.ExecuteInJobResult:
    return dg.materialize(
        [ingest_transcripts],
        tags={"dagster/asset_partition_range_start": "2026-01", "dagster/asset_partition_range_end": "2026-01"},
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "transcript_source": TranscriptSource(source_dir=str(source)),
        },
    )


def test_hidden_agent_folders_are_read_and_version_control_is_skipped_and_counted(tmp_path):
    source = _tree(tmp_path / "source")
    assert _ingest(tmp_path / "w.duckdb", source).success
    rows = _rows(tmp_path / "w.duckdb")
    assert rows["ana/.claude/projects/-home-ana-app/s1.jsonl"][0] == "ingested"
    assert rows["bo/.codex/sessions/2026/01/12/rollout-2026-01-12T09-00-00-c.jsonl"][0] == "ingested"
    assert rows["ana/.git"] == ("quarantined", "version-control folder: not read")
    assert not any(name.startswith("ana/.git/") for name in rows)


def test_links_directly_under_the_root_are_read_as_one_collection_and_deeper_links_are_recorded(tmp_path):
    """One person's agents in one run: a folder of links to each agent's transcripts. A link further down,
    or one that would read the root twice, is a row with its reason."""
    source = _tree(tmp_path / "source")
    elsewhere = tmp_path / "elsewhere"
    _session(3, elsewhere / "projects" / "-home-cy-app" / "s3.jsonl")
    (source / "cy").symlink_to(elsewhere, target_is_directory=True)
    (source / "ana" / "deeper").symlink_to(elsewhere, target_is_directory=True)
    (source / "again").symlink_to(source / "ana", target_is_directory=True)
    (source / "up").symlink_to(tmp_path, target_is_directory=True)
    batch = scan_source(source)
    reasons = {q.source_file: q.reason for q in batch.quarantine}
    assert sorted(s.source_file for s in batch.sessions) == [
        "ana/.claude/projects/-home-ana-app/s1.jsonl",
        "bo/.codex/sessions/2026/01/12/rollout-2026-01-12T09-00-00-c.jsonl",
        "cy/projects/-home-cy-app/s3.jsonl",
    ]
    assert reasons["ana/deeper"].startswith("symbolic link to a folder below the root's own entries")
    assert reasons["again"] == "symbolic link to a folder inside the root: read there, not twice"
    assert reasons["up"].startswith("symbolic link to a folder that holds the root")


def test_a_file_added_behind_a_root_link_is_read_by_the_next_run(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    claude, codex = tmp_path / "home" / ".claude" / "projects", tmp_path / "home" / ".codex" / "sessions"
    _session(1, claude / "-home-ana-app" / "s1.jsonl")
    _rollout(codex / "2026" / "01" / "12" / "rollout-2026-01-12T09-00-00-c.jsonl")
    (source / "claude").symlink_to(claude, target_is_directory=True)
    (source / "codex").symlink_to(codex, target_is_directory=True)
    db = tmp_path / "w.duckdb"
    assert _ingest(db, source).success
    _session(2, claude / "-home-ana-app" / "s2.jsonl")
    assert _ingest(db, source).success
    rows = _rows(db)
    assert rows["claude/-home-ana-app/s2.jsonl"][0] == "ingested"
    assert rows["codex/2026/01/12/rollout-2026-01-12T09-00-00-c.jsonl"][0] == "ingested"
    with duckdb.connect(str(db)) as conn:
        assert conn.sql("SELECT count(*) FROM sessions").fetchall() == [(3,)]


def test_a_pipe_named_like_a_transcript_is_quarantined_without_blocking(tmp_path):
    source = _tree(tmp_path / "source")
    os.mkfifo(source / "ana" / "stuck.jsonl")
    done = threading.Event()
    found: dict = {}

    def scan() -> None:
        found["batch"] = scan_source(source)
        done.set()

    threading.Thread(target=scan, daemon=True).start()
    assert done.wait(timeout=30), "the walk blocked on a FIFO"
    reasons = {q.source_file: q.reason for q in found["batch"].quarantine}
    assert "not a regular file" in reasons["ana/stuck.jsonl"]


def test_a_file_name_that_is_not_utf8_is_a_quarantine_row_not_a_crash(tmp_path):
    source = _tree(tmp_path / "source")
    bad = os.fsencode(str(source / "ana")) + b"/caf\xe9.jsonl"
    with open(bad, "wb") as handle:
        handle.write(b"{}\n")
    db = tmp_path / "w.duckdb"
    assert _ingest(db, source).success
    rows = _rows(db)
    assert rows["ana/caf\ufffd.jsonl"] == ("quarantined", "file name is not valid UTF-8: rename it")
    assert _ingest(db, source).success  # and the next run finds nothing changed


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list any folder")
def test_a_folder_that_cannot_be_listed_is_recorded(tmp_path):
    source = _tree(tmp_path / "source")
    locked = source / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        reasons = {q.source_file: q.reason for q in scan_source(source).quarantine}
    finally:
        locked.chmod(0o755)
    assert reasons["locked"].startswith("folder could not be listed")


def test_a_path_longer_than_the_system_allows_is_a_row_not_a_crash(tmp_path):
    source = _tree(tmp_path / "source")
    # Made one level at a time from inside (a path this long cannot be named from outside), past PATH_MAX.
    here = os.getcwd()
    os.chdir(source / "ana")
    try:
        for level in range(20):
            name = f"{level:02d}" + "d" * 240
            os.mkdir(name)
            os.chdir(name)
        with open("deep.jsonl", "w") as handle:
            handle.write("{}\n")
    finally:
        os.chdir(here)
    db = tmp_path / "w.duckdb"
    assert _ingest(db, source).success
    deep = {name: status for name, status in _rows(db).items() if name.startswith("ana/00")}
    assert deep and all(state == "quarantined" and "could not be" in reason for state, reason in deep.values())
