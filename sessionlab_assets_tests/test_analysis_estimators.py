"""The estimators agree with an independent implementation (pyfixest) on the same data:
|Δβ| < 1e-8 and relative ΔSE < 1e-6, for every specification of Table A1, the step function of
Table A2, the activity regressions and the Poisson check; and the adjusted-rate algebra holds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from sessionlab_assets.analyses import activity, adjusted_rates, estimators
from sessionlab_assets.analyses.frame import restrict, with_cells
from sessionlab_assets.sample import world

pf = pytest.importorskip("pyfixest")

BETA_TOLERANCE = 1e-8
SE_RELATIVE_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def sessions() -> pl.DataFrame:
    """Planted sessions plus the telemetry column 6 needs (model, duration, model calls), drawn at random:
    the cross-check is about the arithmetic, so any values do."""
    labelled = world.with_drawn_telemetry(
        world.as_labels(world.draw_world(world.WorldSize(sessions=8_000, seed=5))), seed=11
    )
    return restrict(with_cells(labelled), "test", adjusted_rates.SAMPLE_RULES)[0]


def _pyfixest(frame: pl.DataFrame, formula: str, columns: list[str], poisson: bool = False, **poisson_options):
    data = frame.select(*dict.fromkeys(columns)).drop_nulls().to_pandas()
    for column in data.columns:
        if data[column].dtype == object or column in ("value_band",):
            data[column] = data[column].astype(str)
    # CRV1 with every fixed-effect level counted in K: the same small-sample correction as AbsorbingLS(debiased=True).
    options = dict(
        vcov={"CRV1": "user_key"}, ssc=pf.ssc(k_adj=True, k_fixef="full", G_adj=True), fixef_rm="none", fixef_tol=1e-12
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if poisson:
            return pf.fepois(formula, data=data, iwls_tol=1e-12, **options, **poisson_options)
        return pf.feols(formula, data=data, **options)


def _formula(outcome: str, regressors: list[str], fixed_effects: tuple[str, ...]) -> str:
    right = " + ".join(regressors) if regressors else "1"
    return f"{outcome} ~ {right}" + (f" | {' + '.join(fixed_effects)}" if fixed_effects else "")


def _assert_agree(fit: estimators.Fit, reference, names: list[str]) -> None:
    for name in names:
        beta, se = fit.coefficient(name)
        assert abs(beta - reference.coef()[name]) < BETA_TOLERANCE, name
        assert abs(se / reference.se()[name] - 1) < SE_RELATIVE_TOLERANCE, name
    assert fit.nobs == reference._N


@pytest.mark.parametrize("number", sorted(adjusted_rates.SPECIFICATIONS))
def test_table_a1_slopes_agree_with_pyfixest(sessions, number):
    spec = adjusted_rates.SPECIFICATIONS[number]
    row, fit = adjusted_rates.expertise_slope(sessions, spec)
    regressors = ["expertise", *spec.controls]
    frame = sessions.with_columns(pl.col("verified_success").cast(pl.Float64))
    reference = _pyfixest(
        frame,
        _formula("verified_success", regressors, spec.fixed_effects),
        ["verified_success", *regressors, *spec.fixed_effects, "user_key"],
    )
    _assert_agree(fit, reference, regressors)
    assert row["users"] == sessions["user_key"].n_unique()


def test_step_function_agrees_with_pyfixest(sessions):
    spec = adjusted_rates.PREFERRED
    _, fit = adjusted_rates.adjusted_rates(sessions, spec)
    dummies = [f"level_{lv}" for lv in range(2, 6)]
    frame = sessions.with_columns(
        pl.col("verified_success").cast(pl.Float64),
        *((pl.col("expertise") == lv).cast(pl.Float64).alias(f"level_{lv}") for lv in range(2, 6)),
    )
    reference = _pyfixest(
        frame,
        _formula("verified_success", dummies, spec.fixed_effects),
        ["verified_success", *dummies, *spec.fixed_effects, "user_key"],
    )
    _assert_agree(fit, reference, dummies)


@pytest.mark.parametrize("number", [5, 6])
def test_adjusted_rates_are_recycled_predictions(sessions, number):
    """rate_k = ȳ + β_k − Σ_j p_j β_j, with or without controls."""
    table, fit = adjusted_rates.adjusted_rates(sessions, adjusted_rates.SPECIFICATIONS[number])
    y_bar = sessions["verified_success"].cast(pl.Float64).mean()
    betas = {lv: (fit.params[f"level_{lv}"] if lv > 1 else 0.0) for lv in range(1, 6)}
    shares = dict(zip(table["expertise"], table["share"], strict=True))
    weighted = sum(shares[lv] * betas[lv] for lv in betas)
    for lv, rate in zip(table["expertise"], table["rate"], strict=True):
        assert rate == pytest.approx(y_bar + betas[lv] - weighted, abs=1e-10)


def test_without_fixed_effects_adjusted_rates_are_level_means(sessions):
    table, _ = adjusted_rates.adjusted_rates(sessions, adjusted_rates.SPECIFICATIONS[1])
    means = estimators.clustered_means(sessions, "verified_success", ["expertise"])
    assert np.allclose(table["rate"].to_numpy(), table["raw_rate"].to_numpy(), atol=1e-12)
    assert np.allclose(table["rate"].to_numpy(), means["mean"].to_numpy(), atol=1e-12)
    # Same clustered variance; only the small-sample factors differ: the regression's G/(G-1) counts all
    # users and its (N-1)/(N-K) five parameters, the cell mean's counts the level's users and one.
    assert np.allclose(table["se"].to_numpy(), means["se"].to_numpy(), rtol=1e-2)


def test_clustered_mean_is_ols_on_a_constant(sessions):
    means = estimators.clustered_means(sessions.with_columns(cell=pl.lit("all")), "verified_success", ["cell"])
    fit = estimators.fit_ols(sessions, "verified_success", [])
    mean, se = fit.coefficient("const")
    assert means["mean"][0] == pytest.approx(mean, abs=1e-12)
    assert means["se"][0] == pytest.approx(se, rel=1e-9)


def test_a_proportion_interval_stays_inside_zero_and_one(sessions):
    """A share's CI is the Wilson interval at the design-effect sample size: four of four sessions give
    [n/(n+z²), 1] (Wald gave the point [1, 1]); one of five stays above 0 (Wald went below); and with
    thousands of sessions it is the Wald interval."""
    z = estimators.z_value()
    few = pl.DataFrame(
        {"cell": ["a"] * 4 + ["b"] * 5, "y": [1.0] * 4 + [1.0, 0, 0, 0, 0], "user_key": list("123456789")}
    )
    shares = estimators.clustered_means(few, "y", ["cell"], proportion=True)
    wald = estimators.clustered_means(few, "y", ["cell"])
    assert shares["ci_low"][0] == pytest.approx(4 / (4 + z**2)) and shares["ci_high"][0] == 1.0
    assert wald["ci_low"][0] == wald["ci_high"][0] == 1.0
    assert wald["ci_low"][1] < 0 < shares["ci_low"][1] < 0.2 < shares["ci_high"][1] < 1
    assert shares["se"].to_list() == wald["se"].to_list()  # the standard error is the clustered one either way
    frame = sessions.with_columns(cell=pl.lit("all"))
    large = estimators.clustered_means(frame, "verified_success", ["cell"], proportion=True)
    large_wald = estimators.clustered_means(frame, "verified_success", ["cell"])
    assert large["ci_low"][0] == pytest.approx(large_wald["ci_low"][0], abs=5e-4)
    assert large["ci_high"][0] == pytest.approx(large_wald["ci_high"][0], abs=5e-4)
    one_person = few.with_columns(user_key=pl.lit("me"))
    assert estimators.clustered_means(one_person, "y", ["cell"], proportion=True)["ci_low"].is_null().all()
    # A single session is one 0/1 observation: the Wilson interval at n = 1, e.g. [0, z²/(1 + z²)] for a 0.
    single = estimators.clustered_means(few.head(1).with_columns(y=pl.lit(0.0)), "y", ["cell"], proportion=True)
    assert single["se"][0] is None and single["ci_low"][0] == 0.0
    assert single["ci_high"][0] == pytest.approx(z**2 / (1 + z**2))
    # Every share of all or none holds its point exactly, whatever the count (at 30 of 30 the upper end was
    # 0.9999999999999999: an error bar of negative length, which the report's figure refused to draw).
    counts = np.arange(1, 500, dtype=float)
    low, high = estimators.wilson_interval(np.ones_like(counts), np.zeros_like(counts), counts, z)
    assert (high == 1.0).all() and (low < 1.0).all()
    low, high = estimators.wilson_interval(np.zeros_like(counts), np.zeros_like(counts), counts, z)
    assert (low == 0.0).all() and (high > 0.0).all()


def test_activity_regressions_agree_with_pyfixest(sessions):
    fixed_effects = activity.FIXED_EFFECTS
    table = activity.regressions(sessions, fixed_effects)
    for measure in activity.MEASURES:
        logged = sessions.filter(pl.col(measure) > 0).with_columns(pl.col(measure).log().alias("log_measure"))
        ols = _pyfixest(
            logged,
            _formula("log_measure", ["expertise"], fixed_effects),
            ["log_measure", "expertise", *fixed_effects, "user_key"],
        )
        row = table.filter(
            (pl.col("measure") == measure) & (pl.col("estimator") == "log-linear OLS") & (pl.col("term") == "per level")
        ).row(0, named=True)
        assert abs(row["coefficient"] - ols.coef()["expertise"]) < BETA_TOLERANCE
        assert abs(row["se"] / ols.se()["expertise"] - 1) < SE_RELATIVE_TOLERANCE
        assert row["effect"] == pytest.approx(np.expm1(row["coefficient"]))

        poisson = _pyfixest(
            sessions,
            _formula(measure, ["expertise"], fixed_effects),
            [measure, "expertise", *fixed_effects, "user_key"],
            poisson=True,
        )
        row = table.filter((pl.col("measure") == measure) & (pl.col("estimator") == "Poisson pseudo-ML")).row(
            0, named=True
        )
        assert abs(row["coefficient"] - poisson.coef()["expertise"]) < BETA_TOLERANCE
        assert abs(row["se"] / poisson.se()["expertise"] - 1) < SE_RELATIVE_TOLERANCE


def test_adjacent_steps_add_up_to_the_whole_gradient(sessions):
    table = activity.regressions(sessions, activity.FIXED_EFFECTS, poisson=False)
    for measure in activity.MEASURES:
        steps = table.filter((pl.col("measure") == measure) & pl.col("term").str.starts_with("level"))
        assert steps["term"].to_list() == ["level 1 to 2", "level 2 to 3", "level 3 to 4", "level 4 to 5"]
        dummies = sessions.filter(pl.col(measure) > 0).with_columns(
            pl.col(measure).log().alias("log_measure"),
            *((pl.col("expertise") == lv).cast(pl.Float64).alias(f"level_{lv}") for lv in range(2, 6)),
        )
        fit = estimators.fit_ols(dummies, "log_measure", [f"level_{lv}" for lv in range(2, 6)], activity.FIXED_EFFECTS)
        assert steps["coefficient"].sum() == pytest.approx(fit.params["level_5"], abs=1e-12)


def test_clustered_covariance_equals_linearmodels_own():
    """The covariance computed from the absorbed design equals linearmodels' `cov_type="clustered",
    debiased=True` (its looped implementation, not patched), with and without absorbed effects."""
    from linearmodels.iv.absorbing import AbsorbingLS

    rng = np.random.default_rng(4)
    n = 3_000
    frame = pl.DataFrame(
        {
            "y": rng.standard_normal(n),
            "x": rng.standard_normal(n),
            "fe": rng.integers(0, 40, n),
            "user_key": rng.integers(0, 600, n),
        }
    )
    for fixed_effects in ((), ("fe",)):
        fit = estimators.fit_ols(frame, "y", ["x"], fixed_effects)
        absorb = pd.DataFrame({"fe": pd.Categorical(frame["fe"].to_numpy())}) if fixed_effects else None
        exog = pd.DataFrame({"const": np.ones(n), "x": frame["x"].to_numpy()})
        reference = AbsorbingLS(pd.Series(frame["y"].to_numpy()), exog, absorb=absorb).fit(
            cov_type="clustered", clusters=frame["user_key"].to_numpy(), debiased=True
        )
        assert np.allclose(fit.cov.loc["x", "x"], reference.cov.loc["x", "x"], rtol=1e-8)
        assert np.allclose(fit.params["x"], reference.params["x"], rtol=1e-8)
    with pytest.raises(ValueError, match="two clusters"):
        estimators.cov_cluster(rng.standard_normal((50, 2)), np.zeros(50))


def _small_poisson_frame(n: int = 400, seed: int = 8) -> pl.DataFrame:
    """A few hundred sessions, as one person's warehouse holds: counts with cells small enough to be
    all zero, and each session its own cluster."""
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame(
        {
            "expertise": rng.integers(1, 6, n).astype(float),
            "mode": rng.choice(["build", "fix", "operate", "plan"], n),
            "month": rng.choice([f"2026-{m:02d}" for m in range(1, 7)], n),
            "user_key": [f"s{i}" for i in range(n)],
        }
    )
    return frame.with_columns(actions=pl.Series(rng.poisson(np.exp(0.3 + 0.1 * frame["expertise"].to_numpy()))))


def test_poisson_leaves_out_separated_cells_as_pyfixest_does():
    """A fixed-effect cell whose outcome is all zero would send its dummy to minus infinity (the fit
    failed with a singular matrix and an overflow warning): its rows are left out, the note says how
    many, and the estimate and its clustered SE equal pyfixest's fepois with `separation_check=["fe"]`."""
    frame = _small_poisson_frame().with_columns(
        mode=pl.when(pl.arange(0, pl.len()) < 6).then(pl.lit("communicate")).otherwise(pl.col("mode")),
    )
    frame = frame.with_columns(actions=pl.when(pl.col("mode") == "communicate").then(0).otherwise(pl.col("actions")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = estimators.fit_poisson(frame, "actions", ["expertise"], ["mode", "month"])
    reference = _pyfixest(
        frame,
        "actions ~ expertise | mode + month",
        ["actions", "expertise", "mode", "month", "user_key"],
        poisson=True,
        separation_check=["fe"],
    )
    assert fit.separated_rows == 6 and fit.nobs == reference._N == frame.height - 6
    assert fit.note == "6 rows in fixed-effect cells whose outcome is all zero left out"
    _assert_agree(fit, reference, ["expertise"])


def test_poisson_leaves_out_dummies_the_other_effects_already_span():
    """Two effects whose cells coincide (in a small sample one month can be one model's only month): the
    second's dummies are left out and named, and the fit equals the fit with the first effect alone. A
    regressor the effects absorb cannot be estimated, and the error says which."""
    frame = _small_poisson_frame().with_columns(month_copy=pl.col("month") + "-again")
    fit = estimators.fit_poisson(frame, "actions", ["expertise"], ["mode", "month", "month_copy"])
    alone = estimators.fit_poisson(frame, "actions", ["expertise"], ["mode", "month"])
    assert fit.collinear_columns == tuple(f"month_copy[{c}]" for c in range(1, 6))
    assert fit.note == "5 collinear dummies left out"
    assert fit.coefficient("expertise") == pytest.approx(alone.coefficient("expertise"), rel=1e-9)
    with pytest.raises(estimators.NOT_ESTIMABLE, match="expertise cannot be told apart"):
        estimators.fit_poisson(frame.with_columns(level=pl.col("expertise")), "actions", ["expertise"], ["level"])


def test_a_model_the_rows_cannot_support_is_noted_in_one_line():
    """linearmodels explains an absorbed regressor over a dozen lines; a table's note keeps one line with
    the variables it names."""
    frame = _small_poisson_frame().with_columns(level=pl.col("expertise").cast(pl.Utf8), y=pl.col("actions") * 1.0)
    with pytest.raises(estimators.NOT_ESTIMABLE) as raised:
        estimators.fit_ols(frame, "y", ["expertise"], ["level"])
    note = estimators.not_estimated(raised.value)
    assert "\n" not in note and note.startswith("not estimated: absorbed by the fixed effects") and "expertise" in note
    assert estimators.not_estimated(ValueError("no rows to fit\nmore")) == "not estimated: no rows to fit"
