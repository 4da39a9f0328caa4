"""Helpers that turn results into Dagster metadata a person can read."""

from __future__ import annotations

import dagster as dg
import polars as pl


def markdown_table(frame: pl.DataFrame, rows: int = 20) -> dg.MetadataValue:
    if frame.height == 0:
        return dg.MetadataValue.md("(no rows)")
    head = frame.head(rows)
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in head.iter_rows()]
    if frame.height > rows:
        lines.append(f"\n({frame.height - rows} more rows)")
    return dg.MetadataValue.md("\n".join(lines))
