"""The analysis frame: `session_measures` with the cell columns the analyses group and absorb by, and
the exclusion steps each analysis applies, counted so every table says what it left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

UNCLEAR = "unclear"
UNKNOWN_MODEL = "unknown"

# Session length bands of the report's column 6, by wall-clock duration (upper edges, seconds).
SESSION_LENGTH_BANDS = (
    (600.0, "under 10 min"),
    (3_600.0, "10-60 min"),
    (14_400.0, "1-4 h"),
    (float("inf"), "4 h or more"),
)


def session_length_band(duration_seconds: pl.Expr) -> pl.Expr:
    """The band of a duration; NULL when the transcript recorded no time."""
    expression = pl.lit(SESSION_LENGTH_BANDS[-1][1])
    for upper, name in reversed(SESSION_LENGTH_BANDS[:-1]):
        expression = pl.when(duration_seconds < upper).then(pl.lit(name)).otherwise(expression)
    return pl.when(duration_seconds.is_null()).then(None).otherwise(expression)


def with_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the grouping columns of the specifications. Every column they come from must be there (a
    missing one is a bug and fails here); a NULL value (telemetry a format does not record) makes the
    cell NULL, and the specifications that need it say they could not be estimated."""
    return frame.with_columns(
        pl.col("month").cast(pl.Date).dt.strftime("%Y-%m").alias("month_label"),
        pl.col("value_tier").alias("value_band"),
        pl.concat_str(pl.col("work_mode"), pl.col("value_tier").cast(pl.Utf8), separator=" x ").alias(
            "work_mode_by_value_band"
        ),
        pl.col("occupation_user").fill_null(UNCLEAR).alias("occupation_user_group"),
        pl.col("model_family").fill_null(UNKNOWN_MODEL).alias("model_tier"),
        pl.concat_str(
            pl.col("model_family").fill_null(UNKNOWN_MODEL),
            session_length_band(pl.col("duration_seconds")),
            separator=" x ",
        ).alias("model_tier_by_length_band"),
        pl.col("model_calls").cast(pl.Float64).clip(lower_bound=1).log().alias("log_model_calls"),
        pl.col("human_turns").cast(pl.Float64).clip(lower_bound=1).log().alias("log_human_turns"),
    )


@dataclass(frozen=True)
class Rule:
    """Keep the rows where `keep` holds; `reason` names what is excluded."""

    reason: str
    keep: pl.Expr


NOT_HEADLESS = Rule("headless (no human turns)", ~pl.col("headless"))
HAS_GOAL = Rule("no clear goal", pl.col("outcome") != "no_clear_goal")
EXPERTISE_RATED = Rule("unclear expertise", pl.col("expertise").is_not_null())


def labelled(*columns: str) -> Rule:
    return Rule(
        f"label missing (abstained or error): {', '.join(columns)}",
        pl.all_horizontal(pl.col(c).is_not_null() for c in columns),
    )


def restrict(frame: pl.DataFrame, analysis: str, rules: Sequence[Rule]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply `rules` in order; return the kept rows and one row per step saying how many it excluded."""
    steps = [
        {"analysis": analysis, "step": 0, "rule": "sessions in the warehouse", "excluded": 0, "remaining": frame.height}
    ]
    for step, rule in enumerate(rules, start=1):
        kept = frame.filter(rule.keep.fill_null(False))
        steps.append(
            {
                "analysis": analysis,
                "step": step,
                "rule": f"excluded: {rule.reason}",
                "excluded": frame.height - kept.height,
                "remaining": kept.height,
            }
        )
        frame = kept
    return frame, pl.DataFrame(
        steps,
        schema={"analysis": pl.Utf8, "step": pl.Int32, "rule": pl.Utf8, "excluded": pl.Int64, "remaining": pl.Int64},
    )
