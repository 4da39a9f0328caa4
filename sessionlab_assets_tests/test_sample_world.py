"""The planted world of the sample corpus matches the report's published marginals."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sessionlab_assets import derived
from sessionlab_assets.analyses.adjusted_rates import SAMPLE_RULES, SPECIFICATIONS, adjusted_rates
from sessionlab_assets.analyses.frame import restrict, with_cells
from sessionlab_assets.labels import SOC_MAJOR_GROUPS, WORK_MODES
from sessionlab_assets.sample import world


@pytest.fixture(scope="module")
def truth() -> pl.DataFrame:
    return world.draw_world(world.WorldSize(sessions=60_000))


def test_deterministic_for_a_seed():
    a = world.draw_world(world.WorldSize(sessions=500, seed=3))
    b = world.draw_world(world.WorldSize(sessions=500, seed=3))
    assert a.equals(b)
    assert not a.equals(world.draw_world(world.WorldSize(sessions=500, seed=4)))


def test_label_sets_are_the_shared_ones(truth):
    assert set(world.USER_OCCUPATIONS) <= set(SOC_MAJOR_GROUPS)
    assert set(world.MODE_SHARES_OCT) == set(world.MODE_SHARES_APR) == set(WORK_MODES)
    assert set(truth["work_mode"].unique()) <= set(WORK_MODES)


def _mode_share(truth, month_index, modes):
    month = truth.filter(pl.col("month") == world.MONTHS[month_index])
    return month["work_mode"].is_in(modes).mean()


def test_monthly_mode_composition(truth):
    assert _mode_share(truth, 0, ["fix"]) == pytest.approx(0.33, abs=0.02)
    assert _mode_share(truth, 6, ["fix"]) == pytest.approx(0.19, abs=0.02)
    assert _mode_share(truth, 0, ["operate"]) == pytest.approx(0.14, abs=0.02)
    assert _mode_share(truth, 6, ["operate"]) == pytest.approx(0.21, abs=0.02)
    assert _mode_share(truth, 0, ["analyze", "communicate"]) == pytest.approx(0.10, abs=0.02)
    assert _mode_share(truth, 6, ["analyze", "communicate"]) == pytest.approx(0.23, abs=0.02)


def test_expertise_distribution(truth):
    shares = truth["expertise"].value_counts(normalize=True).sort("expertise")["proportion"].to_numpy()
    # Sessions cluster within users (levels persist), so the tolerance is wider than binomial noise.
    assert np.allclose(shares, world.EXPERTISE_SHARES, atol=0.015)


def test_decision_shares(truth):
    assert truth["user_planning_share"].mean() == pytest.approx(0.70, abs=0.02)
    assert truth["user_execution_share"].mean() == pytest.approx(0.20, abs=0.02)
    agent_execution = 1 - truth["user_execution_share"]
    assert (agent_execution >= 0.9).mean() == pytest.approx(0.5, abs=0.05)


def test_activity_per_prompt_by_level(truth):
    # Geometric means are over sessions with at least one action (a few pure-conversation sessions have none).
    geomeans = (
        truth.filter(pl.col("tool_calls") > 0)
        .group_by("expertise")
        .agg(
            pl.col("actions_per_prompt").log().mean().exp().alias("actions"),
            pl.col("words_per_prompt").log().mean().exp().alias("words"),
        )
        .sort("expertise")
    )
    assert geomeans["actions"][0] == pytest.approx(4.9, rel=0.12)
    assert geomeans["actions"][4] == pytest.approx(11.7, rel=0.05)
    assert geomeans["words"][0] == pytest.approx(607, rel=0.12)
    assert geomeans["words"][4] == pytest.approx(3200, rel=0.05)


def test_judged_outcomes_by_level(truth):
    rated = truth.filter(pl.col("outcome") != "no_clear_goal").with_columns(
        derived.judged_success, derived.at_least_partial_success
    )
    rates = (
        rated.group_by("expertise").agg(pl.col("judged_success", "at_least_partial_success").mean()).sort("expertise")
    )
    assert np.allclose(rates["judged_success"].to_numpy()[1:], world.JUDGED_SUCCESS[1:], atol=0.015)
    assert np.allclose(rates["at_least_partial_success"].to_numpy()[1:], world.AT_LEAST_PARTIAL[1:], atol=0.015)


@pytest.fixture(scope="module")
def regression_sample(truth) -> pl.DataFrame:
    return restrict(with_cells(world.as_labels(truth)), "adjusted_rates", SAMPLE_RULES)[0]


def test_without_fixed_effects_the_rates_are_confounded(regression_sample):
    """Experts take larger jobs, which verify less often: raw rates understate them, so the fixed
    effects are doing work the test above relies on."""
    raw = adjusted_rates(regression_sample, SPECIFICATIONS[1])[0]
    adjusted = adjusted_rates(regression_sample, SPECIFICATIONS[5])[0]
    assert raw["rate"][4] < world.VERIFIED_SUCCESS[4] - 0.005
    assert raw["rate"][4] < adjusted["rate"][4]


def test_value_rises_oct_to_apr(truth):
    by_month = truth.group_by("month").agg(pl.col("value_usd").mean()).sort("month")["value_usd"].to_numpy()
    assert by_month[-1] / by_month[0] - 1 == pytest.approx(0.27, abs=0.12)


def test_sessions_per_user_are_heavy_tailed(truth):
    per_user = truth.group_by("user_index").len()["len"]
    assert 1.5 < per_user.mean() < 2.5
    assert per_user.max() >= 50


def test_value_tiers_follow_the_shared_tier_edges(truth):
    from sessionlab_assets.labels import value_tier

    assert [int(value_tier(v)) for v in (10.0, 199.99, 200.0, 999.0, 1_000.0, 4_999.0, 5_000.0, 50_000.0)] == [
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    assert truth["value_tier"].to_list() == value_tier(truth["value_usd"].to_numpy()).tolist()


def test_sessions_that_hit_trouble(truth):
    """Figure 5, right panel: among sessions that hit trouble, levels 1 -> 5."""
    trouble = truth.filter((pl.col("outcome") != "no_clear_goal") & (pl.col("failure_signal") >= 3)).with_columns(
        derived.at_least_partial_success,
        derived.judged_success,
        derived.verified_success,
        abandoned=(pl.col("outcome") == "failed") & ~pl.col("wrote_code"),
    )
    rates = (
        trouble.group_by("expertise")
        .agg(pl.col("at_least_partial_success", "judged_success", "verified_success", "abandoned").mean())
        .sort("expertise")
    )
    first, last = rates.row(0, named=True), rates.row(4, named=True)
    assert first["at_least_partial_success"] == pytest.approx(0.60, abs=0.06) and last[
        "at_least_partial_success"
    ] == pytest.approx(0.80, abs=0.04)
    assert first["judged_success"] == pytest.approx(0.10, abs=0.05) and last["judged_success"] == pytest.approx(
        0.27, abs=0.04
    )
    assert first["verified_success"] == pytest.approx(0.04, abs=0.04) and last["verified_success"] == pytest.approx(
        0.15, abs=0.03
    )
    assert first["abandoned"] == pytest.approx(0.19, abs=0.06)
    assert all(0.03 <= a <= 0.08 for a in rates["abandoned"].to_list()[1:])


def test_signal_strength_tracks_judged_success(truth):
    """Validation targets: P(succeeded) rises ~13% -> 90% over success signal 1 -> 5, falls ~85% -> 3% over failure
    signal 1 -> 5."""
    rated = truth.filter(pl.col("outcome") != "no_clear_goal").with_columns(derived.judged_success)
    by_success = dict(rated.group_by("success_signal").agg(pl.col("judged_success").mean()).iter_rows())
    by_failure = dict(rated.group_by("failure_signal").agg(pl.col("judged_success").mean()).iter_rows())
    assert by_success[1] == pytest.approx(0.13, abs=0.05) and by_success[5] == pytest.approx(0.90, abs=0.06)
    assert by_failure[1] == pytest.approx(0.85, abs=0.08) and by_failure[5] == pytest.approx(0.03, abs=0.04)
