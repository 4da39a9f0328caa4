"""Monthly partitions: one key per calendar month (`YYYY-MM`) from SESSIONLAB_FIRST_MONTH (2025-10, where
the report's sample starts, unless set), including the current month."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

import dagster as dg

from sessionlab_assets import environment

try:
    FIRST_MONTH = environment.first_month()
except environment.SettingError as error:  # read when the code location loads: one line, status 2
    print(f"sessionlab: {error}", file=sys.stderr)
    raise SystemExit(2) from None

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, fmt="%Y-%m", end_offset=1)


def last_month(now: datetime | None = None) -> str:
    """The last month with a partition, `YYYY-MM`: the current one in UTC, as `end_offset=1` of the
    partitions above makes it (a test holds the two equal). A session dated later (a clock set wrong
    where it was recorded) has no partition until its month comes."""
    return f"{(now or datetime.now(UTC)):%Y-%m}"


def split_at_current_month(months: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], int]:
    """`months` ((YYYY-MM, sessions)) up to the current one, and the sessions dated after it, which no
    partition holds until their month comes."""
    current = last_month()
    return [(m, n) for m, n in months if m <= current], sum(n for m, n in months if m > current)


SAMPLE_MONTHS = "2025-10...2026-04"  # the report's months, which the sample corpus covers

# Every partitioned asset uses this, so a backfill of N months (UI or --partition-range) is one run.
single_run = dg.BackfillPolicy.single_run()


def month_range(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """[first month, month after the last) of the partitions this run covers."""
    window = context.partition_time_window
    return _as_date(window.start), _as_date(window.end)


def _as_date(value: datetime) -> date:
    return date(value.year, value.month, 1)


def check_range(text: str) -> str:
    """A `--partition-range` as `make run MONTHS=...` gives it, checked: `YYYY-MM...YYYY-MM` (one month
    stands for itself), first month not after the last, none before the first partition or after the
    last (the current month)."""
    first, _, last = text.partition("...")
    last = last or first
    try:
        if not all(len(month) == 7 and month[4] == "-" for month in (first, last)):
            raise ValueError
        start, end = (datetime.strptime(month, "%Y-%m").date() for month in (first, last))
    except ValueError:
        raise ValueError(f"MONTHS={text!r}: expected YYYY-MM or YYYY-MM...YYYY-MM, such as 2026-01...2026-03") from None
    if start > end:
        raise ValueError(f"MONTHS={text!r}: the first month is after the last")
    if start < datetime.strptime(FIRST_MONTH, "%Y-%m").date():
        raise ValueError(
            f"MONTHS={text!r}: the first month with partitions is {FIRST_MONTH} "
            "(set SESSIONLAB_FIRST_MONTH for earlier months)"
        )
    if last > last_month():
        raise ValueError(f"MONTHS={text!r}: the last month with partitions is {last_month()}, the current month")
    return f"{first}...{last}"


def default_range(now: datetime | None = None) -> str:
    """The months `make run` builds when MONTHS is not given: the sample corpus's; or, for your own
    transcripts (SESSIONLAB_SOURCE_DIR set), every month from the first partition to the current one, so
    a first run finds the sessions wherever they fall."""
    if not environment.is_set("SESSIONLAB_SOURCE_DIR"):
        return SAMPLE_MONTHS
    return f"{FIRST_MONTH}...{last_month(now)}"


if __name__ == "__main__":  # `python -m sessionlab_assets.partitions [2026-02]` prints the range, or says what is wrong
    try:
        print(check_range(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else default_range())
    except ValueError as error:
        raise SystemExit(f"sessionlab: {error}") from None
