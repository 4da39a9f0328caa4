"""The closing summary `make run` prints: what the run left in the warehouse, on one screen.

    python -m sessionlab_assets.summary [--warehouse data/export/snapshot.duckdb] [--report data/report]

Reads the snapshot (a read-only copy, so it never waits for a writer) or, failing that, the warehouse.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from sessionlab_assets.classify.inputs import COUNTED_STATUS
from sessionlab_assets.ingest import inventory
from sessionlab_assets.partitions import FIRST_MONTH, last_month, split_at_current_month
from sessionlab_assets.report.settings import report_settings
from sessionlab_assets.resources import warehouse_resource


def _one(conn: duckdb.DuckDBPyConnection, sql: str):
    return conn.sql(sql).fetchall()[0]


def _has(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_one(conn, f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{table}'")[0])


def _other_months(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Sessions read but in months no run has written: outside the months asked for, or before the first
    month with partitions, which only SESSIONLAB_FIRST_MONTH can bring in."""
    months = inventory.months_not_written(conn)
    if not months:
        return []
    total = sum(n for _, n in months)
    lines = [
        f"not written   {total:,} sessions in months this warehouse has not written: {inventory.months_listed(months)}"
    ]
    early = sum(n for month, n in months if month < FIRST_MONTH)
    if early:
        lines.append(
            f"  before      {early:,} of them are dated before {FIRST_MONTH}, the first month with partitions: "
            f"set SESSIONLAB_FIRST_MONTH={months[0][0]} and run those months"
        )
    _, later = split_at_current_month(months)
    if later:
        lines.append(
            f"  later       {later:,} of them are dated after the current month, {last_month()}: a clock set wrong "
            "where they were recorded? Their months get partitions when they come"
        )
    return lines


def summary_lines(conn: duckdb.DuckDBPyConnection, report: Path, snapshot: Path) -> list[str]:
    lines = []
    sessions, headless, users, first, last = _one(
        conn,
        "SELECT count(*), count(*) FILTER (WHERE headless), count(DISTINCT user_key), "
        "strftime(min(month), '%Y-%m'), strftime(max(month), '%Y-%m') FROM sessions",
    )
    lines.append(
        f"sessions      {sessions:,} ({headless:,} headless, not classified) from {users:,} "
        f"{'person' if users == 1 else 'people'}, {first or '-'} to {last or '-'}"
    )
    clients = conn.sql("SELECT client, count(*) FROM session_headers GROUP BY 1 ORDER BY 2 DESC").fetchall()
    if clients:
        lines.append("agents        " + ", ".join(f"{client} {n:,}" for client, n in clients))
    files = conn.sql("SELECT status, count(*) FROM source_files GROUP BY 1 ORDER BY 2 DESC").fetchall()
    lines.append("files         " + (", ".join(f"{n:,} {status}" for status, n in files) or "none"))
    reasons = conn.sql(
        "SELECT reason, count(*) FROM source_files WHERE status = 'quarantined' GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
    ).fetchall()
    for reason, n in reasons:
        lines.append(f"  not read    {n:,} × {reason[:100]}")
    (kept,) = _one(conn, f"SELECT count(*) FROM ({inventory.KEPT_SESSIONS})")
    if kept:
        lines.append(
            f"  gone        {kept:,} sessions kept as last read: transcripts of theirs are no longer in the source "
            "(SESSIONLAB_ALLOW_EMPTYING_MONTHS=true removes them)"
        )
    lines += _other_months(conn)
    if _has(conn, "work_mode"):
        backend = conn.sql("SELECT DISTINCT backend, model FROM work_mode ORDER BY 1").fetchall()
        # Headless sessions are counted on the sessions line; here, what the classifier did with the rest.
        status = dict(conn.sql(f"SELECT {COUNTED_STATUS}, count(*) FROM work_mode GROUP BY ALL").fetchall())
        lines.append(
            "classifiers   "
            + ", ".join(f"{b} ({m})" for b, m in backend)
            + f"; work mode: {status.get('ok', 0):,} labelled, {status.get('abstained', 0):,} abstained, "
            f"{status.get('error', 0):,} errors"
        )
        calls, dollars = _one(conn, "SELECT count(*), coalesce(sum(cost_usd), 0) FROM classifier_calls")
        lines.append(f"ledger        {calls:,} distinct classifier calls recorded, ${dollars:,.2f} spent in all")
    if _has(conn, "analysis_suppressions"):
        cells, suppressed, k = _one(
            conn,
            "SELECT coalesce(sum(cells), 0), coalesce(sum(suppressed_cells), 0), max(min_users) "
            "FROM analysis_suppressions",
        )
        if users == 1:
            lines.append("privacy       one person's sessions: nothing suppressed (there is no one else to protect)")
        elif cells:
            lines.append(
                f"privacy       {suppressed:,} of {cells:,} published cells suppressed (fewer than {k} people)"
            )
            if suppressed * 2 > cells and k > 2:
                # A team's own warehouse: the default k hides most of what a few people did.
                lines.append(
                    "  most hidden SESSIONLAB_MIN_CELL_USERS=2 publishes cells of two people or more, for a look at "
                    "your own team's sessions; keep the default for anything you share"
                )
    lines.append(f"report        {report / 'report.html'}")
    lines.append(f"snapshot      {snapshot} (query it with any DuckDB client, read-only)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The same settings, read the same way, as the code location's (resolved as a run resolves them).
    settings = report_settings().process_config_and_initialize()
    export = Path(settings.export_dir).expanduser()
    parser.add_argument("--snapshot", type=Path, default=export / "snapshot.duckdb")
    parser.add_argument("--warehouse", type=Path, default=warehouse_resource().process_config_and_initialize().path())
    parser.add_argument("--report", type=Path, default=Path(settings.report_dir).expanduser())
    args = parser.parse_args()
    source = args.snapshot if args.snapshot.is_file() else args.warehouse
    if not source.is_file():
        raise SystemExit(f"no warehouse at {args.warehouse}: run `make run` first")
    with duckdb.connect(str(source), read_only=True) as conn:
        print("\n".join(["", "sessionlab: done", *summary_lines(conn, args.report, args.snapshot)]))


if __name__ == "__main__":
    main()
