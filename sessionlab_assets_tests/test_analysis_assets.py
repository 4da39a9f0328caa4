"""Materialise the analysis assets against a temporary warehouse whose session_measures holds planted
sessions: every table written, exclusions counted, small cells suppressed, gold labels compared."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.analyses import validation
from sessionlab_assets.analyses.assets import ASSETS, AnalysisSettings
from sessionlab_assets.classify import label_checks
from sessionlab_assets.sample import world

SESSIONS = 4_000


@pytest.fixture(scope="module")
def planted() -> pl.DataFrame:
    return world.with_drawn_telemetry(
        world.as_labels(world.draw_world(world.WorldSize(sessions=SESSIONS, seed=21))), seed=3
    )


def _warehouse(path: Path, measures: pl.DataFrame) -> Path:
    with duckdb.connect(str(path)) as conn:
        warehouse.ensure_schema(conn)
        columns = warehouse.table_columns(conn, "session_measures")
        conn.register("incoming", measures.select(columns))
        conn.execute("INSERT INTO session_measures BY NAME SELECT * FROM incoming")
    return path


def _run(db: Path, settings: AnalysisSettings, selection=None) -> dg.ExecuteInJobResult:
    return dg.materialize(
        ASSETS,
        resources={"warehouse_db": DuckDBResource(database=str(db)), "analysis_settings": settings},
        selection=selection,
        raise_on_error=False,
    )


def test_every_analysis_writes_its_tables_and_says_what_it_excluded(tmp_path, planted):
    db = _warehouse(tmp_path / "w.duckdb", planted)
    result = _run(db, AnalysisSettings(min_users=10))
    assert result.success
    metadata = {
        e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    assert set(metadata) == {a.key.to_user_string() for a in ASSETS}
    assert 0.01 < metadata["adjusted_success_rates"]["slope_preferred"].value < 0.08
    assert (
        metadata["composition_trends"]["fix_share_first"].value > metadata["composition_trends"]["fix_share_last"].value
    )
    with duckdb.connect(str(db), read_only=True) as conn:
        for table in (
            "analysis_mode_shares",
            "analysis_mode_value",
            "analysis_composition_change",
            "analysis_expertise_slopes",
            "analysis_adjusted_rates",
            "analysis_activity_boxes",
            "analysis_activity_regressions",
            "analysis_decision_shares",
            "analysis_decision_summary",
            "analysis_control_regimes",
            "analysis_occupation_success",
            "analysis_validation_modes",
            "analysis_validation_signals",
        ):
            assert conn.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0, table
        # Table A1: all six columns estimated, with telemetry for column 6.
        assert conn.sql("SELECT count(*) FROM analysis_expertise_slopes WHERE slope IS NOT NULL").fetchall()[0][0] == 6
        # The exclusions add up: what the last step leaves is what the regressions used.
        steps = conn.sql(
            "SELECT rule, excluded, remaining FROM analysis_samples WHERE analysis = 'adjusted_success_rates' ORDER BY "
            "step"
        ).pl()
        assert steps["remaining"][0] == SESSIONS
        assert steps["remaining"][-1] == SESSIONS - steps["excluded"].sum()
        no_goal = steps.filter(pl.col("rule").str.contains("no clear goal"))["excluded"][0]
        assert no_goal == planted.filter(pl.col("outcome") == "no_clear_goal").height
        used = conn.sql("SELECT sessions FROM analysis_expertise_slopes WHERE specification = 5").fetchall()[0][0]
        assert used == steps["remaining"][-1]
        # Figure 5's trouble panel has all six measures; Table A2 has every specification.
        panels = dict(
            conn.sql("SELECT panel, count(DISTINCT outcome) FROM analysis_adjusted_rates GROUP BY 1").fetchall()
        )
        assert panels == {"all": 3, "trouble": 6, "table_a2": 1}
        # No gold file configured: the agreement tables are empty, not stale.
        assert conn.sql("SELECT count(*) FROM analysis_gold_agreement").fetchall()[0][0] == 0


def test_cells_under_the_user_threshold_are_suppressed_and_counted(tmp_path, planted):
    db = _warehouse(tmp_path / "w.duckdb", planted)
    assert _run(db, AnalysisSettings(min_users=150)).success
    with duckdb.connect(str(db), read_only=True) as conn:
        shares = conn.sql("SELECT * FROM analysis_mode_shares").pl()
        small = shares.filter(pl.col("suppressed"))
        assert small.height > 0 and small["share"].is_null().all() and small["users"].is_null().all()
        assert (shares.filter(~pl.col("suppressed"))["users"] >= 150).all()
        recorded = conn.sql(
            "SELECT suppressed_cells FROM analysis_suppressions WHERE table_name = 'analysis_mode_shares'"
        ).fetchall()[0][0]
        assert recorded == small.height
        # Every published table is accounted for in analysis_suppressions, but the bookkeeping tables and the
        # validation checks, whose cells count postings or pairs of labels, not people.
        unsuppressed = {
            "analysis_samples",
            "analysis_suppressions",
            "analysis_pricer_validation",
            "analysis_label_checks",
            "analysis_label_confusion",
        }
        published = len({p.stem for p in warehouse.SCHEMA_DIR.glob("analysis_*.sql")} - unsuppressed)
        assert conn.sql("SELECT count(*) FROM analysis_suppressions").fetchall()[0][0] == published
    # A threshold above every cell hides every estimate.
    assert _run(db, AnalysisSettings(min_users=10**6)).success
    with duckdb.connect(str(db), read_only=True) as conn:
        assert (
            conn.sql(
                "SELECT count(*) FROM analysis_expertise_slopes WHERE slope IS NOT NULL OR NOT suppressed"
            ).fetchall()[0][0]
            == 0
        )
        assert conn.sql("SELECT count(*) FROM analysis_occupation_success WHERE rate IS NOT NULL").fetchall()[0][0] == 0


def test_one_persons_tables_hide_nothing(tmp_path, planted):
    """One person's sessions: nothing to protect, so no cell is suppressed; a mode absent in a month is a
    share of zero with its interval (it was hidden as a cell of fewer than k people)."""
    mine = planted.head(300).with_columns(user_key=pl.lit("me"))
    db = _warehouse(tmp_path / "w.duckdb", mine)
    assert _run(db, AnalysisSettings(min_users=10)).success
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.sql("SELECT sum(suppressed_cells) FROM analysis_suppressions").fetchall()[0][0] == 0
        absent = conn.sql("SELECT * FROM analysis_mode_shares WHERE users = 0").pl()
        assert absent.height > 0 and (absent["share"] == 0).all() and not absent["suppressed"].any()
        assert (absent["ci_low"] == 0).all() and (absent["ci_high"] > 0).all()


def test_gold_labels_give_agreement_and_confusion(tmp_path, planted):
    db = _warehouse(tmp_path / "w.duckdb", planted)
    gold = planted.head(500).select("session_id", "work_mode", "expertise", "outcome")
    # 50 work modes changed to another mode, 40 expertise levels moved one step: known disagreement.
    gold = (
        gold.with_row_index()
        .with_columns(
            work_mode=pl.when(pl.col("index") < 50)
            .then(pl.when(pl.col("work_mode") == "fix").then(pl.lit("build")).otherwise(pl.lit("fix")))
            .otherwise(pl.col("work_mode")),
            expertise=pl.when((pl.col("index") >= 100) & (pl.col("index") < 140) & pl.col("expertise").is_not_null())
            .then(pl.when(pl.col("expertise") == 5).then(4).otherwise(pl.col("expertise") + 1))
            .otherwise(pl.col("expertise")),
        )
        .drop("index")
    )
    path = tmp_path / "gold.csv"
    gold.write_csv(path)
    assert _run(db, AnalysisSettings(min_users=1, gold_labels=str(path)), selection=["classifier_validation"]).success
    with duckdb.connect(str(db), read_only=True) as conn:
        agreement = {
            row["label"]: row for row in conn.sql("SELECT * FROM analysis_gold_agreement").pl().iter_rows(named=True)
        }
        confusion = conn.sql("SELECT * FROM analysis_gold_confusion").pl()
    assert agreement["work_mode"]["sessions"] == 500 and agreement["work_mode"]["exact"] == pytest.approx(0.9)
    assert agreement["work_mode"]["adjacent"] is None  # a nominal label has no adjacency
    assert agreement["outcome"]["exact"] == 1.0 and agreement["outcome"]["kappa"] == pytest.approx(1.0)
    rated = agreement["expertise"]["sessions"]
    moved = gold.slice(100, 40)["expertise"].drop_nulls().len()
    assert agreement["expertise"]["exact"] == pytest.approx(1 - moved / rated)
    assert agreement["expertise"]["adjacent"] == 1.0 and 0.8 < agreement["expertise"]["weighted_kappa"] < 1.0
    # Each figure with its interval, resampling people; a nominal label has no weighted kappa to bound.
    for label, measure in [("work_mode", "exact"), ("work_mode", "kappa"), ("expertise", "weighted_kappa")]:
        row = agreement[label]
        assert row[f"{measure}_low"] < row[measure] < row[f"{measure}_high"]
    assert agreement["outcome"]["exact_low"] == agreement["outcome"]["exact_high"] == 1.0
    assert agreement["work_mode"]["weighted_kappa_low"] is None
    assert confusion.filter(pl.col("label") == "work_mode")["sessions"].sum() == 500
    assert (
        confusion.filter((pl.col("label") == "work_mode") & (pl.col("gold") != pl.col("predicted")))["sessions"].sum()
        == 50
    )


def test_an_analysis_table_of_an_older_shape_is_re_created(tmp_path, planted):
    """Tables an analysis replaces whole hold only its output: one from an older version, with other
    columns, is declared again rather than refused."""
    db = _warehouse(tmp_path / "w.duckdb", planted)
    with duckdb.connect(str(db)) as conn:
        conn.execute("DROP TABLE analysis_gold_agreement")
        conn.execute("CREATE TABLE analysis_gold_agreement (label VARCHAR, exact DOUBLE, suppressed BOOLEAN)")
        conn.execute("INSERT INTO analysis_gold_agreement VALUES ('stale', 0.5, false)")
    gold = planted.head(100).select("session_id", "work_mode")
    path = tmp_path / "gold.csv"
    gold.write_csv(path)
    assert _run(db, AnalysisSettings(min_users=1, gold_labels=str(path)), selection=["classifier_validation"]).success
    with duckdb.connect(str(db), read_only=True) as conn:
        rows = conn.sql("SELECT label, exact, exact_low FROM analysis_gold_agreement").fetchall()
    assert rows == [("work_mode", 1.0, 1.0)]


def test_a_shared_analysis_table_of_an_older_shape_keeps_the_other_analyses_rows(tmp_path):
    """The label checks share one table: re-declaring it for one check keeps the others' rows, their new
    columns empty until those checks run again."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        warehouse.ensure_schema(conn)
        conn.execute("ALTER TABLE analysis_label_checks DROP COLUMN kappa_low")
        conn.execute(
            "INSERT INTO analysis_label_checks (analysis, measure, scale, sessions, left_out_errors, exact) "
            "VALUES ('test_retest', 'work_mode', 'categorical', 10, 0, 0.9)"
        )
        row = dict.fromkeys(label_checks.AGREEMENT_SCHEMA) | {
            "analysis": "reference_agreement",
            "measure": "work_mode",
            "scale": "categorical",
            "sessions": 10,
            "left_out_errors": 0,
            "exact": 0.8,
            "kappa_low": 0.5,
        }
        checks = pl.DataFrame([row], schema=label_checks.AGREEMENT_SCHEMA)
        confusion = pl.DataFrame(schema=label_checks.CONFUSION_SCHEMA)
        keyed = {"analysis_label_checks": checks, "analysis_label_confusion": confusion}
        warehouse.replace_analysis(conn, "reference_agreement", {}, keyed)
        rows = conn.sql("SELECT analysis, exact, kappa_low FROM analysis_label_checks ORDER BY analysis").fetchall()
    assert rows == [("reference_agreement", 0.8, 0.5), ("test_retest", 0.9, None)]


def test_a_bad_gold_file_fails_with_the_reason(tmp_path, planted):
    db = _warehouse(tmp_path / "w.duckdb", planted)
    path = tmp_path / "gold.csv"
    pl.DataFrame({"session_id": ["a", "b"], "work_mode": ["fix", "debugging"]}).write_csv(path)
    result = _run(db, AnalysisSettings(gold_labels=str(path)), selection=["classifier_validation"])
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "outside its label set" in failure.description and "debugging" in failure.description


def test_labelled_sessions_the_warehouse_lacks_are_counted_and_a_set_matching_nothing_fails(tmp_path, planted):
    db = _warehouse(tmp_path / "w.duckdb", planted)
    ids = planted["session_id"].head(30).to_list()
    path = tmp_path / "gold.csv"
    pl.DataFrame({"session_id": ids + ["gone-1", "gone-2"], "outcome": ["succeeded"] * 32}).write_csv(path)
    assert _run(db, AnalysisSettings(min_users=1, gold_labels=str(path)), selection=["classifier_validation"]).success
    with duckdb.connect(str(db), read_only=True) as conn:
        row = conn.sql(
            "SELECT gold_sessions, sessions FROM analysis_gold_agreement WHERE label = 'outcome'"
        ).fetchall()[0]
    assert row == (32, 30)  # labelled, and of those in the warehouse to compare
    # Keyed another way: nothing matches, and the failure shows a key of each side.
    pl.DataFrame({"session_id": [f"alice/{i}" for i in ids], "outcome": ["succeeded"] * 30}).write_csv(path)
    result = _run(db, AnalysisSettings(min_users=1, gold_labels=str(path)), selection=["classifier_validation"])
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data.description
    assert "none of the 30 labelled sessions is in the warehouse" in failure and repr(f"alice/{ids[0]}") in failure


def test_a_set_keyed_by_files_under_another_root_says_so():
    gold = pl.DataFrame({"source_file": ["ana/projects/app/s1.jsonl"], "outcome": ["succeeded"]})
    message = validation.none_in_the_warehouse(gold, pl.Series(["projects/app/s1.jsonl"]))
    assert "'ana/projects/app/s1.jsonl'" in message and "'projects/app/s1.jsonl'" in message
    assert "the path under SESSIONLAB_SOURCE_DIR" in message
    assert validation.none_in_the_warehouse(gold, pl.Series(["ana/projects/app/s1.jsonl"])) is None


def test_an_empty_warehouse_says_what_to_do(tmp_path):
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as conn:
        warehouse.ensure_schema(conn)
    result = _run(db, AnalysisSettings(), selection=["composition_trends"])
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "session_measures is empty" in failure.description


def test_analysis_checks_are_reported(tmp_path, planted):
    db = _warehouse(tmp_path / "w.duckdb", planted)
    result = _run(db, AnalysisSettings(), selection=["composition_trends", "adjusted_success_rates"])
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"shares_sum_to_one": True, "specifications_estimated": True}


def test_a_failure_half_way_through_publishing_leaves_the_previous_tables(tmp_path, planted):
    db = _warehouse(tmp_path / "w.duckdb", planted)
    assert _run(db, AnalysisSettings(), selection=["division_of_labour"]).success
    tables = ("analysis_decision_shares", "analysis_decision_summary", "analysis_control_regimes", "analysis_samples")
    with duckdb.connect(str(db)) as conn:
        before = {t: conn.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        summary = conn.sql("SELECT * FROM analysis_decision_summary").pl()
        # The first table is replaced, then the second breaks its primary key: all of it must roll back.
        broken = pl.concat([summary, summary])
        with pytest.raises(duckdb.ConstraintException):
            warehouse.replace_analysis(
                conn,
                "division_of_labour",
                {
                    "analysis_decision_shares": conn.sql("SELECT * FROM analysis_decision_shares LIMIT 1").pl(),
                    "analysis_decision_summary": broken,
                },
                keyed={},
            )
        assert {t: conn.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables} == before
