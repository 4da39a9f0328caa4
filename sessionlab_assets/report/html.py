"""The self-contained HTML report: a coverage header (what went in, what the classifiers made of it,
what was suppressed), the figures as embedded PNGs, and Tables A1 and A2."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from sessionlab_assets.analyses.adjusted_rates import PREFERRED
from sessionlab_assets.classify import agreement, heuristic, rules_agreement
from sessionlab_assets.classify.inputs import COUNTED_STATUS, HEADLESS
from sessionlab_assets.classify.registry import MEASURES
from sessionlab_assets.ingest import inventory
from sessionlab_assets.labels import EXPERTISE_NAMES


@dataclass(frozen=True)
class Coverage:
    sessions: int
    headless: int
    months: str
    quarantined_files: int
    classifiers: pl.DataFrame  # measure, ok, abstained, error, headless (not classified)
    backends: pl.DataFrame  # backend, model, rows
    prompt_versions: pl.DataFrame  # measure, prompt_version, rows
    suppressed_cells: int
    cells: int
    min_users: int | None
    agents: pl.DataFrame  # agent, source_format, sessions, headless, users
    not_read: pl.DataFrame  # reason, files
    people: int
    kept_sessions: int = 0  # sessions kept as last read, their transcripts gone from the source


def read_coverage(conn) -> Coverage:
    union = " UNION ALL ".join(
        f"SELECT '{m}' AS measure, status, reason, backend, model, prompt_version FROM {m}" for m in MEASURES
    )
    sessions, headless, first, last, people = conn.sql(
        "SELECT count(*), count(*) FILTER (WHERE headless), strftime(min(month), '%Y-%m'), strftime(max(month), "
        "'%Y-%m'), count(DISTINCT user_key) FROM sessions"
    ).fetchall()[0]
    quarantined = conn.sql("SELECT count(*) FROM source_files WHERE status = 'quarantined'").fetchall()[0][0]
    kept = conn.sql(f"SELECT count(*) FROM ({inventory.KEPT_SESSIONS})").fetchall()[0][0]
    # Headless sessions are not classified: counted apart from the classifier's abstentions.
    statuses = conn.sql(f"""
        SELECT measure, count(*) FILTER (WHERE counted = 'ok') AS ok,
               count(*) FILTER (WHERE counted = 'abstained') AS abstained,
               count(*) FILTER (WHERE counted = 'error') AS error,
               count(*) FILTER (WHERE counted = '{HEADLESS}') AS "headless, not classified"
        FROM (SELECT measure, {COUNTED_STATUS} AS counted FROM ({union})) GROUP BY measure ORDER BY measure""").pl()
    backends = conn.sql(f"SELECT backend, model, count(*) AS rows FROM ({union}) GROUP BY ALL ORDER BY rows DESC").pl()
    versions = conn.sql(f"""SELECT measure, prompt_version, count(*) AS rows FROM ({union})
                            WHERE prompt_version IS NOT NULL GROUP BY ALL ORDER BY measure, rows DESC""").pl()
    agents = conn.sql(
        "SELECT client AS agent, source_format, count(*) AS sessions, count(*) FILTER (WHERE headless) AS headless, "
        "count(DISTINCT user_key) AS people FROM sessions GROUP BY ALL ORDER BY sessions DESC"
    ).pl()
    not_read = conn.sql(
        "SELECT reason, count(*) AS files FROM source_files WHERE status = 'quarantined' AND reason IS NOT NULL "
        "GROUP BY ALL ORDER BY files DESC, reason LIMIT 15"
    ).pl()
    cells, suppressed, min_users = conn.sql(
        "SELECT coalesce(sum(cells), 0), coalesce(sum(suppressed_cells), 0), max(min_users) FROM analysis_suppressions"
    ).fetchall()[0]
    return Coverage(
        sessions=sessions,
        headless=headless,
        months=f"{first} to {last}" if first else "(none)",
        quarantined_files=quarantined,
        classifiers=statuses,
        backends=backends,
        prompt_versions=versions,
        suppressed_cells=int(suppressed),
        cells=int(cells),
        min_users=min_users,
        agents=agents,
        not_read=not_read,
        kept_sessions=kept,
        people=people,
    )


# The warehouse table a report query reads: every number on the page names the table it came from.
SOURCE_TABLE = re.compile(r"\bFROM (analysis_\w+)")
TABLE_A1 = "analysis_expertise_slopes"
TABLE_A2 = "analysis_adjusted_rates"  # its rows of panel 'table_a2'; Figure 5 draws the others


def source_table(sql: str) -> str:
    match = SOURCE_TABLE.search(sql)
    if match is None:
        raise ValueError(f"a report query reads no analysis table: {sql!r}")
    return match.group(1)


def read_writers(conn) -> dict[str, str]:
    """Analysis table -> the asset that writes it, as the analyses recorded when they last ran."""
    return dict(conn.sql("SELECT DISTINCT table_name, analysis FROM analysis_suppressions").fetchall())


def source_line(table: str, writers: dict[str, str], computed_in: dict[str, str]) -> str:
    """Where a table or figure comes from: its warehouse table and, once written, the asset writing it and
    the module computing it."""
    asset = writers.get(table)
    written = f", written by the asset <code>{html.escape(asset)}</code>" if asset else ""
    if asset in computed_in:
        written += f" (computed in <code>{html.escape(computed_in[asset])}</code>)"
    return f"<p class='source'>Source: table <code>{html.escape(table)}</code>{written}.</p>"


@dataclass(frozen=True)
class Check:
    sql: str
    empty: str = "(no rows)"  # what an empty table means, and how to fill it

    @property
    def table(self) -> str:
        return source_table(self.sql)


_MATERIALIZE = "dagster asset materialize -m sessionlab_assets.definitions --select "


def interval_text(value: float | None, low: float | None, high: float | None, digits: int = 2) -> str | None:
    """A figure with its interval, "0.52 [0.41, 0.63]", as the report writes intervals; the figure alone
    when it has none."""
    if value is None:
        return None
    if low is None or high is None:
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def with_intervals(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with each figure that has `_low` and `_high` columns beside it written with its interval
    (`interval_text`) in one column, `<figure> [95% CI]`, in the figure's place; the bounds' columns go."""
    figures = [c for c in frame.columns if f"{c}_low" in frame.columns and f"{c}_high" in frame.columns]
    bounds = {f"{c}_{end}" for c in figures for end in ("low", "high")}
    columns = []
    for column in frame.columns:
        if column in figures:
            texts = [
                interval_text(*values) for values in frame.select(column, f"{column}_low", f"{column}_high").rows()
            ]
            columns.append(pl.Series(f"{column} [95% CI]", texts, pl.Utf8))
        elif column not in bounds:
            columns.append(frame[column])
    return pl.DataFrame(columns)


# The agreement columns of the label checks and the gold agreement (each figure with its interval, read
# with `with_intervals`).
_AGREEMENT_FIGURES = ", ".join(agreement.AGREEMENT_COLUMNS)


CHECKS = {
    "Judged success by signal strength (the report: 13% → 90% across success signal 1 → 5, 85% → 3% across "
    "failure signal 1 → 5)": Check(
        "SELECT signal, level, sessions, users AS people, judged_success_rate, ci_low, ci_high "
        "FROM analysis_validation_signals ORDER BY signal, level"
    ),
    "Work mode against telemetry: share of sessions that changed code (the report: over 90% in code-writing modes)": (
        Check(
            "SELECT work_mode, code_writing_mode, sessions, code_changed_share, ci_low, ci_high "
            "FROM analysis_validation_modes ORDER BY code_writing_mode DESC, work_mode"
        )
    ),
    "How far to trust the labels: production against a reference model, a second replicate, and a larger "
    "window (the reference_agreement, test_retest and truncation_sensitivity assets; the report: 78–98% on "
    "categorical classifiers, 53–68% exact and 78–99% adjacent on ordinal ones)": Check(
        f"SELECT analysis, measure, sessions, {_AGREEMENT_FIGURES}, clear_errors_first, ambiguous "
        "FROM analysis_label_checks ORDER BY analysis, measure",
        f"(not run yet: these checks call the classifiers again, so `make run` leaves them out; run them with "
        f"`{_MATERIALIZE}'group:validation'`, then this page with `--select report`)",
    ),
    "What each label check compared": Check(
        "SELECT DISTINCT analysis, first, second, note FROM analysis_label_checks ORDER BY analysis",
        "(not run yet: see above)",
    ),
    "Agreement with a labelled set (SESSIONLAB_GOLD_LABELS), with 95% intervals that resample people": Check(
        f"SELECT label, gold_sessions, sessions, users AS people, {_AGREEMENT_FIGURES} FROM analysis_gold_agreement "
        "ORDER BY label",
        "(no labelled set: point SESSIONLAB_GOLD_LABELS at a CSV, Parquet or JSON-lines file of labels keyed by "
        "session_id or source_file; README, Gold labels)",
    ),
    "The pricer on held-out postings (the pricer_validation asset; the report: log R² 0.38, bias 2.39 → 0.14)": Check(
        "SELECT tier, price_range, priced, log_r2, level_r2, bias, median_predicted, median_actual, backend, note "
        "FROM analysis_pricer_validation ORDER BY tier = 'overall' DESC, tier",
        f"(not run yet: it prices held-out postings with the classifier, so `make run` leaves it out; run "
        f"`{_MATERIALIZE}pricer_validation`, then this page with `--select report`)",
    ),
    "Sample exclusions, step by step": Check(
        "SELECT analysis, rule, excluded, remaining FROM analysis_samples ORDER BY analysis, step"
    ),
}


def read_checks(conn) -> dict[str, tuple[pl.DataFrame, str, str]]:
    """Each check's rows, what to say when there are none, and the table they come from."""
    return {
        title: (with_intervals(conn.sql(check.sql).pl()), check.empty, check.table) for title, check in CHECKS.items()
    }


def heuristic_caveat(recorded: dict | None, labelled_by: set[str]) -> str:
    """What heuristic labels are worth: the agreement with real sessions labelled with the report's rubrics
    recorded for the rules that made them (`labelled_by`, their versions; classify/rules_agreement.py),
    or why it cannot be shown."""
    lead = "Labels come from the offline <b>heuristic</b> backend: rules, not a model."
    if recorded is None or labelled_by != {recorded["rules_version"]}:
        measured = "never" if recorded is None else f"for other rules ({html.escape(recorded['rules_version'])})"
        return (
            f"<div class='warn'>{lead} Their agreement with labelled real sessions was measured {measured}, not "
            f"for those that labelled these sessions ({html.escape(', '.join(sorted(labelled_by)))}); with the "
            f"rules' current version, run <code>{rules_agreement.MEASURED_WITH}</code> to measure it. Read the "
            "numbers as a check of the pipeline, not as measurements.</div>"
        )
    figures = with_intervals(
        pl.DataFrame(recorded["classifiers"]).select(
            "classifier", pl.exclude("classifier", "sessions").cast(pl.Float64)
        )
    )
    return (
        f"<div class='warn'>{lead} On {recorded['sessions']} real sessions of {recorded['people']} people labelled "
        f"with the report's rubrics ({html.escape(recorded['labelled_set'])}), these rules agree with the labels "
        "as below ([95% CI], resampling people); shares and rates computed from them carry these "
        f"disagreements.{table_html(figures, digits=2)}</div>"
    )


def table_html(frame: pl.DataFrame, digits: int = 3, empty: str = "(no rows)") -> str:
    if frame.height == 0:
        return f"<p class='empty'>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.iter_rows():
        cells = []
        for value in row:
            text = "—" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto;
       color: #1d1d1f; }
h1 { margin-bottom: 0.2em; } .sub { color: #666; margin-top: 0; }
.coverage { display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.8em; margin: 1em 0 1.5em; }
.stat { background: #f4f4f6; border-radius: 8px; padding: 0.7em 1em; } .stat b { display: block; font-size: 1.5em; }
.warn { background: #fff4e5; border-left: 4px solid #f0a020; padding: 0.6em 1em; margin: 1em 0; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.7em; text-align: right; } th { background: #f4f4f6; }
td:first-child, th:first-child { text-align: left; } img { max-width: 100%; } figure { margin: 1.5em 0; }
figcaption { color: #555; font-size: 0.9em; } .empty { color: #888; }
.source { color: #777; font-size: 0.8em; margin: 0.2em 0 0.6em; }
"""


def render(
    coverage: Coverage,
    figures: dict[str, tuple[str, str, bytes]],
    table_a1: pl.DataFrame,
    table_a2: pl.DataFrame,
    headlines: pl.DataFrame,
    checks: dict[str, tuple[pl.DataFrame, str, str]] | None = None,
    writers: dict[str, str] | None = None,
    computed_in: dict[str, str] | None = None,
) -> str:
    """`figures`: name -> (caption, source table, PNG bytes). Tables as the warehouse holds them. `checks`:
    the validation and sample tables with what to say when one is empty and their source table (see
    `read_checks`), shown after Table A2. `writers`: table -> the asset writing it (`read_writers`);
    `computed_in`: asset -> the module computing its tables."""
    checks = checks or {}
    writers = writers or {}
    computed_in = computed_in or {}
    sections = "".join(
        f"<h3>{html.escape(title)}</h3>{source_line(table, writers, computed_in)}{table_html(frame, empty=empty)}"
        for title, (frame, empty, table) in checks.items()
    )
    backends = coverage.backends["backend"].unique().to_list()
    # A measure made of two calls (the task value: a posting, then its price) joins their versions with "+".
    rules_versions = {
        part
        for version in coverage.prompt_versions["prompt_version"]
        for part in version.split("+")
        if part.startswith(heuristic.VERSION_PREFIX)
    }
    warning = heuristic_caveat(rules_agreement.recorded(), rules_versions) if "heuristic" in backends else ""
    one_person = coverage.people == 1
    stats = [
        ("sessions found", coverage.sessions),
        ("headless, excluded", coverage.headless),
        ("months", coverage.months),
        (
            ("people", "1: nothing suppressed")
            if one_person
            else (
                "cells suppressed",
                f"{coverage.suppressed_cells} of {coverage.cells}"
                + (f" (k = {coverage.min_users})" if coverage.min_users else ""),
            )
        ),
    ]
    if coverage.kept_sessions:
        stats.append(("kept, transcripts gone", coverage.kept_sessions))
    k = coverage.min_users or 0
    if one_person:
        people_note = (
            "<div class='warn'>These are <b>one person's sessions</b>. Nothing is suppressed (there is no one else "
            "to protect), and every session is its own cluster: confidence intervals are robust by session, and the "
            "report's cross-person comparisons (expertise, occupation) describe this person's own sessions.</div>"
        )
    elif coverage.people < k:
        people_note = (
            f"<div class='warn'>The sessions come from <b>{coverage.people} people</b>, fewer than k = {k}: every "
            "published cell needs at least k distinct people, so most cells below are suppressed. Set "
            "SESSIONLAB_MIN_CELL_USERS to change k, or SESSIONLAB_USER_RULE=single for one person's own "
            "transcripts.</div>"
        )
    else:
        people_note = ""
    warning += people_note
    header = "".join(
        f"<div class='stat'>{html.escape(name)}<b>{html.escape(str(value))}</b></div>" for name, value in stats
    )
    images = "".join(
        f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{base64.b64encode(data).decode()}'>"
        f"<figcaption>{html.escape(caption)}{source_line(table, writers, computed_in)}</figcaption></figure>"
        for name, (caption, table, data) in figures.items()
    )
    a1 = table_a1.select(
        "specification", "fixed_effects", "slope", "se", "sessions", "users", "fixed_effect_cells", "r2", "note"
    )
    a2 = (
        table_a2.with_columns(pl.col("expertise").replace_strict(EXPERTISE_NAMES, return_dtype=pl.Utf8).alias("level"))
        .pivot(on="specification", index=["expertise", "level"], values="rate")
        .sort("expertise")
        .drop("expertise")
    )
    a2 = a2.rename({c: f"({c})" for c in a2.columns if c != "level"})
    # The preferred column as the report's Table A2 prints it: sessions, people, raw and adjusted rate, SE, CI.
    a2_preferred = (
        table_a2.filter(pl.col("specification") == PREFERRED.number)
        .sort("expertise")
        .select(
            pl.col("expertise").replace_strict(EXPERTISE_NAMES, return_dtype=pl.Utf8).alias("level"),
            "sessions",
            pl.col("users").alias("people"),
            pl.col("raw_rate").alias("unadjusted rate"),
            pl.col("rate").alias("adjusted rate"),
            "se",
            pl.col("ci_low").alias("95% CI low"),
            pl.col("ci_high").alias("95% CI high"),
            "note",
        )
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sessionlab report</title><style>{STYLE}</style></head>
<body>
<h1>How people use coding agents</h1>
<p class="sub">sessionlab report, generated {generated}. Measures and analyses after
"Agentic coding and persistent returns to expertise" (Anthropic, 2026).</p>
<h2>Coverage</h2>
<div class="coverage">{header}</div>
{warning}
<h2>Your data beside the report</h2>
<p>Each headline of the report beside the same number measured on these sessions, with its 95% CI and N
(sessions; for the changes between the first and the last month, the people in those two months), or why it
could not be measured; <code>source</code> is the warehouse table each number is read from (the line under
each figure and table below names the asset and the module behind its table).</p>
{table_html(headlines)}
<h3>Sessions by agent</h3>{table_html(coverage.agents)}
<h3>Files not read, and why ({coverage.quarantined_files} in all)</h3>{table_html(coverage.not_read)}
<h3>Classifier outcomes per measure</h3>{table_html(coverage.classifiers)}
<h3>Backend and model</h3>{table_html(coverage.backends)}
<h3>Prompt versions</h3>{table_html(coverage.prompt_versions.with_columns(pl.col("prompt_version").str.slice(0, 12)))}
<h2>Figures</h2>
{images}
<h2>Table A1: verified success per expertise level, six specifications</h2>
<p>OLS linear probability model; fixed effects absorbed; standard errors clustered by user, small-sample corrected.</p>
{source_line(TABLE_A1, writers, computed_in)}{table_html(a1, 4)}
<h2>Table A2: adjusted verified success by expertise level</h2>
<p>Column ({PREFERRED.number}), the preferred specification: {html.escape(PREFERRED.describe())}. Recycled
predictions ȳ + β<sub>k</sub> − Σ p<sub>j</sub> β<sub>j</sub>; standard errors by the delta method from the
clustered covariance; a dash is a suppressed or unestimated cell.</p>
{source_line(TABLE_A2, writers, computed_in)}{table_html(a2_preferred)}
<p>Adjusted rate by level under each specification (columns):</p>
{table_html(a2)}
<h2>Validation and samples</h2>
<p>How far to trust the labels, and which sessions each analysis left out and why.</p>
{sections}
</body></html>
"""
