"""The pricer's holdout check: disjoint from the calibration set, the report's metrics, through the ledger."""

from __future__ import annotations

import dagster as dg
import duckdb
import numpy as np
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.classify import calibration
from sessionlab_assets.classify.pricer_validation import holdout_postings, pricer_validation, validation_table
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets_tests.fake_anthropic import FakeAnthropic


def test_the_holdout_is_disjoint_from_the_calibration_set_and_tier_balanced(freelance_postings):
    holdout = holdout_postings(freelance_postings)
    used = calibration.calibration_set().select("title", "price_usd")
    assert holdout.join(used, on=["title", "price_usd"], how="inner").height == 0
    # The postings file (conftest) is the calibration set and ten more postings a tier.
    assert holdout.group_by("tier").len().sort("tier")["len"].to_list() == [10, 10, 10, 10]


def test_the_metrics_are_the_reports():
    rng = np.random.default_rng(1)
    actual = np.exp(rng.uniform(np.log(10), np.log(50_000), 400))
    frame = pl.DataFrame({"price_usd": actual, "predicted_usd": 2 * actual, "tier": _tiers(actual)})
    table = validation_table(frame, draws=50)
    overall = table.row(0, named=True)
    assert overall["tier"] == "overall" and overall["log_r2"] == pytest.approx(1.0)
    assert overall["bias"] == pytest.approx(2.0) and overall["bias_low"] == pytest.approx(2.0)
    assert overall["median_predicted"] == pytest.approx(2 * overall["median_actual"])
    assert table["tier"].to_list() == ["overall", "1", "2", "3", "4"]


def _tiers(prices: np.ndarray) -> list[int]:
    return [1 if p < 200 else 2 if p < 1_000 else 3 if p < 5_000 else 4 for p in prices]


def _run(db, settings):
    return dg.materialize(
        [pricer_validation],
        raise_on_error=False,
        resources={"warehouse_db": DuckDBResource(database=str(db)), "classifier_settings": settings},
    )


def test_offline_the_constant_heuristic_price_is_reported_as_such(tmp_path, freelance_postings):
    db = tmp_path / "w.duckdb"
    assert _run(db, ClassifierSettings(backend_name="heuristic", freelance_csv=str(freelance_postings))).success
    with duckdb.connect(str(db)) as conn:
        rows = conn.sql("SELECT tier, priced, log_r2, note, backend FROM analysis_pricer_validation").fetchall()
    assert len(rows) == 5 and all(r[1] > 0 and r[2] is None and "do not vary" in r[3] for r in rows)
    assert {r[4] for r in rows} == {"heuristic"}


def test_through_the_fake_server_every_posting_is_priced_once_by_the_price_model(tmp_path, freelance_postings):
    db = tmp_path / "w.duckdb"
    with FakeAnthropic() as fake:
        settings = ClassifierSettings(
            api_key="test-key",
            base_url=fake.base_url,
            mode="realtime",
            max_retries=0,
            freelance_csv=str(freelance_postings),
        )
        first = _run(db, settings)
        calls = len(fake.message_bodies())
        second = _run(db, settings)
        again = len(fake.message_bodies()) - calls
    assert first.success and second.success
    assert calls == 40 and again == 0  # the second run reads the ledger
    bodies = fake.message_bodies()
    assert {b["model"] for b in bodies} == {"claude-opus-4-7"} and all("temperature" not in b for b in bodies)
    with duckdb.connect(str(db)) as conn:
        priced, model = conn.sql(
            "SELECT priced, model FROM analysis_pricer_validation WHERE tier = 'overall'"
        ).fetchall()[0]
    assert priced == 40 and model == "claude-opus-4-7"


def test_a_dry_run_costs_the_holdout_and_calls_nothing(tmp_path, freelance_postings):
    with FakeAnthropic() as fake:
        settings = ClassifierSettings(
            api_key="test-key", base_url=fake.base_url, dry_run=True, freelance_csv=str(freelance_postings)
        )
        result = _run(tmp_path / "w.duckdb", settings)
        assert not fake.message_bodies()
    assert not result.success and "Dry run: pricing 40 holdout postings" in str(result.all_events)
