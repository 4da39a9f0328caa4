"""Concurrent use of the one-file warehouse: runs writing at the same time complete correctly, and a
reader holding the file makes a writer wait, then fail with what to do — never hang, never leave a
half-written month."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sessionlab_assets.fixtures.build_fixture_corpus import build
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.resources import REPO_ROOT, TranscriptSource, WarehouseResource

ALL_MONTHS = ("2025-10", "2026-04")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("corpus"), users=12)


def _ingest(db: Path, source: Path, months: tuple[str, str], timeout: float = 30.0) -> dg.ExecuteInJobResult:
    return dg.materialize(
        [ingest_transcripts],
        raise_on_error=False,
        resources={
            "warehouse_db": WarehouseResource(database=str(db), lock_timeout_seconds=timeout, retry_seconds=0.1),
            "transcript_source": TranscriptSource(source_dir=str(source)),
        },
        tags={"dagster/asset_partition_range_start": months[0], "dagster/asset_partition_range_end": months[1]},
    )


def _counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return dict(
            conn.sql("SELECT strftime(month, '%Y-%m'), count(*) FROM sessions GROUP BY 1 ORDER BY 1").fetchall()
        )


def _hold(db: Path, seconds: float) -> subprocess.Popen:
    """Another process with the warehouse open (an ad-hoc reader), for `seconds`."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); c.sql('SELECT "
                "1').fetchall(); "
                "print('open', flush=True); time.sleep(float(sys.argv[2]))"
            ),
            str(db),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "open"
    return holder


def test_a_reader_holding_the_file_makes_the_writer_fail_clearly_and_nothing_is_half_written(tmp_path, corpus):
    db = tmp_path / "w.duckdb"
    assert _ingest(db, corpus, ALL_MONTHS).success
    before = _counts(db)
    holder = _hold(db, 60)
    try:
        started = time.monotonic()
        result = _ingest(db, corpus, ("2026-01", "2026-01"), timeout=2.0)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert not result.success and waited < 30  # waited its timeout, then gave up: no hang
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "held by another process" in failure.description and f"PID {holder.pid}" in failure.description
    assert "snapshot" in failure.description and "Nothing was written" in failure.description
    assert _counts(db) == before


def test_a_writer_waits_for_a_reader_that_lets_go(tmp_path, corpus):
    db = tmp_path / "w.duckdb"
    assert _ingest(db, corpus, ALL_MONTHS).success
    before = _counts(db)
    holder = _hold(db, 2.0)
    started = time.monotonic()
    result = _ingest(db, corpus, ("2026-01", "2026-01"), timeout=60.0)
    holder.wait()
    assert result.success and time.monotonic() - started >= 1.0  # it did wait
    assert _counts(db) == before


def _cli(months: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "asset",
            "materialize",
            "-m",
            "sessionlab_assets.definitions",
            "--select",
            "group:ingest",
            "--partition-range",
            months,
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_runs_writing_at_once_all_complete_correctly(tmp_path, corpus, dagster_home):
    """Two runs on different months at once, then a seven-month backfill while another run rewrites a
    month: every run succeeds, and every month ends up exactly as a lone run writes it."""
    expected_db = tmp_path / "alone.duckdb"
    assert _ingest(expected_db, corpus, ALL_MONTHS).success
    expected = _counts(expected_db)

    db = tmp_path / "w.duckdb"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "SESSIONLAB_SOURCE_DIR": str(corpus),
        "SESSIONLAB_WAREHOUSE": str(db),
    }
    # As `make setup` does: the instance's storage exists before runs start side by side (two runs
    # creating a fresh SQLite storage at once race on its schema migration).
    subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "instance", "migrate"], env=env, check=True, capture_output=True
    )

    first, second = _cli("2025-10...2025-12", env), _cli("2026-01...2026-04", env)
    for run in (first, second):
        output = run.communicate(timeout=300)[0]
        assert run.returncode == 0 and "RUN_SUCCESS" in output, output[-2000:]
    assert _counts(db) == expected

    backfill, other = _cli("2025-10...2026-04", env), _cli("2026-02...2026-02", env)
    for run in (backfill, other):
        output = run.communicate(timeout=300)[0]
        assert run.returncode == 0 and "RUN_SUCCESS" in output, output[-2000:]
    assert _counts(db) == expected
