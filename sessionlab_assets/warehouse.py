"""The DuckDB warehouse: declared schemas, and month replacement in one transaction.

Every table is declared once: in `sql/schema/<table>.sql`, or, for the classifier measures, by the
registry (`classify/tables.py`). Frames are checked against the declared
columns before they are written (a missing or unexpected column is an error, never a silent NULL or
a dropped column) and inserted BY NAME, so DuckDB casts each value to the declared type.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import duckdb
import polars as pl

from sessionlab_assets.paths import SQL_DIR

SCHEMA_DIR = SQL_DIR / "schema"
VIEWS_DIR = SQL_DIR / "views"


class SchemaMismatch(ValueError):
    pass


class OutOfMemory(RuntimeError):
    """DuckDB's buffer filled while months were being replaced; nothing was changed."""


def sql_text(relative: str) -> str:
    path = SQL_DIR / relative
    if not path.is_file():
        raise FileNotFoundError(f"SQL file {path} is missing: the sql/ folder ships with the project checkout")
    return path.read_text()


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create every declared table and view that does not exist yet: sql/schema/, the measure tables
    declared by the classifier registry, then sql/views/."""
    from sessionlab_assets.classify.tables import ALL_DDL  # the registry declares the measure tables

    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        conn.execute(path.read_text())
    for statement in ALL_DDL:
        conn.execute(statement)
    drop_ledger_key(conn)
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        conn.execute(path.read_text())


def drop_ledger_key(conn: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild a ledger made by an older version, which declared its key as a PRIMARY KEY (see
    sql/schema/classifier_calls.sql for why it no longer does). True when it did."""
    keyed = conn.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE schema_name = 'main' AND table_name = 'classifier_calls' "
        "AND constraint_type = 'PRIMARY KEY'"
    ).fetchall()[0][0]
    if not keyed:
        return False
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute("ALTER TABLE classifier_calls RENAME TO classifier_calls_keyed")
        conn.execute(sql_text("schema/classifier_calls.sql"))
        conn.execute("INSERT INTO classifier_calls BY NAME SELECT * FROM classifier_calls_keyed")
        conn.execute("DROP TABLE classifier_calls_keyed")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def table_columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    if not rows:
        raise SchemaMismatch(f"table {table} is not declared in {SCHEMA_DIR}")
    return [r[0] for r in rows]


def check_frame(
    conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, declared: list[str] | None = None
) -> None:
    """`frame` has exactly the columns of `table` (`declared`, when the caller has read them already)."""
    declared = table_columns(conn, table) if declared is None else declared
    missing = [c for c in declared if c not in frame.columns]
    extra = [c for c in frame.columns if c not in declared]
    if missing or extra:
        raise SchemaMismatch(
            f"frame for {table} does not match the table in the warehouse: missing {missing}, unexpected {extra}. "
            f"If the warehouse was created by an older version, drop the table (DROP TABLE {table} CASCADE) and "
            "re-materialise the asset that fills it, or start from a new warehouse file."
        )


STAGING_SCHEMA = "staging"


def month_runs(months: list[date]) -> list[tuple[date, date]]:
    """Sorted first-of-month dates as [start, end) ranges of consecutive months."""
    runs: list[tuple[date, date]] = []
    for month in sorted(set(months)):
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if runs and runs[-1][1] == month:
            runs[-1] = (runs[-1][0], following)
        else:
            runs.append((month, following))
    return runs


FILES_TABLE = "replaced_files"  # temporary: the source files whose rows a replacement renews


def temp_files_table(conn: duckdb.DuckDBPyConnection, name: str, files: set[str]) -> None:
    """`files` as the temporary table `name` (one column, source_file): a join, where a list parameter
    would be scanned once per row."""
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} (source_file VARCHAR)")
    if files:
        conn.execute(f"INSERT INTO {name} SELECT unnest($files)", {"files": sorted(files)})


class MonthReplacement:
    """New rows for some months of some tables, gathered batch by batch; see `replacing_months`."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        params: dict[str, date],
        tables: list[str],
        months: list[date] | None = None,
    ):
        self.conn = conn
        self.params = params
        self.tables = tables
        # The months replaced: every month of [month_start, month_end), or just these.
        self.runs = month_runs(months) if months is not None else [(params["month_start"], params["month_end"])]
        self.statements: list[str] = []
        self.written: dict[str, int] = {}  # rows per table in the months, once committed
        # Each table's declared columns, read once: a query of the catalogue costs about 5 ms, and a
        # replacement at 400k sessions inserts some 4,000 batches.
        self.declared = {table: table_columns(conn, table) for table in tables}

    def insert(self, table: str, frame: pl.DataFrame) -> None:
        """Add rows for `table`, checked against its declared columns and cast to its declared types."""
        if table not in self.tables:
            raise ValueError(f"{table} is not among the tables this replacement writes: {self.tables}")
        check_frame(self.conn, table, frame, self.declared[table])
        if frame.height:
            self.conn.register("incoming_frame", frame)
            self.conn.execute(f"INSERT INTO {self.staged(table)} BY NAME SELECT * FROM incoming_frame")
            self.conn.unregister("incoming_frame")

    def carry(self, table: str, condition: str, params: dict | None = None, replace: str = "") -> None:
        """Keep rows of `table` that the replacement would otherwise delete: those of the current table
        meeting `condition` (SQL; `self.staged(table)` names the rows added so far), changed on the way by
        `replace`, a DuckDB `REPLACE (expression AS column, ...)` clause."""
        if table not in self.tables:
            raise ValueError(f"{table} is not among the tables this replacement writes: {self.tables}")
        self.conn.execute(
            f"INSERT INTO {self.staged(table)} BY NAME SELECT * {replace} FROM main.{table} WHERE {condition}",
            params or {},
        )

    @staticmethod
    def staged(table: str) -> str:
        return f"{STAGING_SCHEMA}.{table}"

    def then(self, statement: str) -> None:
        """Run in the replacing transaction, after the new rows are in: SQL with $month_start /
        $month_end parameters (rows derived from the new ones)."""
        self.statements.append(statement)

    def _in_months(self) -> str:
        return (
            "(" + " OR ".join(f"(month >= '{a}' AND month < '{b}')" for a, b in self.runs) + ")"
            if self.runs
            else "false"
        )

    def _commit(self, undated: frozenset[str] | set[str], by_file: frozenset[str] | set[str], files: bool) -> None:
        self.conn.execute("BEGIN TRANSACTION")
        try:
            for table in self.tables:
                condition = self._in_months()
                if table in undated:
                    condition += (
                        f" OR (month IS NULL AND source_file IN (FROM {FILES_TABLE}))"
                        if files
                        else (" OR month IS NULL")
                    )
                if table in by_file and files:
                    condition += f" OR source_file IN (FROM {FILES_TABLE})"
                self.conn.execute(f"DELETE FROM main.{table} WHERE {condition}")
                self.conn.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM {self.staged(table)}")
            for statement in self.statements:
                for start, end in self.runs:
                    self.conn.execute(statement, {"month_start": start, "month_end": end})
            self.written = {
                table: self.conn.execute(f"SELECT count(*) FROM main.{table} WHERE {self._in_months()}").fetchall()[0][
                    0
                ]
                for table in self.tables
            }
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise


@contextmanager
def replacing_months(
    conn: duckdb.DuckDBPyConnection,
    month_start: date,
    month_end: date,
    tables: list[str],
    undated: frozenset[str] | set[str] = frozenset(),
    months: list[date] | None = None,
    files: set[str] | None = None,
    by_file: frozenset[str] | set[str] = frozenset(),
) -> Iterator[MonthReplacement]:
    """Replace [month_start, month_end) of each table with the rows inserted in the block, in one
    transaction when the block ends; on any error nothing changes and the months stay as they were.
    With `months`, only those months of the range are replaced (statements run once per run of
    consecutive months). Tables in `undated` also lose their month-NULL rows (they describe files that
    no month holds): all of them, or, with `files`, those of these source files. Tables in `by_file`
    lose every row of `files`, whatever its month (an inventory keeps one row per file).

    Rows are gathered in `staging.<table>` (committed as they come) and moved in one INSERT … SELECT:
    DuckDB holds a long transaction's many small inserts in memory, past its memory limit (at 100k
    sessions the events alone took about 5 GB), while one large insert is written out as it goes.
    """
    ensure_schema(conn)
    params = {"month_start": month_start, "month_end": month_end}
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGING_SCHEMA}")
    for table in tables:  # replaces what a run that died may have left
        conn.execute(f"CREATE OR REPLACE TABLE {MonthReplacement.staged(table)} AS SELECT * FROM main.{table} LIMIT 0")
    replacement = MonthReplacement(conn, params, tables, months)
    if files is not None:
        temp_files_table(conn, FILES_TABLE, files)
    try:
        yield replacement
        replacement._commit(undated, by_file, files is not None)
    except duckdb.OutOfMemoryException as error:
        months_text = ", ".join(_month_span(a, b) for a, b in replacement.runs) or "no month"
        raise OutOfMemory(
            f"DuckDB ran out of its memory limit ({_memory_limit(conn)}) while replacing {months_text} of "
            f"{', '.join(tables)}; nothing was changed. Raise SESSIONLAB_DUCKDB_MEMORY_LIMIT (for example to 2GB) "
            f"or materialise fewer months at a time. DuckDB said: {str(error).splitlines()[0]}"
        ) from error
    finally:
        for table in tables:
            conn.execute(f"DROP TABLE IF EXISTS {MonthReplacement.staged(table)}")
        conn.execute(f"DROP TABLE IF EXISTS {FILES_TABLE}")


def _month_span(start: date, end: date) -> str:
    """[start, end) of first-of-month dates, in words: "2026-01" or "2026-01 to 2026-03"."""
    last = date(end.year - (end.month == 1), (end.month - 2) % 12 + 1, 1)
    return f"{start:%Y-%m}" if last == start else f"{start:%Y-%m} to {last:%Y-%m}"


def _memory_limit(conn: duckdb.DuckDBPyConnection) -> str:
    try:
        return conn.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    except duckdb.Error:  # a connection left unusable by the failure
        return "unknown"


def redeclare(conn: duckdb.DuckDBPyConnection, table: str, keep_rows: bool) -> None:
    """Re-create a derived `table` from its declaration (sql/schema/<table>.sql). With `keep_rows`, its
    rows stay in the columns both shapes have, a column new to the declaration empty: the rows of other
    analyses in a table they share, until those analyses run again."""
    older = f"{table}_older"
    conn.execute(f"ALTER TABLE {table} RENAME TO {older}")
    conn.execute(sql_text(f"schema/{table}.sql"))
    if keep_rows:
        kept = ", ".join(c for c in table_columns(conn, table) if c in table_columns(conn, older))
        conn.execute(f"INSERT INTO {table} ({kept}) SELECT {kept} FROM {older}")
    conn.execute(f"DROP TABLE {older}")


def replace_analysis(
    conn: duckdb.DuckDBPyConnection, analysis: str, tables: dict[str, pl.DataFrame], keyed: dict[str, pl.DataFrame]
) -> dict[str, int]:
    """Publish an analysis in one transaction: each table in `tables` is replaced whole, and in each
    table of `keyed` (shared by all analyses) only the rows of this `analysis` are replaced. An analysis
    table made by an older version with other columns is declared again (`redeclare`) rather than refused:
    its rows are analyses' output, which the new version writes again."""
    ensure_schema(conn)
    conn.execute("BEGIN TRANSACTION")
    try:
        for table, frame in {**tables, **keyed}.items():
            if set(table_columns(conn, table)) != set(frame.columns):
                redeclare(conn, table, keep_rows=table in keyed)
        for table, frame in {**tables, **keyed}.items():
            check_frame(conn, table, frame)
        for table, frame in {**tables, **keyed}.items():
            if table in keyed:
                conn.execute(f"DELETE FROM {table} WHERE analysis = $analysis", {"analysis": analysis})
            else:
                conn.execute(f"DELETE FROM {table}")
            if frame.height:
                conn.register("incoming_frame", frame)
                conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_frame")
                conn.unregister("incoming_frame")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {table: frame.height for table, frame in tables.items()}
