"""Occupation and success (the report's Figure 6): verified, judged and at-least-partial success for the
ten largest user-profile occupation groups in code-producing sessions, with 95% CIs clustered on
accounts (users), and software against other occupations overall and month by month.

Sample: non-headless sessions with a clear goal and a known user-profile occupation (an unclear
occupation is neither software nor other).
"""

from __future__ import annotations

import polars as pl

from sessionlab_assets.analyses.estimators import clustered_means
from sessionlab_assets.analyses.frame import HAS_GOAL, NOT_HEADLESS, Rule, labelled
from sessionlab_assets.labels import SOC_MAJOR_GROUPS

MEASURES = ("verified_success", "judged_success", "at_least_partial_success")
SAMPLE_RULES = (
    NOT_HEADLESS,
    labelled("outcome"),
    HAS_GOAL,
    labelled("success_signal"),
    Rule("unclear user occupation", pl.col("occupation_user").is_not_null()),
)
LARGEST_GROUPS = 10
CODE_PRODUCING = "code-producing sessions"
ALL_SESSIONS = "all sessions"
ALL_MONTHS = "all"


def _rates(frame: pl.DataFrame, scope: str, grouping: str, group: pl.Expr, by_month: bool) -> pl.DataFrame:
    keyed = frame.with_columns(
        group.alias("group_name"), (pl.col("month_label") if by_month else pl.lit(ALL_MONTHS)).alias("period")
    )
    parts = [
        clustered_means(keyed, measure, ["period", "group_name"], proportion=True)
        .rename({"mean": "rate"})
        .with_columns(measure=pl.lit(measure))
        for measure in MEASURES
    ]
    return pl.concat(parts).with_columns(scope=pl.lit(scope), grouping=pl.lit(grouping))


def largest_groups(frame: pl.DataFrame, count: int = LARGEST_GROUPS) -> list[str]:
    sizes = (
        frame.filter(pl.col("wrote_code"))
        .group_by("occupation_user")
        .len()
        .sort(["len", "occupation_user"], descending=[True, False])
    )
    return sizes["occupation_user"].head(count).to_list()


def success_by_occupation(frame: pl.DataFrame) -> pl.DataFrame:
    code = frame.filter(pl.col("wrote_code"))
    top = largest_groups(frame)
    software = pl.when(pl.col("software_occupation")).then(pl.lit("software")).otherwise(pl.lit("other"))
    parts = [
        _rates(
            code.filter(pl.col("occupation_user").is_in(top)),
            CODE_PRODUCING,
            "occupation",
            pl.col("occupation_user"),
            False,
        ),
        _rates(code, CODE_PRODUCING, "software vs other", software, False),
        _rates(frame, ALL_SESSIONS, "software vs other", software, False),
        _rates(code, CODE_PRODUCING, "software vs other", software, True),
        _rates(frame, ALL_SESSIONS, "software vs other", software, True),
    ]
    titles = pl.DataFrame({"group_name": list(SOC_MAJOR_GROUPS), "group_title": list(SOC_MAJOR_GROUPS.values())})
    return (
        pl.concat(parts)
        .join(titles, on="group_name", how="left")
        .with_columns(pl.col("group_title").fill_null(pl.col("group_name")))
        .select(
            "scope",
            "grouping",
            "period",
            "group_name",
            "group_title",
            "measure",
            "sessions",
            "users",
            "rate",
            "se",
            "ci_low",
            "ci_high",
        )
        .sort("scope", "grouping", "period", "measure", "group_name")
    )
