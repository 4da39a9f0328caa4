"""Incremental ingest: a re-run reads only new or changed files, leaves unchanged months alone, replaces
the month of a session that grew, and never empties a month because its transcripts went missing."""

from __future__ import annotations

import gc
import os
import shutil
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.fixtures.transcripts import ClaudeCodeTranscript
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.resources import TranscriptSource

MONTHS = {"dagster/asset_partition_range_start": "2025-12", "dagster/asset_partition_range_end": "2026-02"}
TABLES = ("events", "session_headers", "sessions", "turns", "ingest_errors", "source_files", "classifier_inputs")


def _session(n: int, start: datetime, prompts: int = 2) -> ClaudeCodeTranscript:
    s = ClaudeCodeTranscript(f"1c2e0000-0000-4000-8000-{n:012d}", start)
    for i in range(prompts):
        s.prompt(f"Step {i}: tidy module {n}.")
        call = s.tool("Bash", {"command": f"pytest -q tests/test_{n}.py"})
        s.tool_result(call, "3 passed")
    return s


def _source(root: Path) -> Path:
    """Two people, three months, a folder per project."""
    for n, (person, project, start) in enumerate(
        [
            ("ana", "api", datetime(2025, 12, 3, 9)),
            ("ana", "api", datetime(2025, 12, 9, 9)),
            ("ana", "web", datetime(2026, 1, 5, 9)),
            ("bo", "etl", datetime(2026, 1, 20, 9)),
            ("bo", "etl", datetime(2026, 2, 2, 9)),
        ]
    ):
        _session(n, start).write(root / person / "projects" / project / f"s{n}.jsonl")
    return root


def _run(db: Path, source: Path, allow_emptying: bool = False, **settings: str) -> dg.ExecuteInJobResult:
    return dg.materialize(
        [ingest_transcripts],
        tags=MONTHS,
        raise_on_error=False,
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "transcript_source": TranscriptSource(
                source_dir=str(source), allow_emptying_months=allow_emptying, **settings
            ),
        },
    )


def _metadata(result: dg.ExecuteInJobResult) -> dict:
    # One materialisation per month of the range, with the same metadata.
    sessions = next(
        m for m in result.asset_materializations_for_node("ingest_transcripts") if m.asset_key.path == ["sessions"]
    )
    return {key: value.value for key, value in sessions.metadata.items()}


def _tables(db: Path) -> dict[str, list]:
    gc.collect()  # a failed run's traceback can keep its connection (opened with other settings) alive
    with duckdb.connect(str(db)) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_a_second_run_with_nothing_changed_reads_nothing_and_changes_nothing(tmp_path):
    source, db = _source(tmp_path / "source"), tmp_path / "w.duckdb"
    first = _run(db, source)
    assert first.success and _metadata(first)["megabytes_parsed"] > 0
    before = _tables(db)
    second = _run(db, source)
    assert second.success
    meta = _metadata(second)
    assert meta["megabytes_parsed"] == 0 and meta["months_written"].startswith("none")
    assert meta["months_unchanged"] == 3 and meta["files_new_or_changed"] == 0
    assert _tables(db) == before


def test_a_session_that_grew_is_re_read_and_its_month_alone_replaced(tmp_path):
    source, db = _source(tmp_path / "source"), tmp_path / "w.duckdb"
    assert _run(db, source).success
    before = _tables(db)
    grown = _session(3, datetime(2026, 1, 20, 9), prompts=3)  # the January session of bo, one prompt longer
    grown.write(source / "bo" / "projects" / "etl" / "s3.jsonl")
    result = _run(db, source)
    assert result.success
    meta = _metadata(result)
    assert meta["months_written"] == "2026-01" and meta["files_new_or_changed"] == 1
    with duckdb.connect(str(db)) as conn:
        turns = conn.execute("SELECT human_turns FROM sessions WHERE session_id LIKE '%000000000003'").fetchall()
        files = conn.execute("SELECT count(*), count(DISTINCT source_file) FROM source_files").fetchall()[0]
    assert turns == [(3,)]
    assert files[0] == files[1] == 5  # one inventory row per file, still
    after = _tables(db)
    december = [r for r in before["sessions"] if r[0].month == 12]
    assert [r for r in after["sessions"] if r[0].month == 12] == december  # other months untouched


def test_touching_a_file_re_reads_that_file_and_its_month(tmp_path):
    source, db = _source(tmp_path / "source"), tmp_path / "w.duckdb"
    assert _run(db, source).success
    before = _tables(db)
    touched = source / "ana" / "projects" / "web" / "s2.jsonl"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 1_000_000_000))
    result = _run(db, source)
    meta = _metadata(result)
    assert result.success and meta["files_new_or_changed"] == 1
    # The touched file and the other file of its month (January) are read, nothing else.
    read = (touched.stat().st_size + (source / "bo" / "projects" / "etl" / "s3.jsonl").stat().st_size) / 1e6
    assert meta["megabytes_parsed"] == pytest.approx(read, abs=0.01)
    after = _tables(db)
    assert {t: after[t] for t in TABLES if t != "source_files"} == {t: before[t] for t in TABLES if t != "source_files"}


def _user_keys(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db)) as conn:
        return dict(conn.execute("SELECT session_id, user_key FROM sessions").fetchall())


def test_a_new_pseudonym_key_or_user_rule_reads_every_file_again(tmp_path):
    """Unchanged files read under another key or user rule would keep the old people: they are read again."""
    source, db = _source(tmp_path / "source"), tmp_path / "w.duckdb"
    assert _run(db, source).success
    default_keys = _user_keys(db)
    rekeyed = _run(db, source, pseudonym_key="a key of this team's own, 32+ chars")
    meta = _metadata(rekeyed)
    assert rekeyed.success and meta["months_written"] == "2025-12, 2026-01, 2026-02"
    assert meta["files_new_or_changed"] == 5
    new_keys = _user_keys(db)
    assert new_keys.keys() == default_keys.keys() and not set(new_keys.values()) & set(default_keys.values())
    again = _run(db, source, pseudonym_key="a key of this team's own, 32+ chars")
    assert _metadata(again)["megabytes_parsed"] == 0 and _user_keys(db) == new_keys
    single = _run(db, source, pseudonym_key="a key of this team's own, 32+ chars", user_rule="single")
    assert single.success and len(set(_user_keys(db).values())) == 1


def test_files_read_by_other_code_are_read_again_once(tmp_path):
    """A warehouse written by another version of the reading code (here: one file's row says so, as rows
    from before the inventory recorded it do) has that file's month written again, once."""
    source, db = _source(tmp_path / "source"), tmp_path / "w.duckdb"
    assert _run(db, source).success
    before = _tables(db)
    with duckdb.connect(str(db)) as conn:
        conn.execute("UPDATE source_files SET read_as = NULL WHERE source_file = 'bo/projects/etl/s4.jsonl'")
    result = _run(db, source)
    meta = _metadata(result)
    assert result.success and meta["months_written"] == "2026-02" and meta["files_new_or_changed"] == 1
    assert _tables(db) == before
    assert _metadata(_run(db, source))["megabytes_parsed"] == 0


def test_a_new_file_in_a_new_month_writes_that_month_only(tmp_path):
    source, db = tmp_path / "source", tmp_path / "w.duckdb"
    _session(0, datetime(2025, 12, 3, 9)).write(source / "ana" / "projects" / "api" / "s0.jsonl")
    assert _run(db, source).success
    _session(7, datetime(2026, 2, 14, 9)).write(source / "cy" / "projects" / "docs" / "s7.jsonl")
    result = _run(db, source)
    assert result.success and _metadata(result)["months_written"] == "2026-02"
    with duckdb.connect(str(db)) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchall() == [(2,)]


def _sessions_by_month(db: Path) -> list[tuple[str, int]]:
    gc.collect()
    with duckdb.connect(str(db)) as conn:
        return conn.execute("SELECT strftime(month, '%Y-%m'), count(*) FROM sessions GROUP BY 1 ORDER BY 1").fetchall()


def test_sessions_whose_transcripts_are_gone_are_kept_unless_emptying_is_allowed(tmp_path, capfd):
    """Coding agents delete their own transcripts (Claude Code after 30 days by default): the warehouse
    keeps what it read, says so, and removes it only when told to."""
    source, db = _source(tmp_path / "source"), tmp_path / "w.duckdb"
    assert _run(db, source).success
    before = _tables(db)
    shutil.rmtree(source / "bo")  # the January and February sessions of bo, and February's only one
    kept = _run(db, source)
    assert kept.success
    meta = _metadata(kept)
    assert meta["sessions_kept_files_gone"] == 2 and meta["months_written"].startswith("none")
    warning = next(line for line in capfd.readouterr().err.splitlines() if "sessions are kept" in line)
    assert "WARNING" in warning and "2 sessions" in warning and "SESSIONLAB_ALLOW_EMPTYING_MONTHS=true" in warning
    after = _tables(db)
    assert {t: after[t] for t in TABLES if t != "source_files"} == {t: before[t] for t in TABLES if t != "source_files"}
    with duckdb.connect(str(db)) as conn:
        statuses = conn.execute("SELECT status, count(*) FROM source_files GROUP BY 1 ORDER BY 1").fetchall()
    assert statuses == [("gone", 2), ("ingested", 3)]
    again = _run(db, source)
    assert _metadata(again)["megabytes_parsed"] == 0 and _metadata(again)["months_written"].startswith("none")
    # A new session in a month that holds a kept one: the month is written again, the kept session stays.
    _session(8, datetime(2026, 2, 20, 9)).write(source / "cy" / "projects" / "docs" / "s8.jsonl")
    grown = _run(db, source)
    assert grown.success and _metadata(grown)["months_written"] == "2026-02"
    assert _sessions_by_month(db) == [("2025-12", 2), ("2026-01", 2), ("2026-02", 2)]
    with duckdb.connect(str(db)) as conn:
        assert conn.execute("SELECT count(*) FROM source_files WHERE status = 'gone'").fetchall() == [(2,)]
    allowed = _run(db, source, allow_emptying=True)
    assert allowed.success
    assert _sessions_by_month(db) == [("2025-12", 2), ("2026-01", 1), ("2026-02", 1)]
    with duckdb.connect(str(db)) as conn:
        vanished = conn.execute("SELECT count(*) FROM source_files WHERE source_file LIKE 'bo/%'").fetchall()
    assert vanished == [(0,)]


def test_a_kept_session_follows_a_new_key_and_a_restored_transcript_is_read_again(tmp_path):
    source, db = _source(tmp_path / "source"), tmp_path / "w.duckdb"
    assert _run(db, source).success
    shelved = tmp_path / "shelved"
    shutil.move(source / "bo", shelved)
    assert _run(db, source).success
    key = "a key of this team's own, 32+ chars"
    rekeyed = _run(db, source, pseudonym_key=key)
    assert rekeyed.success and _metadata(rekeyed)["sessions_kept_files_gone"] == 2
    bo = IdentityRule(key=key).user_key("bo/projects/etl/s3.jsonl")
    assert list(_user_keys(db).values()).count(bo) == 2  # the kept sessions, keyed as their paths say
    shutil.move(shelved, source / "bo")
    restored = _run(db, source, pseudonym_key=key)
    assert restored.success and _metadata(restored)["sessions_kept_files_gone"] == 0
    with duckdb.connect(str(db)) as conn:
        assert conn.execute("SELECT DISTINCT status FROM source_files").fetchall() == [("ingested",)]
    assert _sessions_by_month(db) == [("2025-12", 2), ("2026-01", 2), ("2026-02", 1)]


def _with_subagent(source: Path) -> Path:
    """A December session of ana that delegates to a subagent, its files named as Claude Code names them."""
    main = _session(6, datetime(2025, 12, 5, 9))
    main.tool("Task", {"prompt": "find the callers"})
    main.write(source / "ana" / "projects" / "api" / f"{main.session_id}.jsonl")
    agent = ClaudeCodeTranscript(main.session_id, datetime(2025, 12, 5, 9, 5), is_sidechain=True, agent_id="a1")
    agent.prompt("find the callers")
    call = agent.tool("Grep", {"pattern": "tidy("})
    agent.tool_result(call, "api/module.py:3")
    agent.say("Two callers.")
    agent.write(source / "ana" / "projects" / "api" / main.session_id / "subagents" / "agent-a1.jsonl")
    return source


def _session_rows(db: Path, session_id: str) -> dict[str, list]:
    """A session's rows in every table that holds it, but for its user key (which follows the key in use)."""
    gc.collect()
    with duckdb.connect(str(db)) as conn:
        return {
            table: conn.execute(
                f"SELECT * {exclude} FROM {table} WHERE session_id = ? ORDER BY ALL", [session_id]
            ).fetchall()
            for table, exclude in [
                ("session_headers", "EXCLUDE (user_key)"),
                ("sessions", "EXCLUDE (user_key)"),
                ("events", ""),
                ("classifier_inputs", ""),
            ]
        }


def test_a_session_whose_subagent_transcript_is_gone_is_kept_whole(tmp_path):
    """A subagent's transcript ends, and so is deleted by its agent, before the main one: its session is
    kept as last read, subagent included, while the main transcript is unchanged — also when its month is
    written for another file, and when a new key reads everything again."""
    source, db = _with_subagent(_source(tmp_path / "source")), tmp_path / "w.duckdb"
    assert _run(db, source).success
    session_id = "1c2e0000-0000-4000-8000-000000000006"
    main_file, subagent_file = (
        f"ana/projects/api/{session_id}.jsonl",
        f"ana/projects/api/{session_id}/subagents/agent-a1.jsonl",
    )
    before = _session_rows(db, session_id)
    assert _subagents_and_turns(db, session_id) == (1, 2)
    (source / subagent_file).unlink()
    _session(9, datetime(2025, 12, 20, 9)).write(source / "ana" / "projects" / "api" / "s9.jsonl")
    grown = _run(db, source)
    meta = _metadata(grown)
    assert grown.success and meta["months_written"] == "2025-12" and meta["sessions_kept_files_gone"] == 1
    assert _session_rows(db, session_id) == before
    with duckdb.connect(str(db)) as conn:
        files = conn.execute(
            "SELECT role, status FROM source_files WHERE session_id = ? ORDER BY role", [session_id]
        ).fetchall()
    assert files == [("main", "ingested"), ("subagent", "gone")]
    assert _metadata(_run(db, source))["megabytes_parsed"] == 0
    key = "a key of this team's own, 32+ chars"
    rekeyed = _run(db, source, pseudonym_key=key)
    assert rekeyed.success and _session_rows(db, session_id) == before
    assert _user_keys(db)[session_id] == IdentityRule(key=key).user_key(main_file)
    # The main transcript grows (the session was resumed): it is read again as it now is, without the
    # part that is gone, and no longer counts as kept.
    _session(6, datetime(2025, 12, 5, 9), prompts=3).write(source / main_file)
    resumed = _run(db, source, pseudonym_key=key)
    assert resumed.success and _metadata(resumed)["sessions_kept_files_gone"] == 0
    assert _subagents_and_turns(db, session_id) == (0, 3)
    with duckdb.connect(str(db)) as conn:
        assert conn.execute("SELECT count(*) FROM source_files WHERE status = 'gone'").fetchall() == [(0,)]
    assert _metadata(_run(db, source, pseudonym_key=key))["megabytes_parsed"] == 0


def _subagents_and_turns(db: Path, session_id: str) -> tuple[int, int]:
    gc.collect()
    with duckdb.connect(str(db)) as conn:
        return conn.execute(
            "SELECT subagents, human_turns FROM sessions WHERE session_id = ?", [session_id]
        ).fetchall()[0]


@pytest.mark.parametrize("where", ["empty", "emptied"])
def test_an_empty_source_fails_saying_no_transcript_was_found(tmp_path, where):
    source, db = tmp_path / "source", tmp_path / "w.duckdb"
    source.mkdir()
    if where == "emptied":  # an unmounted folder after a good run: the months are kept
        _source(source)
        assert _run(db, source).success
        shutil.rmtree(source)
        source.mkdir()
    before = _tables(db) if where == "emptied" else None
    result = _run(db, source)
    assert not result.success
    assert "No transcript was found" in str(result.all_events)
    if before is not None:  # an empty source is a folder not mounted or a wrong path: nothing is kept as gone
        assert _tables(db) == before
