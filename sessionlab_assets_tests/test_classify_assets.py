"""Materialise ingest, the classifier measures and session_measures against a temporary warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.classify.assets import classify_measures, session_measures
from sessionlab_assets.classify.registry import MEASURES
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.resources import TranscriptSource
from sessionlab_assets.sample import corpus
from sessionlab_assets_tests.fake_anthropic import FakeAnthropic

MONTHS = {"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-04"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    corpus.build(root, sessions=60, seed=11, workers=1)
    return root


def _materialize(
    db: Path, sample: Path, settings: ClassifierSettings, selection=None, workers: int = 1
) -> dg.ExecuteInJobResult:
    resources = {
        "warehouse_db": DuckDBResource(database=str(db)),
        "transcript_source": TranscriptSource(source_dir=str(sample / corpus.TRANSCRIPTS), workers=workers),
        "classifier_settings": settings,
    }
    return dg.materialize(
        [ingest_transcripts, classify_measures, session_measures],
        resources=resources,
        tags=MONTHS,
        selection=selection,
        raise_on_error=False,
    )


def test_heuristic_pipeline_fills_every_measure_and_session_measures(tmp_path, sample):
    db = tmp_path / "w.duckdb"
    result = _materialize(db, sample, ClassifierSettings())
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 2 * len(MEASURES) + 1 and all(c.passed for c in checks)
    with duckdb.connect(str(db), read_only=True) as conn:
        sessions = conn.execute("SELECT count(*) FROM sessions").fetchall()[0][0]
        for measure in MEASURES:
            rows = conn.execute(
                f"SELECT count(*), count(*) FILTER (WHERE backend = 'heuristic') FROM {measure}"
            ).fetchall()[0]
            assert rows == (sessions, sessions), measure
        view = conn.sql("SELECT * FROM views.session_measures").pl()
        assert view.height == sessions and set(view["backend"]) == {"heuristic"}
        for column in (
            "session_id",
            "month",
            "user_key",
            "work_mode",
            "codebase_relationship",
            "expertise",
            "occupation_user",
            "occupation_work",
            "outcome",
            "success_signal",
            "failure_signal",
            "user_planning_share",
            "user_execution_share",
            "value_usd",
            "value_tier",
            "verified_success",
            "hit_trouble",
            "abandoned",
            "wrote_code",
            "headless",
            "backend",
        ):
            assert column in view.columns
        verified = view.filter(view["verified_success"])
        assert (
            verified.height and (verified["outcome"] == "succeeded").all() and (verified["success_signal"] >= 4).all()
        )
        calls = conn.execute("SELECT count(*) FROM classifier_calls").fetchall()[0][0]
    # A second materialisation of the same months makes no new calls and changes nothing.
    assert _materialize(db, sample, ClassifierSettings()).success
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT count(*), max(attempts) FROM classifier_calls").fetchall()[0] == (calls, 1)


def test_anthropic_backend_through_dagster_and_a_blocking_error_rate_check(tmp_path, sample):
    db = tmp_path / "w.duckdb"
    with FakeAnthropic() as fake:
        settings = ClassifierSettings(
            api_key="test-key", base_url=fake.base_url, mode="batch", poll_seconds=0.0, max_retries=0
        )
        fake.fail_next(500)  # the first batch submission fails: every window call of the run is an error
        result = _materialize(db, sample, settings)
        checks = {(c.asset_key.to_user_string(), c.check_name): c.passed for c in result.get_asset_check_evaluations()}
        assert checks[("work_mode", "error_rate")] is False and checks[("work_mode", "labels_in_domain")] is True
        materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        assert "work_mode" in materialized and "session_measures" not in materialized  # blocked by the failed check
        with duckdb.connect(str(db), read_only=True) as conn:
            reasons = conn.execute("SELECT DISTINCT reason FROM work_mode WHERE status = 'error'").fetchall()
            assert len(reasons) == 1 and "batch submission failed" in reasons[0][0]
        # The next run retries the errors, in a batch, and the checks pass.
        result = _materialize(db, sample, settings)
        assert result.success and all(c.passed for c in result.get_asset_check_evaluations())
        assert len(fake.batch_creates()) == 3  # the failed one, then the window stage and the price stage
    with duckdb.connect(str(db), read_only=True) as conn:
        # The report's models by default: the measure rows say which model answered.
        assert conn.execute("SELECT DISTINCT backend, model FROM work_mode").fetchall() == [
            ("anthropic", "claude-sonnet-4-6")
        ]
        assert conn.execute("SELECT DISTINCT model FROM task_value").fetchall() == [
            ("claude-haiku-4-5+claude-opus-4-7",)
        ]
        assert conn.execute("SELECT count(*) FROM session_measures WHERE backend = 'anthropic'").fetchall()[0][0] > 0
        assert conn.execute("SELECT sum(cost_usd) > 0 FROM classifier_calls").fetchall()[0][0]


def test_dry_run_projects_dollars_and_calls_nothing(tmp_path, sample):
    db = tmp_path / "w.duckdb"
    result = _materialize(db, sample, ClassifierSettings(dry_run=True, model="claude-sonnet-4-6", mode="realtime"))
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.user_failure_data.description
    assert message.startswith("Dry run:") and "claude-sonnet-4-6 (realtime)" in message
    calls, dollars = int(message.split()[2]), float(message.split("$")[1].split()[0])
    with duckdb.connect(str(db), read_only=True) as conn:
        sessions = conn.execute("SELECT count(*) FROM sessions WHERE NOT headless").fetchall()[0][0]
        assert conn.execute("SELECT count(*) FROM classifier_calls").fetchall()[0][0] == 0
        assert conn.execute("SELECT count(*) FROM work_mode").fetchall()[0][0] == 0
    assert calls == 11 * sessions and 0 < dollars < 0.1 * sessions


def test_a_dry_run_planned_round_by_round_projects_what_one_round_projects(tmp_path, sample):
    def projection(sessions_per_round: int | None) -> str:
        settings = ClassifierSettings(
            dry_run=True, model="claude-sonnet-4-6", mode="batch", sessions_per_round=sessions_per_round
        )
        result = _materialize(tmp_path / f"w{sessions_per_round}.duckdb", sample, settings)
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        return failure.event_specific_data.user_failure_data.metadata["projection"].value

    whole = projection(None)
    assert "| work_mode | " in whole
    assert projection(7) == whole


def test_analyses_run_on_a_small_heuristic_warehouse(tmp_path, sample):
    """Every analysis materialises on what the pipeline wrote, even when small: a model the data cannot
    support is a row with its reason, not a failed run."""
    from sessionlab_assets.analyses.assets import ASSETS, AnalysisSettings

    db = tmp_path / "w.duckdb"
    assert _materialize(db, sample, ClassifierSettings()).success
    result = dg.materialize(
        ASSETS,
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "analysis_settings": AnalysisSettings(min_users=1),
        },
    )
    assert result.success
    with duckdb.connect(str(db), read_only=True) as conn:
        slopes = conn.sql("SELECT specification, slope, note FROM analysis_expertise_slopes ORDER BY 1").fetchall()
        assert [row[0] for row in slopes] == [1, 2, 3, 4, 5, 6]
        assert all((slope is None) == (note is not None) for _, slope, note in slopes)
        assert conn.sql("SELECT count(*) FROM analysis_mode_shares").fetchall()[0][0] > 0
        assert conn.sql("SELECT count(DISTINCT analysis) FROM analysis_samples").fetchall()[0][0] == len(ASSETS)


def test_rounds_and_worker_processes_give_the_same_tables_as_one_round_in_process(tmp_path, sample):
    tables = ["events", "sessions", "source_files", *MEASURES, "classifier_inputs", "session_measures"]
    contents = {}
    for name, per_round, workers in (("one", 10_000, 1), ("many", 7, 1), ("pooled", 7, 2)):
        db = tmp_path / f"{name}.duckdb"
        assert _materialize(db, sample, ClassifierSettings(sessions_per_round=per_round), workers=workers).success
        with duckdb.connect(str(db), read_only=True) as conn:
            contents[name] = {
                table: conn.sql(f"SELECT * EXCLUDE (materialized_at) FROM {table} ORDER BY ALL").fetchall()
                if "materialized_at" in conn.sql(f"SELECT * FROM {table} LIMIT 0").columns
                else conn.sql(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
                for table in tables
            }
    assert contents["one"]["session_measures"], "the sample has sessions"
    for table in tables:
        assert contents["many"][table] == contents["one"][table], table
        assert contents["pooled"][table] == contents["one"][table], table


def test_a_round_size_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        ClassifierSettings(sessions_per_round=0).round_size(ClassifierSettings().backend())
