"""Materialise the ingest assets against a temporary warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.fixtures.build_fixture_corpus import build
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.resources import TranscriptSource

TABLES = ("events", "session_headers", "sessions", "turns", "ingest_errors", "source_files")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("corpus"))


def _resources(db: Path, source: Path) -> dict:
    return {
        "warehouse_db": DuckDBResource(database=str(db)),
        "transcript_source": TranscriptSource(source_dir=str(source)),
    }


def _materialize(db: Path, source: Path, first: str, last: str, instance=None) -> dg.ExecuteInJobResult:
    return dg.materialize(
        [ingest_transcripts],
        resources=_resources(db, source),
        instance=instance,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    )


def _snapshot(db: Path) -> dict[str, list]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_rematerialising_months_is_idempotent(tmp_path, corpus):
    db = tmp_path / "w.duckdb"
    assert _materialize(db, corpus, "2025-10", "2026-04").success
    first = _snapshot(db)
    assert _materialize(db, corpus, "2025-10", "2026-04").success
    assert _snapshot(db) == first
    assert _materialize(db, corpus, "2026-02", "2026-02").success  # one month again leaves the others alone
    assert _snapshot(db) == first
    with duckdb.connect(str(db), read_only=True) as conn:
        months = conn.execute("SELECT DISTINCT month FROM sessions ORDER BY 1").fetchall()
        assert [m for (m,) in months] == [date(2025, m, 1) for m in (10, 11, 12)] + [
            date(2026, m, 1) for m in (1, 2, 3, 4)
        ]
        assert conn.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name='sessions' AND column_name='month'"
        ).fetchone() == ("DATE",)
        headless = conn.execute("SELECT count(*) FROM sessions WHERE headless").fetchone()[0]
        assert headless == 1
        # sessions and events agree: the telemetry is the aggregation of the events
        mismatches = conn.execute("""
            SELECT count(*) FROM sessions s JOIN (
                SELECT session_id, count(*) FILTER (WHERE kind='tool_call' AND chain='main') AS n FROM events GROUP BY 1
            ) e USING (session_id) WHERE s.tool_calls <> e.n""").fetchone()[0]
        assert mismatches == 0
        turns = conn.execute("SELECT sum(human_turns) FROM sessions").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM turns").fetchone()[0] == turns


def test_a_month_is_replaced_in_one_transaction(tmp_path, corpus):
    db = tmp_path / "w.duckdb"
    assert _materialize(db, corpus, "2026-01", "2026-01").success
    before = _snapshot(db)

    batch_frame = pl.DataFrame({"month": [date(2026, 1, 1)], "source_file": ["x"], "line_no": [1], "reason": ["r"]})
    with duckdb.connect(str(db)) as conn, pytest.raises(duckdb.Error, match="injected failure"):
        with warehouse.replacing_months(
            conn, date(2026, 1, 1), date(2026, 2, 1), ["sessions", "ingest_errors"], undated={"ingest_errors"}
        ) as replacement:
            replacement.insert("ingest_errors", batch_frame)
            # Fails inside the transaction, after the months are deleted and the new rows are in.
            replacement.then(
                "SELECT error('injected failure after the inserts, before the commit') WHERE $month_start < $month_end"
            )
    assert _snapshot(db) == before


def test_running_out_of_duckdb_memory_names_the_setting_and_changes_nothing(tmp_path, corpus):
    db = tmp_path / "w.duckdb"
    assert _materialize(db, corpus, "2026-01", "2026-01").success
    before = _snapshot(db)
    batch_frame = pl.DataFrame({"month": [date(2026, 1, 1)], "source_file": ["x"], "line_no": [1], "reason": ["r"]})
    with duckdb.connect(str(db)) as conn:
        conn.execute("SET memory_limit = '20MB'")
        with (
            pytest.raises(
                warehouse.OutOfMemory,
                match=r"\(19\.0 MiB\).*replacing 2026-01 of sessions.*SESSIONLAB_DUCKDB_MEMORY_LIMIT",
            ),
            warehouse.replacing_months(
                conn, date(2026, 1, 1), date(2026, 2, 1), ["sessions", "ingest_errors"], undated={"ingest_errors"}
            ) as replacement,
        ):
            replacement.insert("ingest_errors", batch_frame)
            # A string no buffer of 20 MB holds, built inside the replacing transaction.
            replacement.then(
                "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(200000) WHERE $month_start < $month_end"
            )
    assert _snapshot(db) == before


def test_frames_that_do_not_match_the_declared_schema_are_rejected(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        warehouse.ensure_schema(conn)
        frame = pl.DataFrame(
            {"month": [date(2026, 1, 1)], "source_file": ["x"], "line_no": [1], "reason": ["r"], "extra": [1]}
        )
        with (
            pytest.raises(warehouse.SchemaMismatch, match="unexpected \\['extra'\\]"),
            warehouse.replacing_months(conn, date(2026, 1, 1), date(2026, 2, 1), ["ingest_errors"]) as replacement,
        ):
            replacement.insert("ingest_errors", frame)


def test_real_corpus_materialises_with_quarantine(tmp_path, real_corpus):
    db = tmp_path / "w.duckdb"
    assert _materialize(db, real_corpus, "2025-10", "2026-11").success
    with duckdb.connect(str(db), read_only=True) as conn:
        sessions = conn.execute(
            "SELECT count(*), count(DISTINCT session_id), count(*) FILTER (WHERE headless) FROM sessions"
        ).fetchone()
        assert sessions[0] == sessions[1] >= 100
        assert conn.execute("SELECT count(*) FROM ingest_errors WHERE reason IS NULL OR reason = ''").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM ingest_errors WHERE line_no IS NOT NULL").fetchone()[0] >= 1
        files = conn.execute("SELECT count(*) FROM source_files").fetchone()[0]
    assert files == sum(1 for p in real_corpus.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_a_partial_selection_writes_every_ingest_table_and_reports_the_selected(tmp_path, corpus):
    db = tmp_path / "w.duckdb"
    result = dg.materialize(
        [ingest_transcripts],
        resources=_resources(db, corpus),
        selection=["sessions"],
        partition_key="2026-01",
    )
    assert result.success
    assert {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()} == {"sessions"}
    with duckdb.connect(str(db), read_only=True) as conn:
        for table in ("events", "turns", "source_files", "classifier_inputs"):  # one transaction, every table
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0, table


def test_reading_only_the_files_a_month_placed_gives_that_months_sessions(tmp_path, corpus):
    from sessionlab_assets.ingest.source import scan_source

    db = tmp_path / "w.duckdb"
    assert _materialize(db, corpus, "2025-10", "2026-04").success
    with duckdb.connect(str(db), read_only=True) as conn:
        files = {
            r[0]
            for r in conn.sql(
                "SELECT source_file FROM source_files WHERE month = DATE '2026-01-01' AND status = 'ingested'"
            ).fetchall()
        }
        expected = {
            r[0] for r in conn.sql("SELECT session_id FROM sessions WHERE month = DATE '2026-01-01'").fetchall()
        }
    month = {date(2026, 1, 1)}
    assert {s.session_id for s in scan_source(corpus, month, only=files).sessions} == expected
    assert {s.session_id for s in scan_source(corpus, month).sessions} == expected  # the same as reading everything


def test_reading_named_files_follows_the_walk_without_listing_the_tree(tmp_path):
    from sessionlab_assets.ingest.source import _walk_order, scan_source, walk

    root = build(tmp_path / "c", users=6)
    # Files beside folders, at the root and below it, so the order of files and folders is tested.
    (root / "zz-notes.txt").write_text("not a transcript\n")
    first_folder = next(p for p in sorted(root.iterdir()) if p.is_dir())
    (first_folder / "zz-notes.txt").write_text("not a transcript\n")
    walked = [p.relative_to(root).as_posix() for p in walk(root)]
    assert any("/subagents/" in p for p in walked) and walked.index("zz-notes.txt") == 0
    assert sorted(walked, key=_walk_order) == walked
    everything = scan_source(root, keep_text=True)
    named = scan_source(root, keep_text=True, only=set(walked))
    assert [(s.session_id, s.events) for s in named.sessions] == [(s.session_id, s.events) for s in everything.sessions]
    # A named file that is gone is a quarantine row that says so; its session is not read.
    gone = next(s.source_file for s in everything.sessions)
    (root / gone).unlink()
    after = scan_source(root, only=set(walked))
    assert gone not in {s.source_file for s in after.sessions}
    assert any(q.source_file == gone and q.reason.startswith("unreadable file") for q in after.quarantine)


def test_small_batches_hold_exactly_what_one_batch_holds(tmp_path):
    from sessionlab_assets.ingest.source import scan_batches, scan_source

    root = build(tmp_path / "c", users=6)
    whole = scan_source(root)
    batches = list(scan_batches(root, batch_bytes=1, files_per_task=1))  # one folder per batch
    assert len(batches) > 3
    assert [s.session_id for b in batches for s in b.sessions] == [s.session_id for s in whole.sessions]
    assert [len(s.events) for b in batches for s in b.sessions] == [len(s.events) for s in whole.sessions]
    assert sorted(f.source_file for b in batches for f in b.files) == sorted(f.source_file for f in whole.files)
    assert sorted((q.source_file, q.line_no) for b in batches for q in b.quarantine) == sorted(
        (q.source_file, q.line_no) for q in whole.quarantine
    )


def test_worker_processes_parse_exactly_what_this_process_parses(tmp_path):
    from sessionlab_assets.classify.transcript import session_windows
    from sessionlab_assets.ingest.source import scan_batches, scan_source
    from sessionlab_assets.workers import worker_pool

    root = build(tmp_path / "c", users=6)
    here = scan_source(root, keep_text=True)
    with worker_pool(2) as pool:
        pooled = [s for b in scan_batches(root, keep_text=True, pool=pool) for s in b.sessions]
        prepared = [
            s for b in scan_batches(root, keep_text=True, pool=pool, prepare=session_windows) for s in b.sessions
        ]
    assert [(s.session_id, s.user_key, s.events) for s in pooled] == [
        (s.session_id, s.user_key, s.events) for s in here.sessions
    ]
    assert [s.prepared for s in prepared] == session_windows(here.sessions)
    assert all(not s.events for s in prepared)  # dropped once prepared, so they do not travel back
