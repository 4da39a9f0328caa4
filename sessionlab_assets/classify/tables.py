"""The warehouse tables of the classifier measures, declared from the registry.

Every measure table has the same leading columns (who, which month, how the label was obtained)
followed by the label columns its classifiers declare in `registry.py`; that registry entry is the
one place a label column and its type are written down.
"""

from __future__ import annotations

import polars as pl

from sessionlab_assets.classify.registry import MEASURES
from sessionlab_assets.labels import (
    CODEBASE_RELATIONSHIPS,
    EXPERTISE_LEVELS,
    OUTCOMES,
    SIGNAL_LEVELS,
    SOC_MAJOR_GROUPS,
    VALUE_TIERS,
    WORK_MODES,
)

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


def label_columns(measure: str) -> tuple[tuple[str, str], ...]:
    return tuple(column for classifier in MEASURES[measure] for column in classifier.label_columns)


def measure_table_ddl(measure: str) -> str:
    lines = [f"    {name} {kind} {constraint}".rstrip() for name, kind, constraint in COMMON_COLUMNS]
    lines += [f"    {name} {kind}" for name, kind in label_columns(measure)]
    lines.append("    PRIMARY KEY (session_id)")
    return f"CREATE TABLE IF NOT EXISTS {measure} (\n" + ",\n".join(lines) + "\n);"


def measure_schema(measure: str) -> dict[str, pl.DataType]:
    columns = [(name, kind) for name, kind, _ in COMMON_COLUMNS] + list(label_columns(measure))
    return {name: _POLARS_TYPES[kind] for name, kind in columns}


ALL_DDL = tuple(measure_table_ddl(measure) for measure in MEASURES)


def _in(values) -> str:
    return "IN (" + ", ".join(repr(v) for v in values) + ")"


# The allowed values of every label column, as SQL conditions (checked on every materialisation).
COLUMN_DOMAINS: dict[str, str] = {
    "work_mode": f"work_mode {_in(WORK_MODES)}",
    "codebase_relationship": f"codebase_relationship {_in(CODEBASE_RELATIONSHIPS)}",
    "planning_decisions": "planning_decisions >= 0",
    "execution_decisions": "execution_decisions >= 0",
    "user_planning_share": "user_planning_share BETWEEN 0 AND 1",
    "user_execution_share": "user_execution_share BETWEEN 0 AND 1",
    "expertise": f"expertise {_in(EXPERTISE_LEVELS)}",
    "occupation_user": f"occupation_user {_in(SOC_MAJOR_GROUPS)}",
    "occupation_work": f"occupation_work {_in(SOC_MAJOR_GROUPS)}",
    "outcome": f"outcome {_in(OUTCOMES)}",
    "success_signal": f"success_signal {_in(SIGNAL_LEVELS)}",
    "failure_signal": f"failure_signal {_in(SIGNAL_LEVELS)}",
    "posting_title": "length(posting_title) > 0",
    "value_usd": f"value_usd BETWEEN {VALUE_TIERS[1][0]} AND {VALUE_TIERS[4][1]}",
    "value_tier": f"value_tier {_in(VALUE_TIERS)}",
}
