"""The report's figures, drawn from the analysis tables (each function takes the table as the warehouse
holds it and returns a matplotlib Figure). Suppressed cells are NULL: the bar charts mark them "< k"."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.dates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sessionlab_assets.labels import EXPERTISE_NAMES, WORK_MODES  # noqa: E402

OUTCOME_NAMES = {
    "at_least_partial_success": "at least partial",
    "judged_success": "judged success",
    "verified_success": "verified success",
    "judged_failure": "judged failure",
    "verified_failure": "verified failure",
    "abandoned": "abandoned",
}
LEVELS = list(EXPERTISE_NAMES)


def _legend(axis, **options) -> None:
    """A legend for the lines and bars that were drawn; none when every cell was suppressed or empty."""
    if axis.get_legend_handles_labels()[0]:
        axis.legend(**options)


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


SUPPRESSED_MARK = "< k"  # drawn where a cell was suppressed, so a gap never reads as zero


def _mark_suppressed(axis, positions, rows: pl.DataFrame, horizontal: bool = False) -> None:
    """Write `SUPPRESSED_MARK` at each position whose cell was suppressed (fewer people than k)."""
    if "suppressed" not in rows.columns:
        return
    for position, suppressed in zip(positions, rows["suppressed"].fill_null(False).to_list(), strict=True):
        if suppressed:
            x, y = (0.01, position) if horizontal else (position, 0.01)
            axis.text(
                x,
                y,
                SUPPRESSED_MARK,
                ha="left" if horizontal else "center",
                va="center" if horizontal else "bottom",
                fontsize=7,
                color="#777",
                rotation=0 if horizontal else 90,
            )


def _error(table: pl.DataFrame, value: str, within: tuple[float, float] | None = None) -> np.ndarray:
    """Error-bar lengths below and above each value; `within` clips the interval to a proportion's range."""
    values = table[value].to_numpy().astype(float)
    low, high = table["ci_low"].to_numpy().astype(float), table["ci_high"].to_numpy().astype(float)
    if within is not None:
        low, high = np.clip(low, *within), np.clip(high, *within)
    return np.vstack([values - low, high - values])


def work_mode_shares(shares: pl.DataFrame) -> Figure:
    """Share of sessions per work mode in the first and the last month that have data, with 95% CIs."""
    months = sorted(shares.filter(pl.col("share").is_not_null())["month"].unique().to_list()) or sorted(
        shares["month"].unique().to_list()
    )
    figure, axis = plt.subplots(figsize=(9, 4))
    axis.set_title("Work mode of sessions, first and last month")
    if not months:
        _say_why_empty(axis, shares)
        return figure
    x = np.arange(len(WORK_MODES))
    for offset, month in ((-0.2, months[0]), (0.2, months[-1])):
        rows = pl.DataFrame({"work_mode": WORK_MODES}).join(
            shares.filter(pl.col("month") == month), on="work_mode", how="left"
        )
        axis.bar(
            x + offset,
            rows["share"].fill_null(np.nan),
            width=0.4,
            yerr=np.nan_to_num(_error(rows, "share", within=(0.0, 1.0))),
            capsize=2,
            label=f"{month:%b %Y}",
        )
        _mark_suppressed(axis, x + offset, rows)
    axis.set_xticks(x, WORK_MODES, rotation=30)
    axis.set_ylabel("share of sessions")
    axis.set_ylim(0, 1)
    _legend(axis)
    return figure


def _mark_suppressed_points(axis, xs, rows: pl.DataFrame, color, row: int = 0) -> bool:
    """On a line chart: an x at the foot of the axis, in the line's colour, where a point was suppressed;
    each line's marks on a row of their own (`row`), so they do not cover one another."""
    if "suppressed" not in rows.columns:
        return False
    flags = rows["suppressed"].fill_null(False).to_list()
    hidden = [x for x, flag in zip(xs, flags, strict=True) if flag]
    if hidden:
        axis.scatter(hidden, [0.015 + 0.018 * row] * len(hidden), marker="x", color=color, s=20, zorder=3)
    return bool(hidden)


def _say_suppressed(axis) -> None:
    axis.text(
        0.99,
        0.97,
        f"x at the foot: {SUPPRESSED_MARK} people, suppressed",
        transform=axis.transAxes,
        ha="right",
        va="top",
        fontsize=7,
        color="#777",
    )


def composition_over_months(shares: pl.DataFrame) -> Figure:
    """Each work mode's share by month with its 95% CI band, one panel per mode on shared axes: nine
    overlapping bands cannot be read, least of all on a few sessions a month, where they are wide."""
    figure, grid = plt.subplots(3, 3, figsize=(10, 7), sharex=True, sharey=True)
    marked = False
    for index, (mode, axis) in enumerate(zip(WORK_MODES, grid.flat, strict=True)):
        color = f"C{index}"
        axis.set_title(mode, fontsize=9)
        rows = shares.filter(pl.col("work_mode") == mode).sort("month")
        if rows.height == 0:
            continue
        months = rows["month"].to_list()
        axis.plot(months, rows["share"].fill_null(np.nan), marker="o", markersize=3, color=color)
        axis.fill_between(
            months,
            rows["ci_low"].fill_null(np.nan).clip(0.0, 1.0),
            rows["ci_high"].fill_null(np.nan).clip(0.0, 1.0),
            color=color,
            alpha=0.2,
        )
        marked = _mark_suppressed_points(axis, months, rows, color) or marked
    if marked:
        _say_suppressed(grid.flat[2])
    grid[0, 0].set_ylim(0, 1)
    for axis in grid[:, 0]:
        axis.set_ylabel("share of sessions")
    grid[0, 0].xaxis.set_major_locator(matplotlib.dates.AutoDateLocator(minticks=2, maxticks=4))
    grid[0, 0].xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y-%m"))
    figure.suptitle("Composition of work by month")
    figure.autofmt_xdate()
    return figure


def decision_shares(histogram: pl.DataFrame) -> Figure:
    """Distribution of the agent's share of planning and of execution decisions."""
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
    for axis, decision in zip(axes, ("planning", "execution"), strict=True):
        rows = histogram.filter(pl.col("decision") == decision).sort("bin_low")
        axis.bar(rows["bin_low"] + 0.05, rows["share"].fill_null(np.nan), width=0.095)
        axis.set_xlim(0, 1)
        axis.set_xlabel(f"agent's share of {decision} decisions")
    axes[0].set_ylabel("share of sessions")
    figure.suptitle("Who makes the decisions")
    return figure


def activity_by_expertise(boxes: pl.DataFrame) -> Figure:
    """Box plots (IQR box, 5th-95th whiskers) with geometric means (white dots), per expertise level."""
    figure, axes = plt.subplots(1, 2, figsize=(9, 4))
    titles = {"actions_per_prompt": "actions per prompt", "output_words_per_prompt": "output words per prompt"}
    for axis, (measure, title) in zip(axes, titles.items(), strict=True):
        rows = boxes.filter((pl.col("measure") == measure) & pl.col("p50").is_not_null()).sort("expertise")
        stats = [
            {
                "med": r["p50"],
                "q1": r["p25"],
                "q3": r["p75"],
                "whislo": r["p5"],
                "whishi": r["p95"],
                "fliers": [],
                "label": EXPERTISE_NAMES[r["expertise"]],
            }
            for r in rows.iter_rows(named=True)
        ]
        if stats:
            axis.bxp(stats, showfliers=False)
            axis.scatter(
                range(1, len(stats) + 1),
                rows["geometric_mean"],
                color="white",
                edgecolor="black",
                zorder=3,
                label="geometric mean",
            )
            axis.set_yscale("log")
            # Plain numbers on the log axis (3, 10, 30), not powers of ten.
            axis.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
            axis.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            _legend(axis, fontsize=8)
        axis.set_title(title)
        axis.tick_params(axis="x", rotation=30)
    figure.suptitle("Activity per prompt by expertise")
    return figure


def _say_why_empty(axis, rows: pl.DataFrame, nothing: str = "no sessions in the analysis's sample") -> None:
    """In a panel with nothing to draw: the analysis's note (why it was not estimated), or why else."""
    notes = rows["note"].drop_nulls().unique().sort().to_list() if "note" in rows.columns else []
    if notes:
        why = notes[0]
    elif rows.height and "suppressed" in rows.columns and rows["suppressed"].fill_null(False).all():
        why = f"suppressed: {SUPPRESSED_MARK} people"
    else:
        why = nothing
    axis.text(
        0.5, 0.5, textwrap.fill(why, 32), transform=axis.transAxes, ha="center", va="center", fontsize=8, color="#777"
    )


BEYOND_NOTE = "▽ △ at the edge: the linear model's adjusted rate lies below 0 or above 1 (the tables give it)"


def _mark_beyond_the_axis(axis, rows: pl.DataFrame, color) -> bool:
    """A hollow triangle at 0 or 1 where an adjusted rate lies beyond it: a linear probability model's
    recycled prediction can, on few sessions, and a point drawn on the edge would read as the rate."""
    rates = rows["rate"].to_numpy().astype(float)
    below, above = rates < 0.0, rates > 1.0
    for where, edge, marker in ((below, 0.0, "v"), (above, 1.0, "^")):
        if where.any():
            xs = rows["expertise"].to_numpy()[where]
            axis.scatter(
                xs, [edge] * len(xs), marker=marker, s=80, facecolors="white", edgecolors=color, zorder=4, clip_on=False
            )
    return bool(below.any() or above.any())


def adjusted_rates(rates: pl.DataFrame) -> Figure:
    """Figure 5: adjusted rates by expertise with 95% CIs: all sessions, and sessions that hit trouble with
    their success measures and their failure measures in panels of their own, as the report draws them."""
    figure, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    success = ("at_least_partial_success", "judged_success", "verified_success")
    failure = ("judged_failure", "verified_failure", "abandoned")
    panels = (
        ("all", success, "All sessions"),
        ("trouble", success, "Hit trouble: how often they succeed"),
        ("trouble", failure, "Hit trouble: how often they fail"),
    )
    beyond = False
    for axis, (panel, outcomes, title) in zip(axes, panels, strict=True):
        in_panel = rates.filter((pl.col("panel") == panel) & pl.col("outcome").is_in(outcomes))
        if in_panel["rate"].is_null().all():
            _say_why_empty(axis, in_panel)
        for outcome in outcomes:
            name = OUTCOME_NAMES[outcome]
            rows = in_panel.filter(pl.col("outcome") == outcome).sort("expertise")
            if rows.height == 0 or rows["rate"].is_null().all():
                continue
            # A linear probability model can put a rate or its interval past 0 or 1; the figure shows the
            # interval within the range a proportion can take, and a rate past it as a triangle at the edge
            # (the table keeps the estimates as they are).
            drawn = axis.errorbar(
                rows["expertise"],
                rows["rate"].fill_null(np.nan).clip(0.0, 1.0),
                yerr=np.nan_to_num(_error(rows.with_columns(pl.col("rate").clip(0.0, 1.0)), "rate", within=(0.0, 1.0))),
                marker="o",
                capsize=3,
                label=name,
            )
            if _mark_suppressed_points(axis, rows["expertise"].to_list(), rows, drawn.lines[0].get_color()):
                _say_suppressed(axis)
            beyond = _mark_beyond_the_axis(axis, rows, drawn.lines[0].get_color()) or beyond
        axis.set_xticks(LEVELS, [EXPERTISE_NAMES[lv] for lv in LEVELS], rotation=30)
        axis.set_xlim(LEVELS[0] - 0.5, LEVELS[-1] + 0.5)  # the same levels in the same places, drawn or not
        axis.set_title(title)
        _legend(axis, fontsize=8)
    axes[0].set_ylabel("adjusted rate")
    axes[0].set_ylim(0, 1)
    figure.suptitle("Expertise and how sessions end (column 5 fixed effects)")
    if beyond:
        figure.text(0.5, -0.04, BEYOND_NOTE, ha="center", va="top", fontsize=8, color="#777")
    return figure


def occupation_success(table: pl.DataFrame) -> Figure:
    """Figure 6: verified and judged success in code-producing sessions, ten largest occupations, 95% CIs."""
    rows = table.filter(pl.col("grouping") == "occupation")
    figure, axis = plt.subplots(figsize=(9, 5))
    groups = (
        rows.filter(pl.col("measure") == "verified_success")
        .sort("rate", descending=True, nulls_last=True)["group_title"]
        .to_list()
    )
    axis.set_title("Success by the user's occupation")
    if not groups:
        _say_why_empty(axis, rows, nothing="no code-producing session of a known occupation")
        return figure
    y = np.arange(len(groups))
    for offset, measure in ((-0.2, "verified_success"), (0.2, "judged_success")):
        part = pl.DataFrame({"group_title": groups}, schema={"group_title": pl.Utf8}).join(
            rows.filter(pl.col("measure") == measure), on="group_title", how="left"
        )
        axis.barh(
            y + offset,
            part["rate"].fill_null(np.nan),
            height=0.4,
            xerr=np.nan_to_num(_error(part, "rate")),
            capsize=2,
            label=OUTCOME_NAMES[measure],
        )
        _mark_suppressed(axis, y + offset, part, horizontal=True)
    axis.set_yticks(y, groups, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("share of code-producing sessions")
    _legend(axis)
    return figure
