"""Division of labour (the report's Figure 2 and the actions-per-turn comparison): distributions of the
agent's share of planning and execution decisions, and actions per prompt by who controls which.

The agent's share is 1 − the user's share the decisions classifier records. Control regimes follow the
report's thresholds: the user controls execution when they make over 80% of execution decisions; the
agent controls planning when it makes over 80% of planning decisions.
"""

from __future__ import annotations

import polars as pl

from sessionlab_assets.analyses.estimators import clustered_means
from sessionlab_assets.analyses.frame import NOT_HEADLESS, labelled

SAMPLE_RULES = (NOT_HEADLESS, labelled("user_planning_share", "user_execution_share", "actions_per_prompt"))
CONTROL_THRESHOLD = 0.8
BINS = 10  # tenths; a share of exactly 1 falls in the last bin

USER_CONTROLS_EXECUTION = "user controls execution"
AGENT_CONTROLS_PLANNING = "agent controls planning"
BOTH = "both"
NEITHER = "neither"


def share_distributions(frame: pl.DataFrame) -> pl.DataFrame:
    """Share of sessions in each tenth of the agent's planning and execution share."""
    parts = []
    for decision in ("planning", "execution"):
        agent_share = 1 - pl.col(f"user_{decision}_share")
        binned = frame.with_columns(bin=(agent_share * BINS).floor().clip(0, BINS - 1).cast(pl.Int32))
        counts = binned.group_by("bin").agg(sessions=pl.len(), users=pl.col("user_key").n_unique())
        grid = pl.DataFrame({"bin": list(range(BINS))}, schema={"bin": pl.Int32})
        parts.append(
            grid.join(counts, on="bin", how="left")
            .with_columns(
                pl.col("sessions", "users").fill_null(0).cast(pl.Int64),
                decision=pl.lit(decision),
                bin_low=pl.col("bin") / BINS,
                bin_high=(pl.col("bin") + 1) / BINS,
            )
            .with_columns(share=pl.col("sessions") / max(frame.height, 1))
        )
    return (
        pl.concat(parts)
        .select("decision", "bin_low", "bin_high", "sessions", "users", "share")
        .sort("decision", "bin_low")
    )


def share_summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Mean and median of each share, with the clustered CI of the mean."""
    parts = []
    for decision in ("planning", "execution"):
        column = f"user_{decision}_share"
        with_agent = frame.with_columns((1 - pl.col(column)).alias("agent_share"))
        for who, value in (("user", column), ("agent", "agent_share")):
            means = clustered_means(with_agent.with_columns(pl.lit(1).alias("_all")), value, ["_all"])
            parts.append(
                means.drop("_all").with_columns(
                    decision=pl.lit(decision), who=pl.lit(who), median=pl.lit(with_agent[value].median())
                )
            )
    return pl.concat(parts).select("decision", "who", "sessions", "users", "mean", "se", "ci_low", "ci_high", "median")


def control_regime() -> pl.Expr:
    user_execution = pl.col("user_execution_share") > CONTROL_THRESHOLD
    agent_planning = (1 - pl.col("user_planning_share")) > CONTROL_THRESHOLD
    return (
        pl.when(user_execution & agent_planning)
        .then(pl.lit(BOTH))
        .when(user_execution)
        .then(pl.lit(USER_CONTROLS_EXECUTION))
        .when(agent_planning)
        .then(pl.lit(AGENT_CONTROLS_PLANNING))
        .otherwise(pl.lit(NEITHER))
    ).alias("regime")


def actions_by_regime(frame: pl.DataFrame) -> pl.DataFrame:
    """Mean (clustered CI) and geometric mean of actions per prompt in each control regime, and overall."""
    regimes = frame.with_columns(control_regime())
    both = pl.concat([regimes, regimes.with_columns(regime=pl.lit("all sessions"))])
    means = clustered_means(both, "actions_per_prompt", ["regime"]).rename({"mean": "mean_actions_per_prompt"})
    geometric = both.group_by("regime").agg(
        geometric_mean_actions_per_prompt=pl.col("actions_per_prompt")
        .filter(pl.col("actions_per_prompt") > 0)
        .log()
        .mean()
        .exp(),
        median_actions_per_prompt=pl.col("actions_per_prompt").median(),
    )
    return means.join(geometric, on="regime").sort("regime")
