"""Expertise and activity per prompt (the report's Figure 3): actions and output words per prompt by
expertise level, and how they grow per level with controls.

- Box statistics per level: 5th, 25th, 50th, 75th, 95th percentiles and the geometric mean (over
  sessions with a positive value; the sessions at zero are counted, not hidden).
- Log-linear OLS of ln(measure) on expertise (1-5) with work mode, value band, month, user occupation
  and model fixed effects, clustered by user: the effect per level is exp(b) − 1. The step between
  adjacent levels comes from the same model with level dummies.
- Robustness: Poisson pseudo-ML of the measure itself (zeros included), effect exp(b) − 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy import stats

from sessionlab_assets.analyses.estimators import (
    CONFIDENCE,
    NOT_ESTIMABLE,
    fit_ols,
    fit_poisson,
    not_estimated,
    z_value,
)
from sessionlab_assets.analyses.frame import EXPERTISE_RATED, NOT_HEADLESS, labelled
from sessionlab_assets.labels import EXPERTISE_LEVELS

MEASURES = ("actions_per_prompt", "output_words_per_prompt")
FIXED_EFFECTS = ("work_mode", "value_band", "month_label", "occupation_user_group", "model_tier")
SAMPLE_RULES = (
    NOT_HEADLESS,
    EXPERTISE_RATED,
    labelled("work_mode", "value_tier", "actions_per_prompt", "output_words_per_prompt"),
)
PERCENTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# The columns of a regression row (sql/schema/analysis_activity_regressions.sql, less the suppression flag).
REGRESSIONS_SCHEMA = {
    "measure": pl.Utf8,
    "estimator": pl.Utf8,
    "term": pl.Utf8,
    **{c: pl.Float64 for c in ("coefficient", "se", "effect", "effect_ci_low", "effect_ci_high", "p_value")},
    "sessions": pl.Int64,
    "users": pl.Int64,
    "note": pl.Utf8,
}


def box_statistics(frame: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for measure in MEASURES:
        value = pl.col(measure)
        positive = value.filter(value > 0)
        parts.append(
            frame.group_by("expertise").agg(
                pl.lit(measure).alias("measure"),
                pl.len().alias("sessions"),
                pl.col("user_key").n_unique().alias("users"),
                *(value.quantile(q, interpolation="linear").alias(f"p{round(q * 100)}") for q in PERCENTILES),
                value.mean().alias("mean"),
                positive.log().mean().exp().alias("geometric_mean"),
                (value <= 0).sum().alias("zero_sessions"),
            )
        )
    return (
        pl.concat(parts)
        .with_columns(pl.col("sessions", "users", "zero_sessions").cast(pl.Int64))
        .select(
            "measure",
            "expertise",
            "sessions",
            "users",
            "p5",
            "p25",
            "p50",
            "p75",
            "p95",
            "mean",
            "geometric_mean",
            "zero_sessions",
        )
        .sort("measure", "expertise")
    )


def _effect_row(
    measure: str, estimator: str, term: str, estimate: float, se: float, nobs: int, users: int, z: float
) -> dict:
    p_value = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else None
    return {
        "measure": measure,
        "estimator": estimator,
        "term": term,
        "coefficient": estimate,
        "se": se,
        "effect": float(np.expm1(estimate)),
        "effect_ci_low": float(np.expm1(estimate - z * se)),
        "effect_ci_high": float(np.expm1(estimate + z * se)),
        "p_value": p_value,
        "sessions": nobs,
        "users": users,
    }


def regressions(
    frame: pl.DataFrame,
    fixed_effects: Sequence[str] = FIXED_EFFECTS,
    poisson: bool = True,
    confidence: float = CONFIDENCE,
) -> pl.DataFrame:
    """Per-level effects (log-linear OLS and Poisson PML) and adjacent-level steps (log-linear OLS). A model
    that cannot be estimated on the data at hand is one row with the reason in `note`; a Poisson fit that left
    separated rows or collinear dummies out says so there."""
    z = z_value(confidence)
    levels = [lv for lv in EXPERTISE_LEVELS if lv in set(frame["expertise"].to_list())]
    rows = []
    for measure in MEASURES:
        logged = frame.filter(pl.col(measure) > 0).with_columns(
            pl.col(measure).log().alias("log_measure"),
            *((pl.col("expertise") == lv).cast(pl.Float64).alias(f"level_{lv}") for lv in levels[1:]),
        )
        try:
            slope = fit_ols(logged, "log_measure", ["expertise"], fixed_effects)
            rows.append(
                _effect_row(
                    measure,
                    "log-linear OLS",
                    "per level",
                    *slope.coefficient("expertise"),
                    slope.nobs,
                    slope.clusters,
                    z,
                )
            )
            steps = fit_ols(logged, "log_measure", [f"level_{lv}" for lv in levels[1:]], fixed_effects)
            for lower, upper in zip(levels, levels[1:], strict=False):
                weights = {f"level_{upper}": 1.0}
                if lower != levels[0]:
                    weights[f"level_{lower}"] = -1.0
                rows.append(
                    _effect_row(
                        measure,
                        "log-linear OLS",
                        f"level {lower} to {upper}",
                        *steps.contrast(weights),
                        steps.nobs,
                        steps.clusters,
                        z,
                    )
                )
        except NOT_ESTIMABLE as error:
            rows.append(
                {
                    "measure": measure,
                    "estimator": "log-linear OLS",
                    "term": "per level",
                    "sessions": frame.height,
                    "users": frame["user_key"].n_unique(),
                    "note": not_estimated(error),
                }
            )
        if poisson:
            try:
                pml = fit_poisson(frame, measure, ["expertise"], fixed_effects)
                row = _effect_row(
                    measure, "Poisson pseudo-ML", "per level", *pml.coefficient("expertise"), pml.nobs, pml.clusters, z
                )
                rows.append({**row, "note": pml.note})
            except NOT_ESTIMABLE as error:
                rows.append(
                    {
                        "measure": measure,
                        "estimator": "Poisson pseudo-ML",
                        "term": "per level",
                        "sessions": frame.height,
                        "users": frame["user_key"].n_unique(),
                        "note": not_estimated(error),
                    }
                )
    return pl.DataFrame([{"note": None, **row} for row in rows], schema=REGRESSIONS_SCHEMA)
