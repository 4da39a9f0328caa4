"""The report's headline numbers beside the same numbers measured on your sessions.

One declaration per headline: the report's figure (MEASURES.md), and the query on the analysis tables
that gives ours with its 95% CI and the sessions behind it. A headline that cannot be measured says
why (suppressed, not estimated, no such rows) instead of showing a blank.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sessionlab_assets.report.html import source_table


@dataclass(frozen=True)
class Headline:
    topic: str
    claim: str
    report: str  # as the report published it
    sql: str  # one row: value, ci_low, ci_high, sessions, suppressed, note
    unit: str = "share"  # "share" (a share or rate), "change" (a relative change) or "points" (a difference)

    @property
    def table(self) -> str:
        """The analysis table the number is read from."""
        return source_table(self.sql)


def _share_change(mode: str) -> str:
    return (
        "SELECT change AS value, ci_low, ci_high, month_users AS sessions, suppressed, note, "
        "first_value, last_value, first_month, last_month "
        f"FROM analysis_composition_change WHERE category = '{mode}' AND measure = 'share'"
    )


def _rate(level: int) -> str:
    return (
        "SELECT rate AS value, ci_low, ci_high, sessions, suppressed, note FROM analysis_adjusted_rates "
        f"WHERE panel = 'table_a2' AND specification = 5 AND expertise = {level}"
    )


HEADLINES = (
    Headline(
        "Work",
        "Change in the share of fix sessions, first to last month",
        "33% → 19% (−14 points)",
        _share_change("fix"),
        "points",
    ),
    Headline(
        "Work", "Change in the share of operate sessions", "14% → 21% (+7 points)", _share_change("operate"), "points"
    ),
    Headline(
        "Work",
        "Change in the share of analyze + communicate sessions",
        "~10% → ~20% (+10 points)",
        _share_change("analyze + communicate"),
        "points",
    ),
    Headline(
        "Division of labour",
        "Share of planning decisions the user makes (mean)",
        "~70%",
        "SELECT mean AS value, ci_low, ci_high, sessions, suppressed, NULL AS note FROM analysis_decision_summary "
        "WHERE decision = 'planning' AND who = 'user'",
    ),
    Headline(
        "Division of labour",
        "Share of execution decisions the user makes (mean)",
        "~20%",
        "SELECT mean AS value, ci_low, ci_high, sessions, suppressed, NULL AS note FROM analysis_decision_summary "
        "WHERE decision = 'execution' AND who = 'user'",
    ),
    Headline(
        "Activity",
        "More actions per prompt per expertise level (with controls)",
        "+9%",
        "SELECT effect AS value, effect_ci_low AS ci_low, effect_ci_high AS ci_high, sessions, suppressed, note "
        "FROM analysis_activity_regressions WHERE measure = 'actions_per_prompt' AND estimator = 'log-linear OLS' "
        "AND term = 'per level'",
        "change",
    ),
    Headline(
        "Activity",
        "More output words per prompt per expertise level (with controls)",
        "+13%",
        "SELECT effect AS value, effect_ci_low AS ci_low, effect_ci_high AS ci_high, sessions, suppressed, note "
        "FROM analysis_activity_regressions WHERE measure = 'output_words_per_prompt' "
        "AND estimator = 'log-linear OLS' AND term = 'per level'",
        "change",
    ),
    Headline(
        "Success",
        "Verified success per expertise level (Table A1, column 5)",
        "+3.8 points",
        "SELECT slope AS value, ci_low, ci_high, sessions, suppressed, note FROM analysis_expertise_slopes "
        "WHERE specification = 5",
        "points",
    ),
    *(
        Headline("Success", f"Adjusted verified success, level {level} ({name})", report, _rate(level))
        for level, name, report in (
            (1, "novice", "14.5%"),
            (3, "intermediate", "28.3%"),
            (5, "expert", "32.9%"),
        )
    ),
    Headline(
        "Occupation",
        "Verified success, software and mathematical occupations",
        "~30%",
        "SELECT rate AS value, ci_low, ci_high, sessions, suppressed, NULL AS note FROM analysis_occupation_success "
        "WHERE scope = 'all sessions' AND grouping = 'software vs other' AND period = 'all' "
        "AND group_name = 'software' AND measure = 'verified_success'",
    ),
    Headline(
        "Occupation",
        "Verified success, other identified occupations",
        "~26%",
        "SELECT rate AS value, ci_low, ci_high, sessions, suppressed, NULL AS note FROM analysis_occupation_success "
        "WHERE scope = 'all sessions' AND grouping = 'software vs other' AND period = 'all' "
        "AND group_name = 'other' AND measure = 'verified_success'",
    ),
    Headline(
        "Value",
        "Change in mean task value, first to last month",
        "+27%",
        "SELECT relative_change AS value, relative_ci_low AS ci_low, relative_ci_high AS ci_high, "
        "month_users AS sessions, suppressed, note "
        "FROM analysis_composition_change WHERE category = 'all' AND measure = 'mean_value_usd'",
        "change",
    ),
)


def _measured(row: dict | None, unit: str, min_users: int) -> tuple[str, str]:
    """(ours, why not) for one headline's row; `min_users` is the k the analyses applied."""
    if row is None:
        return "—", "no rows: the analysis had no sessions for it"
    if row.get("suppressed"):
        # With k = 1 only a cell without any session is hidden.
        return "—", "no sessions in the cell" if min_users <= 1 else f"suppressed: fewer than {min_users} people"
    if row.get("value") is None:
        return "—", " ".join(str(row.get("note") or "not estimated").split())[:160]

    def fmt(value: float) -> str:
        percent = round(value * 100, 1) + 0.0  # + 0.0: a rounded -0.0 reads as 0.0
        return f"{percent:.1f}" if unit == "share" else f"{percent:+.1f}"

    suffix = " points" if unit == "points" else "%"
    if row.get("ci_low") is None or row.get("ci_high") is None:
        return fmt(row["value"]) + suffix, " ".join(str(row.get("note") or "no CI").split())[:160]
    return fmt(row["value"]) + suffix + f" [{fmt(row['ci_low'])}, {fmt(row['ci_high'])}]", ""


HEADLINES_SCHEMA = {
    "topic": pl.Utf8,
    "headline": pl.Utf8,
    "report": pl.Utf8,
    "yours [95% CI]": pl.Utf8,
    "N": pl.Int64,  # sessions; for the changes between months, the people in the two months
    "why not": pl.Utf8,
    "source": pl.Utf8,  # the analysis table the number is read from
}


def headlines_table(conn) -> pl.DataFrame:
    """One row per headline: topic, what, the report's figure, ours with its CI, N, why not, and the table
    the number is read from."""
    rows = []
    min_users = conn.sql("SELECT coalesce(max(min_users), 0) FROM analysis_suppressions").fetchall()[0][0]
    for headline in HEADLINES:
        result = conn.sql(headline.sql)
        found = result.fetchall()
        row = dict(zip(result.columns, found[0], strict=True)) if found else None
        ours, why = _measured(row, headline.unit, min_users)
        sessions = row.get("sessions") if row else None
        rows.append((headline.topic, headline.claim, headline.report, ours, sessions, why, headline.table))
    return pl.DataFrame(rows, schema=HEADLINES_SCHEMA, orient="row")
