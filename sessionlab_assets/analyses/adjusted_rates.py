"""Success by expertise: the report's Table A1 (per-level slope), Table A2 (step function with adjusted
rates) and Figure 5 (adjusted rates of each success and failure measure, all sessions and sessions
that hit trouble).

Estimator: OLS linear probability model of a 0/1 outcome (`estimators.fit_ols`: absorbed fixed
effects, clustered by user, small-sample corrected). Sample: non-headless sessions with a clear goal
and a rated expertise (`SAMPLE_RULES`).

Adjusted rate of level k, by recycled predictions: the mean outcome if every session had level k and
kept its own fixed effects and controls, which for a linear model is  ȳ + β_k − Σ_j p_j β_j  (p_j the
sample share of level j, β_1 = 0). The absorbing estimator's intercept satisfies
ȳ = const + Σ_j p_j β_j + Σ_c x̄_c γ_c, so the rate is the linear combination const + β_k + Σ_c x̄_c γ_c,
and its delta-method standard error comes from the clustered covariance of those coefficients — it
carries the sampling variance of ȳ, which holding ȳ fixed would leave out.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sessionlab_assets.analyses.estimators import CONFIDENCE, NOT_ESTIMABLE, Fit, fit_ols, not_estimated, z_value
from sessionlab_assets.analyses.frame import EXPERTISE_RATED, HAS_GOAL, NOT_HEADLESS, labelled
from sessionlab_assets.labels import EXPERTISE_LEVELS

OUTCOME = "verified_success"


@dataclass(frozen=True)
class Specification:
    number: int
    fixed_effects: tuple[str, ...]
    controls: tuple[str, ...] = ()

    def describe(self) -> str:
        """The controls in the report's words (Table A1's rows)."""
        parts = [READABLE.get(fe, fe) for fe in self.fixed_effects] + [READABLE.get(c, c) for c in self.controls]
        return ", ".join(parts) if parts else "none"


# Names of the controls as Table A1 prints them.
READABLE = {
    "work_mode_by_value_band": "work mode × task-value band FE",
    "month_label": "month FE",
    "occupation_work": "task-occupation FE",
    "occupation_user_group": "user-occupation FE",
    "model_tier_by_length_band": "model tier × session-length band FE",
    "log_model_calls": "ln(model calls)",
    "log_human_turns": "ln(human turns)",
}

# The report's cumulative specifications; column 5 is preferred.
_FE = (
    "work_mode_by_value_band",
    "month_label",
    "occupation_work",
    "occupation_user_group",
    "model_tier_by_length_band",
)
SPECIFICATIONS: dict[int, Specification] = {
    1: Specification(1, ()),
    2: Specification(2, _FE[:1]),
    3: Specification(3, _FE[:2]),
    4: Specification(4, _FE[:3]),
    5: Specification(5, _FE[:4]),
    6: Specification(6, _FE[:5], ("log_model_calls", "log_human_turns")),
}
PREFERRED = SPECIFICATIONS[5]

SAMPLE_RULES = (
    NOT_HEADLESS,
    labelled("outcome"),
    HAS_GOAL,
    EXPERTISE_RATED,
    labelled("work_mode", "value_tier", "occupation_work", "success_signal", "failure_signal"),
)

# Figure 5: the left panel over all sessions, the others over sessions that hit trouble.
FIGURE5_PANELS: dict[str, tuple[str, ...]] = {
    "all": ("at_least_partial_success", "judged_success", "verified_success"),
    "trouble": (
        "at_least_partial_success",
        "judged_success",
        "verified_success",
        "judged_failure",
        "verified_failure",
        "abandoned",
    ),
}


def expertise_slope(
    frame: pl.DataFrame, specification: Specification, outcome: str = OUTCOME, confidence: float = CONFIDENCE
) -> tuple[dict, Fit]:
    """Table A1, one column: the outcome on expertise as a 1-5 number."""
    fit = fit_ols(frame, outcome, ["expertise", *specification.controls], specification.fixed_effects)
    slope, se = fit.coefficient("expertise")
    z = z_value(confidence)
    row = {
        "outcome": outcome,
        "specification": specification.number,
        "fixed_effects": specification.describe(),
        "slope": slope,
        "se": se,
        "ci_low": slope - z * se,
        "ci_high": slope + z * se,
        "sessions": fit.nobs,
        "users": fit.clusters,
        "fixed_effect_cells": fit.fixed_effect_cells,
        "r2": fit.r2,
    }
    return row, fit


# A specification that cannot be estimated on the data at hand (too few sessions for its fixed effects,
# a column the frame lacks) is kept as a row with no estimates and the reason in `note`.
# The columns of a Table A1 row (sql/schema/analysis_expertise_slopes.sql, less the suppression flag):
# a specification that cannot be estimated is a row with its note and NULL estimates.
TABLE_A1_SCHEMA = {
    "outcome": pl.Utf8,
    "specification": pl.Int64,
    "fixed_effects": pl.Utf8,
    **{c: pl.Float64 for c in ("slope", "se", "ci_low", "ci_high")},
    **{c: pl.Int64 for c in ("sessions", "users", "fixed_effect_cells")},
    "r2": pl.Float64,
    "note": pl.Utf8,
}


def table_a1(frame: pl.DataFrame, outcome: str = OUTCOME) -> pl.DataFrame:
    rows = []
    for spec in SPECIFICATIONS.values():
        try:
            rows.append({**expertise_slope(frame, spec, outcome)[0], "note": None})
        except NOT_ESTIMABLE as error:
            rows.append(
                {
                    "outcome": outcome,
                    "specification": spec.number,
                    "fixed_effects": spec.describe(),
                    # The sample the row speaks for, so that small-cell suppression applies to the note too.
                    "sessions": frame.height,
                    "users": frame["user_key"].n_unique(),
                    "note": not_estimated(error),
                }
            )
    return pl.DataFrame(rows, schema=TABLE_A1_SCHEMA)


def adjusted_rates(
    frame: pl.DataFrame, specification: Specification, outcome: str = OUTCOME, confidence: float = CONFIDENCE
) -> tuple[pl.DataFrame, Fit]:
    """Table A2, one column: level dummies (level 1 the reference) and recycled-prediction rates."""
    data = frame.select(
        outcome, "expertise", "user_key", *specification.fixed_effects, *specification.controls
    ).drop_nulls()
    levels = [lv for lv in EXPERTISE_LEVELS if lv in set(data["expertise"].to_list())]
    dummies = [f"level_{lv}" for lv in levels[1:]]
    data = data.with_columns(*((pl.col("expertise") == lv).cast(pl.Float64).alias(f"level_{lv}") for lv in levels[1:]))
    fit = fit_ols(data, outcome, [*dummies, *specification.controls], specification.fixed_effects)
    control_means = {c: float(data[c].mean()) for c in specification.controls}
    per_level = data.group_by("expertise").agg(
        sessions=pl.len(), users=pl.col("user_key").n_unique(), raw_rate=pl.col(outcome).cast(pl.Float64).mean()
    )
    z = z_value(confidence)
    rows = []
    for lv in levels:
        weights = {"const": 1.0, **control_means}
        if lv != levels[0]:
            weights[f"level_{lv}"] = 1.0
        rate, se = fit.contrast(weights)
        rows.append({"expertise": lv, "rate": rate, "se": se, "ci_low": rate - z * se, "ci_high": rate + z * se})
    table = (
        pl.DataFrame(rows)
        .join(per_level, on="expertise")
        .with_columns(
            share=pl.col("sessions") / pl.col("sessions").sum(),
            outcome=pl.lit(outcome),
            specification=pl.lit(specification.number),
        )
        .select(
            "outcome",
            "specification",
            "expertise",
            "sessions",
            "users",
            "share",
            "raw_rate",
            "rate",
            "se",
            "ci_low",
            "ci_high",
        )
        .sort("expertise")
    )
    return table, fit


# The columns of an adjusted-rate row (sql/schema/analysis_adjusted_rates.sql, less panel and suppression).
RATES_SCHEMA = {
    "outcome": pl.Utf8,
    "specification": pl.Int64,
    "expertise": pl.Int64,
    "sessions": pl.Int64,
    "users": pl.Int64,
    **{c: pl.Float64 for c in ("share", "raw_rate", "rate", "se", "ci_low", "ci_high")},
    "note": pl.Utf8,
}


def _rates_or_note(frame: pl.DataFrame, specification: Specification, outcome: str) -> pl.DataFrame:
    try:
        rates = adjusted_rates(frame, specification, outcome)[0].with_columns(note=pl.lit(None, pl.Utf8))
        return rates.cast(RATES_SCHEMA)
    except NOT_ESTIMABLE as error:
        # A row per level with the level's counts and the reason, so the note is published (and suppressed
        # like any other cell under the user threshold); every level when none is in the sample.
        counts = {
            row["expertise"]: row
            for row in frame.group_by("expertise")
            .agg(sessions=pl.len(), users=pl.col("user_key").n_unique())
            .iter_rows(named=True)
        }
        levels = sorted(lv for lv in counts if lv is not None) or list(EXPERTISE_LEVELS)
        return pl.DataFrame(
            [
                {
                    "outcome": outcome,
                    "specification": specification.number,
                    "expertise": lv,
                    "sessions": counts.get(lv, {}).get("sessions", 0),
                    "users": counts.get(lv, {}).get("users", 0),
                    "note": not_estimated(error),
                }
                for lv in levels
            ],
            schema=RATES_SCHEMA,
        )


def table_a2(frame: pl.DataFrame, outcome: str = OUTCOME) -> pl.DataFrame:
    return pl.concat([_rates_or_note(frame, spec, outcome) for spec in SPECIFICATIONS.values()], how="diagonal_relaxed")


def figure5(frame: pl.DataFrame, specification: Specification = PREFERRED) -> pl.DataFrame:
    """Adjusted rates of each panel's measures; `trouble` is the sessions that hit trouble."""
    parts = []
    for panel, outcomes in FIGURE5_PANELS.items():
        rows = frame if panel == "all" else frame.filter(pl.col("hit_trouble"))
        for outcome in outcomes:
            parts.append(_rates_or_note(rows, specification, outcome).with_columns(panel=pl.lit(panel)))
    return pl.concat(parts, how="diagonal_relaxed")
