"""Composition trends (the report's Figure 4): work-mode shares per month, value by mode by month, and
the change from the first month to the last.

Shares and means carry CIs clustered by user (`estimators.clustered_means`). A change between two
months is the coefficient of a last-month dummy in OLS on the two months' sessions, clustered by user,
so a user active in both months is accounted for. A share's change has a MOVER interval from the two
months' Wilson intervals; a relative change's CI comes from log(last / first), so it never reaches below -100%.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sessionlab_assets.analyses.estimators import (
    CONFIDENCE,
    Fit,
    clustered_means,
    fit_ols,
    indicator_shares,
    interval_estimable,
    wilson_interval,
    z_value,
)
from sessionlab_assets.analyses.frame import NOT_HEADLESS, labelled
from sessionlab_assets.labels import VALUE_TIERS, WORK_MODES

SAMPLE_RULES = (NOT_HEADLESS, labelled("work_mode"))
# Modes the report discusses together.
MODE_GROUPS: dict[str, tuple[str, ...]] = {
    **{m: (m,) for m in WORK_MODES},
    "analyze + communicate": ("analyze", "communicate"),
}
ALL_MODES = "all"
# The numbers of a row of `analysis_composition_change` (what suppression blanks in a small cell).
CHANGE_VALUES = (
    "first_value",
    "last_value",
    "change",
    "se",
    "ci_low",
    "ci_high",
    "relative_change",
    "relative_ci_low",
    "relative_ci_high",
)


def mode_shares(frame: pl.DataFrame) -> pl.DataFrame:
    return indicator_shares(frame, "work_mode", WORK_MODES, ["month_label"])


def mode_value(frame: pl.DataFrame) -> pl.DataFrame:
    """Mean value (USD) per mode and month, over all modes too, with the mix of value tiers."""
    valued = frame.filter(pl.col("value_usd").is_not_null())
    both = pl.concat([valued, valued.with_columns(work_mode=pl.lit(ALL_MODES))], how="vertical_relaxed")
    means = clustered_means(both, "value_usd", ["month_label", "work_mode"]).rename({"mean": "mean_value_usd"})
    tiers = both.group_by("month_label", "work_mode").agg(
        *((pl.col("value_tier") == tier).mean().alias(f"tier_{tier}_share") for tier in VALUE_TIERS)
    )
    return means.join(tiers, on=["month_label", "work_mode"]).sort("month_label", "work_mode")


def _change(
    frame: pl.DataFrame,
    value: str,
    first: str,
    last: str,
    confidence: float,
    members: pl.Expr | None = None,
    proportion: bool = False,
) -> dict:
    """`members` marks the rows whose users the cell is about (for a share: sessions in the mode; default all).
    The change's CI is change ± z·se, or for a `proportion` (a share) the MOVER interval built from each
    month's Wilson interval (`_share_change_interval`)."""
    members = pl.lit(True) if members is None else members
    rows = frame.filter(pl.col("month_label").is_in([first, last]) & pl.col(value).is_not_null()).with_columns(
        last_month=(pl.col("month_label") == pl.lit(last, pl.Utf8)).cast(pl.Float64)  # last is None without sessions
    )
    users = rows.filter(members)["user_key"].n_unique()
    # Who the cell is about (`users`, what suppression counts) and whom the comparison rests on (`month_users`).
    people = {"users": users, "month_users": rows["user_key"].n_unique()}
    counts = rows.group_by("month_label").agg(
        pl.col(value).cast(pl.Float64).mean(), pl.col("user_key").n_unique(), sessions=pl.len()
    )
    means = dict(zip(counts["month_label"], counts[value], strict=True))
    no_change = dict.fromkeys(CHANGE_VALUES) | {"first_value": means.get(first), "last_value": means.get(last)}
    # No clustered SE to be had. (A share's interval needs no users in the mode: each month's Wilson
    # interval holds a share of zero.)
    if first == last:
        return no_change | people | {"note": "one month of sessions: no change to estimate"}
    if first not in means or last not in means or rows["user_key"].n_unique() < 3 or (users < 2 and not proportion):
        return no_change | people | {"note": None}
    # A month without an interval of its own (`interval_estimable`) would leave the change's interval with the
    # other month's error only.
    single = [
        month
        for month, clusters, sessions in counts.select("month_label", "user_key", "sessions").iter_rows()
        if not interval_estimable(clusters, sessions, proportion)
    ]
    if single:
        change = means[last] - means[first]
        return no_change | {
            "change": change,
            "relative_change": change / means[first] if means[first] else None,
            **people,
            "note": f"no CI: {' and '.join(sorted(single))} has a single cluster (a user; a session in one "
            "person's data), whose mean has no variance",
        }
    fit = fit_ols(rows, value, ["last_month"])
    change, se = fit.coefficient("last_month")
    z = z_value(confidence)
    if proportion:
        sessions = (rows.filter(pl.col("last_month") == 0).height, rows.filter(pl.col("last_month") == 1).height)
        ci_low, ci_high = _share_change_interval(fit, sessions, z)
    else:
        ci_low, ci_high = change - z * se, change + z * se
    return {
        "first_value": means[first],
        "last_value": means[last],
        "change": change,
        "se": se,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "relative_change": change / means[first] if means[first] else None,
        **_relative_interval(fit, z),
        **people,
        "note": None,
    }


def _month_means(fit: Fit) -> tuple[float, float, np.ndarray]:
    """The first and last months' means from the two-month fit (const, const + last_month), and their 2 × 2
    clustered covariance: correlated when users are active in both months."""
    names = ["const", "last_month"]
    to_means = np.array([[1.0, 0.0], [1.0, 1.0]])
    first, last = to_means @ fit.params[names].to_numpy()
    return float(first), float(last), to_means @ fit.cov.loc[names, names].to_numpy() @ to_means.T


def _share_change_interval(fit: Fit, sessions: tuple[int, int], z: float) -> tuple[float, float]:
    """CI of the change in a share between two months by MOVER (Zou & Donner 2008): each month's Wilson
    interval at its design-effect sample size (`wilson_interval`), combined with the correlation of the two
    months' shares that users active in both give. It is the Wald interval at scale, and on a few sessions
    it neither leaves [-1, 1] nor shrinks to a point when both months' shares are 0 or 1."""
    first, last, cov = _month_means(fit)
    variances = np.maximum(np.diag(cov), 0.0)
    low, high = wilson_interval(np.array([first, last]), np.sqrt(variances), np.array(sessions, float), z)
    rho = cov[0, 1] / np.sqrt(variances[0] * variances[1]) if variances.min() > 0 else 0.0
    down_last, up_first = last - low[1], high[0] - first
    up_last, down_first = high[1] - last, first - low[0]
    change = last - first
    return (
        float(change - np.sqrt(max(down_last**2 + up_first**2 - 2 * rho * down_last * up_first, 0.0))),
        float(change + np.sqrt(max(up_last**2 + down_first**2 - 2 * rho * up_last * down_first, 0.0))),
    )


def _relative_interval(fit: Fit, z: float) -> dict:
    """CI of the relative change last / first - 1, from the delta-method SE of log(last / first) with the
    two months' clustered covariance, so both months' sampling error counts and the interval stays above
    -100%. None when either month's mean is not positive."""
    first, last, cov = _month_means(fit)
    if first <= 0 or last <= 0:
        return {"relative_ci_low": None, "relative_ci_high": None}
    gradient = np.array([-1 / first, 1 / last])
    se = float(np.sqrt(max(gradient @ cov @ gradient, 0.0)))
    log_ratio = np.log(last / first)
    return {
        "relative_ci_low": float(np.expm1(log_ratio - z * se)),
        "relative_ci_high": float(np.expm1(log_ratio + z * se)),
    }


def composition_change(
    frame: pl.DataFrame, first: str | None = None, last: str | None = None, confidence: float = CONFIDENCE
) -> pl.DataFrame:
    """Share of each mode (and mode group), and mean value within it, in the last month against the first."""
    months = sorted(frame["month_label"].unique().to_list())
    first, last = first or (months[0] if months else None), last or (months[-1] if months else None)
    rows = []
    for name, modes in MODE_GROUPS.items():
        share = frame.with_columns(in_group=pl.col("work_mode").is_in(modes).cast(pl.Float64))
        rows.append(
            {
                "category": name,
                "measure": "share",
                **_change(share, "in_group", first, last, confidence, pl.col("in_group") > 0, proportion=True),
            }
        )
    for name, modes in {**MODE_GROUPS, ALL_MODES: WORK_MODES}.items():
        within = frame.filter(pl.col("work_mode").is_in(modes))
        rows.append(
            {"category": name, "measure": "mean_value_usd", **_change(within, "value_usd", first, last, confidence)}
        )
    change = pl.DataFrame(
        rows,
        schema_overrides={**{c: pl.Float64 for c in CHANGE_VALUES}, "note": pl.Utf8},
    ).with_columns(first_month=pl.lit(first, pl.Utf8), last_month=pl.lit(last, pl.Utf8))
    return change if months else change.clear()  # no sessions: the table's columns and no rows
