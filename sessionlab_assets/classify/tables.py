"""The warehouse tables of the classifier measures, and `session_measures`, declared from the registry.

Every measure table has the same leading columns (who, which month, how the label was obtained)
followed by the label columns its classifiers declare in `registry.py`; that registry entry is the
one place a label column and its type are written down. `session_measures` is one row per session:
the telemetry below, the label columns each classifier carries into it (`Classifier.session_columns`),
the derived measures of `derived.py`, and how many of the session's measures were labelled.
"""

from __future__ import annotations

import polars as pl

from sessionlab_assets import derived
from sessionlab_assets.classify.registry import MEASURES

COMMON_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("month", "DATE", "NOT NULL"),
    ("session_id", "VARCHAR", "NOT NULL"),
    ("user_key", "VARCHAR", "NOT NULL"),
    ("status", "VARCHAR", "NOT NULL CHECK (status IN ('ok', 'abstained', 'error'))"),
    ("reason", "VARCHAR", ""),  # why an error or an abstention
    ("backend", "VARCHAR", "NOT NULL"),  # anthropic | heuristic
    ("model", "VARCHAR", "NOT NULL"),
    ("prompt_version", "VARCHAR", ""),  # of each classifier, '+'-joined for chained measures
    ("input_hash", "VARCHAR", ""),  # the window hash
)

_POLARS_TYPES = {"VARCHAR": pl.String, "DOUBLE": pl.Float64, "INTEGER": pl.Int32, "TINYINT": pl.Int8, "DATE": pl.Date}


def label_columns(measure: str) -> tuple[tuple[str, str, str], ...]:
    """(column, DuckDB type, domain condition) of the label columns of a measure's table."""
    return tuple(column for classifier in MEASURES[measure] for column in classifier.label_columns)


def measure_table_ddl(measure: str) -> str:
    lines = [f"    {name} {kind} {constraint}".rstrip() for name, kind, constraint in COMMON_COLUMNS]
    lines += [f"    {name} {kind}" for name, kind, _ in label_columns(measure)]
    lines.append("    PRIMARY KEY (session_id)")
    return f"CREATE TABLE IF NOT EXISTS {measure} (\n" + ",\n".join(lines) + "\n);"


def measure_schema(measure: str) -> dict[str, pl.DataType]:
    columns = [(name, kind) for name, kind, _ in (*COMMON_COLUMNS, *label_columns(measure))]
    return {name: _POLARS_TYPES[kind] for name, kind in columns}


# The telemetry of a session that session_measures carries, as the `sessions` table holds it.
TELEMETRY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("month", "DATE", "NOT NULL"),
    ("session_id", "VARCHAR", "NOT NULL"),
    ("user_key", "VARCHAR", "NOT NULL"),
    ("headless", "BOOLEAN", "NOT NULL"),
    ("human_turns", "INTEGER", "NOT NULL"),
    ("model_calls", "INTEGER", "NOT NULL"),
    ("tool_calls", "INTEGER", "NOT NULL"),
    ("actions_per_prompt", "DOUBLE", ""),
    ("output_words_per_prompt", "DOUBLE", ""),
    ("lines_added", "INTEGER", "NOT NULL"),
    ("lines_removed", "INTEGER", "NOT NULL"),
    ("wrote_code", "BOOLEAN", "NOT NULL"),
    ("model_family", "VARCHAR", ""),
    ("duration_seconds", "DOUBLE", ""),  # NULL for formats that record no time
)
# Which backends labelled the session (heuristic labels are not model labels), and how many of its
# measures have status ok and error.
LABEL_SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("backend", "VARCHAR", "NOT NULL"),
    ("labels_ok", "INTEGER", "NOT NULL"),
    ("labels_error", "INTEGER", "NOT NULL"),
)


def session_label_columns() -> tuple[tuple[str, str, str], ...]:
    """(measure, column, DuckDB type) of every label column session_measures carries, in registry order."""
    return tuple(
        (measure, name, kind)
        for measure, classifiers in MEASURES.items()
        for classifier in classifiers
        for name, kind, _ in classifier.label_columns
        if classifier.session_columns is None or name in classifier.session_columns
    )


def session_measures_ddl() -> str:
    columns = [f"    {name} {kind} {constraint}".rstrip() for name, kind, constraint in TELEMETRY_COLUMNS]
    columns += [f"    {name} {kind}" for _, name, kind in session_label_columns()]
    columns += [f"    {expression.meta.output_name()} BOOLEAN" for expression in derived.ALL]
    columns += [f"    {name} {kind} {constraint}".rstrip() for name, kind, constraint in LABEL_SUMMARY_COLUMNS]
    columns.append("    PRIMARY KEY (session_id)")
    return (
        "CREATE TABLE IF NOT EXISTS session_measures (\n" + ",\n".join(columns) + "\n);\n"
        # Warehouses made before formats without timestamps were read declared it NOT NULL.
        "ALTER TABLE session_measures ALTER COLUMN duration_seconds DROP NOT NULL;"
    )


def session_measures_query() -> str:
    """Telemetry and labels of the sessions of [$s, $e), one row per session. A label is kept only when its
    measure's status is ok or abstained (an error row's label columns are NULL). The derived measures are
    added in Python (derived.py), their one definition."""
    aliases = {measure: f"m{i}" for i, measure in enumerate(MEASURES)}
    statuses = " UNION ALL\n    ".join(f"SELECT session_id, status, backend FROM {measure}" for measure in MEASURES)
    telemetry = ", ".join(f"s.{name}" for name, _, _ in TELEMETRY_COLUMNS)
    labels = ", ".join(f"{aliases[measure]}.{name}" for measure, name, _ in session_label_columns())
    joins = "\n".join(
        f"LEFT JOIN {measure} {alias} USING (session_id)" for measure, alias in aliases.items() if _carried(measure)
    )
    return f"""WITH measure_status AS (
    {statuses}
),
per_session AS (
    SELECT session_id, count(*) FILTER (WHERE status = 'ok') AS labels_ok,
           count(*) FILTER (WHERE status = 'error') AS labels_error,
           string_agg(DISTINCT backend, '+' ORDER BY backend) AS backend
    FROM measure_status GROUP BY session_id
)
SELECT {telemetry},
    {labels},
    coalesce(st.backend, 'none') AS backend,
    coalesce(st.labels_ok, 0) AS labels_ok,
    coalesce(st.labels_error, 0) AS labels_error
FROM sessions s
{joins}
LEFT JOIN per_session st USING (session_id)
WHERE s.month >= $s AND s.month < $e
ORDER BY s.session_id"""


def _carried(measure: str) -> bool:
    return any(m == measure for m, _, _ in session_label_columns())


ALL_DDL = (*(measure_table_ddl(measure) for measure in MEASURES), session_measures_ddl())
