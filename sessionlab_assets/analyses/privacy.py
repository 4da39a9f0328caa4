"""Small-cell suppression: a published number is an aggregate over at least k distinct users.

Every analysis table has a `users` column (distinct users behind the cell) and a `suppressed` flag.
A cell under the threshold keeps its key and its counts' existence but loses its estimates and
counts (set to NULL), and the suppression is recorded in `analysis_suppressions`.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

SUPPRESSIONS_SCHEMA = {
    "analysis": pl.Utf8,
    "table_name": pl.Utf8,
    "cells": pl.Int64,
    "suppressed_cells": pl.Int64,
    "min_users": pl.Int32,
}


def suppress(table: pl.DataFrame, values: Sequence[str], min_users: int) -> pl.DataFrame:
    """Null `values` (and the session count) in cells with fewer than `min_users` distinct users."""
    if "users" not in table.columns:
        raise KeyError("a published table needs a `users` column to apply the small-cell threshold")
    small = pl.col("users").is_null() | (pl.col("users") < min_users)
    hidden = [c for c in (*values, "sessions") if c in table.columns]
    return table.with_columns(
        *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in hidden),
        pl.when(small).then(None).otherwise(pl.col("users")).alias("users"),
        small.alias("suppressed"),
    )


def record(analysis: str, tables: dict[str, pl.DataFrame], min_users: int) -> pl.DataFrame:
    """One row per published table: how many cells it has and how many were suppressed."""
    return pl.DataFrame(
        [
            {
                "analysis": analysis,
                "table_name": name,
                "cells": table.height,
                "suppressed_cells": int(table["suppressed"].sum()) if table.height else 0,
                "min_users": min_users,
            }
            for name, table in tables.items()
        ],
        schema=SUPPRESSIONS_SCHEMA,
    )
