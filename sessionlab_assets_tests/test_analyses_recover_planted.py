"""On the sample world's ground-truth labels (a perfect classifier), the analyses recover what the
world plants, each inside its 95% confidence interval: the adjusted success rates of Figure 5, the
work-mode composition and its shift from October to April, and the growth of activity per level."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sessionlab_assets.analyses import activity, adjusted_rates, composition
from sessionlab_assets.analyses.frame import restrict, with_cells
from sessionlab_assets.labels import WORK_MODES
from sessionlab_assets.sample import world

PLANTED_RATES = {
    "at_least_partial_success": world.AT_LEAST_PARTIAL,
    "judged_success": world.JUDGED_SUCCESS,
    "verified_success": world.VERIFIED_SUCCESS,
}


@pytest.fixture(scope="module")
def labelled() -> pl.DataFrame:
    return with_cells(world.as_labels(world.draw_world(world.WorldSize(sessions=60_000))))


def _inside(table: pl.DataFrame, planted) -> np.ndarray:
    return (table["ci_low"].to_numpy() <= planted) & (np.asarray(planted) <= table["ci_high"].to_numpy())


def test_figure5_all_sessions_recovers_the_planted_rates(labelled):
    rows = restrict(labelled, "adjusted_success_rates", adjusted_rates.SAMPLE_RULES)[0]
    figure = adjusted_rates.figure5(rows).filter(pl.col("panel") == "all")
    for outcome, planted in PLANTED_RATES.items():
        table = figure.filter(pl.col("outcome") == outcome).sort("expertise")
        assert table["expertise"].to_list() == [1, 2, 3, 4, 5]
        assert _inside(table, planted).all(), (outcome, table.select("expertise", "rate", "ci_low", "ci_high"))


def test_table_a1_preferred_slope_is_positive_and_specification_6_needs_telemetry(labelled):
    rows = restrict(labelled, "adjusted_success_rates", adjusted_rates.SAMPLE_RULES)[0]
    table = adjusted_rates.table_a1(rows)
    assert table["specification"].to_list() == [1, 2, 3, 4, 5, 6]
    preferred = table.filter(pl.col("specification") == 5).row(0, named=True)
    # The planted step function averaged over the level mix: a slope of a few points per level.
    assert 0.02 < preferred["slope"] < 0.06 and preferred["ci_low"] > 0
    assert table["r2"][4] > table["r2"][0]  # cells explain variation the raw slope leaves
    # The planted world has no model or duration telemetry (NULL): column 6 says so instead of vanishing.
    assert table["slope"][5] is None and "no rows to fit" in table["note"][5]


def test_composition_recovers_the_planted_shares_and_shift(labelled):
    rows = restrict(labelled, "composition_trends", composition.SAMPLE_RULES)[0]
    shares = composition.mode_shares(rows)
    first, last = world._month_mode_shares(0), world._month_mode_shares(len(world.MONTHS) - 1)
    for month, planted in (("2025-10", first), ("2026-04", last)):
        table = shares.filter(pl.col("month_label") == month).sort(
            pl.col("work_mode").replace_strict({m: i for i, m in enumerate(WORK_MODES)})
        )
        assert _inside(table, planted).all(), (month, table)
    change = composition.composition_change(rows).filter(pl.col("measure") == "share")
    planted_change = {m: last[i] - first[i] for i, m in enumerate(WORK_MODES)}
    planted_change["analyze + communicate"] = planted_change["analyze"] + planted_change["communicate"]
    for row in change.iter_rows(named=True):
        assert row["ci_low"] <= planted_change[row["category"]] <= row["ci_high"], row
    # The relative change (last / first - 1) too, from its own interval on the log scale.
    planted_first = {m: first[i] for i, m in enumerate(WORK_MODES)}
    planted_first["analyze + communicate"] = planted_first["analyze"] + planted_first["communicate"]
    for row in change.iter_rows(named=True):
        relative = planted_change[row["category"]] / planted_first[row["category"]]
        assert row["relative_ci_low"] <= relative <= row["relative_ci_high"], row
    fix = change.filter(pl.col("category") == "fix").row(0, named=True)
    assert fix["first_value"] == pytest.approx(0.33, abs=0.02) and fix["last_value"] == pytest.approx(0.19, abs=0.02)


def test_activity_growth_per_level_recovers_the_planted_gradient(labelled):
    rows = restrict(labelled, "expertise_activity", activity.SAMPLE_RULES)[0]
    # The world plants no model telemetry; every other control is there.
    table = activity.regressions(rows, [fe for fe in activity.FIXED_EFFECTS if fe != "model_tier"], poisson=False)
    planted = {
        "actions_per_prompt": np.log(world.ACTIONS_GEOMEAN[1] / world.ACTIONS_GEOMEAN[0]) / 4,
        "output_words_per_prompt": np.log(world.WORDS_GEOMEAN[1] / world.WORDS_GEOMEAN[0]) / 4,
    }
    for measure, log_step in planted.items():
        row = table.filter((pl.col("measure") == measure) & (pl.col("term") == "per level")).row(0, named=True)
        assert row["effect_ci_low"] <= np.expm1(log_step) <= row["effect_ci_high"], row


def test_a_relative_change_interval_stays_above_minus_100_percent():
    """One person's months: five sessions worth about $100 in the first, four worth a few dollars in the
    last. Scaling the change's interval by the first month's mean put its lower end at -249%; the
    interval on log(last / first) counts both months' error and stays inside (-100%, ...)."""
    rows = pl.DataFrame(
        {
            "month_label": ["2026-01"] * 5 + ["2026-06"] * 4,
            "work_mode": ["build"] * 9,
            "value_usd": [20.0, 40.0, 90.0, 150.0, 200.0, 1.0, 2.0, 3.0, 2.5],
            "user_key": [f"s{i}" for i in range(9)],
        }
    )
    row = (
        composition.composition_change(rows)
        .filter((pl.col("category") == "all") & (pl.col("measure") == "mean_value_usd"))
        .row(0, named=True)
    )
    assert row["relative_change"] == pytest.approx(2.125 / 100 - 1)
    assert row["ci_low"] / row["first_value"] < -1  # the old interval
    assert -1 < row["relative_ci_low"] < row["relative_change"] < row["relative_ci_high"] < 0


def test_a_change_has_no_interval_when_a_month_holds_a_single_cluster():
    """One person's months, the last holding one session: its mean has no clustered variance (CR1 gives 0),
    so the change's interval would carry the first month's error only ([-99.6%, -91.3%] on real sessions,
    for a change of -98%). The change is reported without an interval, and the row says why. A share's
    change likewise when the single cluster is one user's several sessions."""
    rows = pl.DataFrame(
        {
            "month_label": ["2026-01"] * 3 + ["2026-06"],
            "work_mode": ["build"] * 4,
            "value_usd": [2000.0, 3000.0, 4000.0, 60.0],
            "user_key": ["s1", "s2", "s3", "s4"],
        }
    )
    row = (
        composition.composition_change(rows)
        .filter((pl.col("category") == "all") & (pl.col("measure") == "mean_value_usd"))
        .row(0, named=True)
    )
    assert row["change"] == pytest.approx(60.0 - 3000.0)
    assert row["relative_change"] == pytest.approx(60.0 / 3000.0 - 1)
    assert [row[c] for c in ("se", "ci_low", "ci_high", "relative_ci_low", "relative_ci_high")] == [None] * 5
    assert row["note"].startswith("no CI: 2026-06 has a single cluster (a user; a session in one person's data)")
    # One more user in the last month, and the interval is back.
    two = pl.concat([rows, rows.tail(1).with_columns(user_key=pl.lit("s5"), value_usd=pl.lit(80.0))])
    row = (
        composition.composition_change(two)
        .filter((pl.col("category") == "all") & (pl.col("measure") == "mean_value_usd"))
        .row(0, named=True)
    )
    assert row["note"] is None and -1 < row["relative_ci_low"] < row["relative_change"] < row["relative_ci_high"]
    # A share likewise, when the single user has several sessions; one session keeps its interval at n = 1.
    several = rows.with_columns(
        user_key=pl.when(pl.col("month_label") == "2026-06").then(pl.lit("s4")).otherwise("user_key")
    )
    several = pl.concat([several, several.tail(1), several.tail(1)])
    for frame, has_interval in ((several, False), (rows, True)):
        share = (
            composition.composition_change(frame)
            .filter((pl.col("category") == "build") & (pl.col("measure") == "share"))
            .row(0, named=True)
        )
        assert share["change"] == pytest.approx(0.0, abs=1e-12)
        assert (share["ci_low"] is not None) == has_interval and (share["note"] is None) == has_interval


def test_one_month_or_no_session_has_no_change_to_estimate():
    """Sessions from a single month (one person's first run): the first month is the last, a change
    needs two, and each row says so (the regression of the value on `last_month` was collinear with its
    constant and failed the asset). No sessions at all (only headless ones): no rows."""
    rows = pl.DataFrame(
        {
            "month_label": ["2026-03"] * 30,
            "work_mode": ["build"] * 30,
            "value_usd": [100.0 + i for i in range(30)],
            "user_key": [f"s{i}" for i in range(30)],
        }
    )
    change = composition.composition_change(rows)
    assert (
        change.height > 0 and (change["first_month"] == "2026-03").all() and (change["last_month"] == "2026-03").all()
    )
    assert change["change"].is_null().all() and change["ci_low"].is_null().all()
    assert (change["note"] == "one month of sessions: no change to estimate").all()
    build = change.filter((pl.col("category") == "build") & (pl.col("measure") == "share")).row(0, named=True)
    assert build["first_value"] == build["last_value"] == 1.0
    empty = composition.composition_change(rows.clear())
    assert empty.height == 0 and empty.columns == change.columns and empty.schema == change.schema


def test_a_share_change_interval_is_wald_at_scale_and_not_a_point_on_a_few_sessions(labelled):
    """The change in a mode's share has a MOVER interval from the two months' Wilson intervals: with tens of
    thousands of sessions it is the Wald interval of the clustered OLS change; one person whose single
    first-month session and three last-month sessions are all operate got the point [0, 0] from Wald, and
    gets [-(1 - 3/(3+z²)), 1 - 1/(1+z²)] (each share's Wilson interval, uncorrelated as se is 0)."""
    rows = restrict(labelled, "composition_trends", composition.SAMPLE_RULES)[0]
    change = composition.composition_change(rows).filter(pl.col("measure") == "share")
    for row in change.iter_rows(named=True):
        assert row["ci_low"] == pytest.approx(row["change"] - 1.959964 * row["se"], abs=2e-3), row
        assert row["ci_high"] == pytest.approx(row["change"] + 1.959964 * row["se"], abs=2e-3), row
    few = pl.DataFrame(
        {
            "month_label": ["2026-01", "2026-06", "2026-06", "2026-06"],
            "work_mode": ["operate"] * 4,
            "value_usd": [100.0] * 4,
            "user_key": ["s1", "s2", "s3", "s4"],
        }
    )
    operate = (
        composition.composition_change(few)
        .filter((pl.col("category") == "operate") & (pl.col("measure") == "share"))
        .row(0, named=True)
    )
    z2 = 1.959964**2
    # A mode absent from both months: nobody in the cell, four people behind the comparison, and the change
    # of zero has its interval all the same.
    fix = composition.composition_change(few).filter((pl.col("category") == "fix") & (pl.col("measure") == "share"))
    assert fix.select("users", "month_users", "change").row(0) == (0, 4, 0.0) and fix["ci_high"][0] > 0
    assert operate["change"] == pytest.approx(0.0, abs=1e-12)
    assert operate["ci_low"] == pytest.approx(-(1 - 3 / (3 + z2)), rel=1e-5)
    assert operate["ci_high"] == pytest.approx(1 - 1 / (1 + z2), rel=1e-5)
