"""Monthly partitions: one key per calendar month (`YYYY-MM`) from 2025-10, including the current month."""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2025-10", fmt="%Y-%m", end_offset=1)

# Every partitioned asset uses this, so a backfill of N months (UI or --partition-range) is one run.
single_run = dg.BackfillPolicy.single_run()


def month_range(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """[first month, month after the last) of the partitions this run covers."""
    window = context.partition_time_window
    return _as_date(window.start), _as_date(window.end)


def _as_date(value: datetime) -> date:
    return date(value.year, value.month, 1)
