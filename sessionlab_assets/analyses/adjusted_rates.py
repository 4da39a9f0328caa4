"""Adjusted success rates by expertise (the report's Table A1/A2 and Figure 5).

Estimator: OLS linear probability model of a 0/1 outcome on expertise-level dummies (level 1 is the
reference), with the fixed effects of the chosen specification absorbed by linearmodels'
`AbsorbingLS` (LSMR). Covariance: clustered by user, with the small-sample correction
(`debiased=True`: (G/(G-1))·((N-1)/(N-K)) with K counting absorbed effects).

Adjusted rate of level k, by recycled predictions: the mean outcome if every session had level k and
kept its own fixed effects, which for a linear model is  ȳ + β_k − Σ_j p_j β_j  (p_j the sample share of
level j, β_1 = 0). With the intercept the absorbing estimator reports, that equals const + β_k, so the
delta-method standard error is Var(const + β_k) from the clustered covariance, which carries the
sampling variance of ȳ (holding ȳ fixed understates the error for the large levels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
from linearmodels.iv.absorbing import AbsorbingLS, AbsorbingLSResults
from scipy import stats

from sessionlab_assets.labels import EXPERTISE_LEVELS

# Fixed effects of the report's cumulative specifications (columns 1-5; column 5 is preferred).
# Column 6 adds model tier x session-length cells and log controls, which need telemetry columns.
SPECIFICATIONS: dict[int, tuple[str, ...]] = {
    1: (),
    2: ("work_mode_by_value_band",),
    3: ("work_mode_by_value_band", "month"),
    4: ("work_mode_by_value_band", "month", "occupation_work"),
    5: ("work_mode_by_value_band", "month", "occupation_work", "occupation_user"),
}
UNCLEAR = "unclear"


@dataclass(frozen=True)
class AdjustedRates:
    outcome: str
    fixed_effects: tuple[str, ...]
    estimator: str
    covariance: str
    nobs: int
    clusters: int
    rates: pl.DataFrame  # level, sessions, share, rate, se, ci_low, ci_high
    result: AbsorbingLSResults  # the fitted model, for inspection


def regression_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows the report's success analyses use, with the cell columns the specifications name.

    Excludes sessions with no clear goal and with unclear expertise; an unclear user-profile
    occupation is its own category (it is a fixed effect, not an exclusion).
    """
    return frame.filter(
        (pl.col("outcome") != "no_clear_goal") & pl.col("expertise").is_not_null()
    ).with_columns(
        work_mode_by_value_band=pl.concat_str(pl.col("work_mode"), pl.col("value_band").cast(pl.Utf8), separator=" x "),
        occupation_user=pl.col("occupation_user").fill_null(UNCLEAR),
        month=pl.col("month").cast(pl.Utf8),
    )


def adjusted_rates_by_level(frame: pl.DataFrame, outcome: str, fixed_effects: Sequence[str], cluster: str = "user_key",
                            level: str = "expertise", confidence: float = 0.95) -> AdjustedRates:
    """Fit the step-function model of `outcome` on expertise levels and return recycled-prediction rates.

    `frame` must already be restricted to the analysis sample (see `regression_frame`)."""
    missing = [c for c in (outcome, level, cluster, *fixed_effects) if c not in frame.columns]
    if missing:
        raise KeyError(f"columns missing for the regression: {missing}")
    data = frame.select(outcome, level, cluster, *fixed_effects).drop_nulls()
    if data.height == 0:
        raise ValueError("no rows to fit")
    levels = [lv for lv in EXPERTISE_LEVELS if lv in set(data[level].to_list())]
    y = data[outcome].cast(pl.Float64).to_numpy()
    level_values = data[level].to_numpy()
    dummies = {f"level_{lv}": (level_values == lv).astype(float) for lv in levels[1:]}
    exog = pd.DataFrame({"const": np.ones(data.height), **dummies})
    absorb = pd.DataFrame({fe: pd.Categorical(data[fe].cast(pl.Utf8).to_numpy()) for fe in fixed_effects}) if fixed_effects else None
    clusters = pd.Categorical(data[cluster].cast(pl.Utf8).to_numpy()).codes
    model = AbsorbingLS(y, exog, absorb=absorb, drop_absorbed=False)
    result = model.fit(cov_type="clustered", clusters=clusters, debiased=True, method="lsmr" if fixed_effects else "auto")

    # With an intercept, ȳ = const + Σ_j p_j β_j exactly, so the recycled prediction ȳ + β_k − Σ_j p_j β_j
    # is const + β_k; its delta-method variance then includes the sampling variance of ȳ.
    names = ["const"] + list(dummies)
    params = result.params[names].to_numpy()
    cov = result.cov.loc[names, names].to_numpy()
    counts = np.array([(level_values == lv).sum() for lv in levels])
    z = stats.norm.ppf(0.5 + confidence / 2)
    rows = []
    for index, lv in enumerate(levels):
        contrast = np.zeros(len(names))
        contrast[0] = 1.0
        if index > 0:
            contrast[index] = 1.0
        rate = float(contrast @ params)
        se = float(np.sqrt(contrast @ cov @ contrast))
        rows.append({"level": lv, "sessions": int(counts[index]), "share": float(counts[index] / counts.sum()), "rate": rate,
                     "se": se, "ci_low": rate - z * se, "ci_high": rate + z * se})
    return AdjustedRates(
        outcome=outcome, fixed_effects=tuple(fixed_effects),
        estimator="OLS linear probability model; fixed effects absorbed by AbsorbingLS (LSMR)",
        covariance="clustered by user; small-sample corrected (debiased)",
        nobs=int(result.nobs), clusters=int(len(np.unique(clusters))), rates=pl.DataFrame(rows), result=result,
    )
