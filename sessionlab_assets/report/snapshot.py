"""A read-only snapshot of the warehouse for ad-hoc SQL (snapshot.duckdb and one Parquet file per view),
refreshed after the report; published in one step so a reader never sees half of it."""

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.metadata import markdown_table
from sessionlab_assets.report.settings import ReportSettings

GROUP = "report"
# Tables holding transcript text (redacted): copied to the snapshot only with `export_windows`.
TEXT_TABLES = frozenset({"classifier_inputs"})
# Columns that name a person or repeat transcript text, as the snapshot shows them unless the user shares
# them (`export_windows`): a path under the source root (the person's folder, the agent's project folder,
# which encodes a home path) as a pseudonym that still joins across tables; an MCP server's name hidden;
# the classifiers' answers (the job posting paraphrases the request) left out; how a file was read (a
# hash with the pseudonym key in it) left out.
PRIVATE_COLUMNS = {
    "source_file": "'file-' || left(sha256(source_file), 16)",
    "tool_name": "regexp_replace(tool_name, '^mcp__.+__', 'mcp__(server)__')",
    "output_json": "CAST(NULL AS VARCHAR)",
    "read_as": "CAST(NULL AS VARCHAR)",
}


def _literal(path: Path) -> str:
    """A path as an SQL string literal (ATTACH and COPY take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _copy_tables_and_views(conn: duckdb.DuckDBPyConnection, source: str, target: str, shared: bool = False) -> None:
    """Every table's rows and every view of `source` into `target`, without the tables' keys; unless
    `shared`, without `TEXT_TABLES` and with `PRIVATE_COLUMNS` as declared there.

    The keys only guard writes, and a read-only copy takes none; rebuilding their indexes is what
    does not fit in DuckDB's memory limit at scale (`COPY FROM DATABASE` ran out of 1 GB at 400k
    sessions, on the ledger's 4.4M keys). Column types and the views' SQL are copied as they are."""
    tables = conn.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary "
        "AND schema_name <> ? ORDER BY ALL",
        [source, warehouse.STAGING_SCHEMA],
    ).fetchall()
    views = conn.execute(
        "SELECT schema_name, sql FROM duckdb_views() WHERE database_name = ? AND NOT internal AND NOT temporary "
        "ORDER BY schema_name, view_name",
        [source],
    ).fetchall()
    for schema in sorted({schema for schema, _ in tables} | {schema for schema, _ in views}):
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{target}"."{schema}"')
    for schema, table in tables:
        if table in TEXT_TABLES and not shared:
            continue
        columns = {
            c
            for (c,) in conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                "AND table_name = ?",
                [source, schema, table],
            ).fetchall()
        }
        private = [f"{expression} AS {c}" for c, expression in PRIVATE_COLUMNS.items() if c in columns and not shared]
        select = f"SELECT * REPLACE ({', '.join(private)})" if private else "SELECT *"
        conn.execute(f'CREATE TABLE "{target}"."{schema}"."{table}" AS {select} FROM "{source}"."{schema}"."{table}"')
    conn.execute(f'USE "{target}"')  # a view's SQL names its tables without a database: bind them in the copy
    for _, view_sql in views:
        conn.execute(view_sql)


def _publish(staging: Path, target: Path) -> None:
    """Make `staging` the export in one step. The export folder is a symbolic link to a complete version
    folder beside it; replacing the link is one rename, so a reader (or a run killed half-way) sees the
    old export or the new one, never a mix. A reader with the old snapshot open keeps reading it until
    the next run removes it."""
    version = target.parent / f".{target.name}-{time.time_ns()}"
    os.rename(staging, version)
    link = target.parent / f".{target.name}-link-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version.name, link)
    if target.exists() and not target.is_symlink():  # an export folder from before the link
        os.rename(target, target.parent / f".{target.name}-{time.time_ns()}-old")
    os.replace(link, target)


def _clean_stale_exports(target: Path) -> None:
    """Remove what killed runs and earlier versions left beside the export, except the current one."""
    current = target.resolve().name if target.is_symlink() else None
    for path in target.parent.glob(f".{target.name}-*"):
        if path.name != current:
            if path.is_symlink() or path.is_file():
                path.unlink(missing_ok=True)
            else:
                shutil.rmtree(path, ignore_errors=True)


@dg.asset(
    deps=["report"],
    group_name=GROUP,
    kinds={"duckdb", "parquet"},
    pool="warehouse",
    description="A read-only copy of the warehouse (snapshot.duckdb) and one Parquet file per view, refreshed after "
    "each run, for ad-hoc SQL while another run writes the warehouse.",
)
def warehouse_snapshot(warehouse_db: DuckDBResource, report_settings: ReportSettings) -> dg.MaterializeResult:
    target = Path(report_settings.export_dir).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_exports(target)
    staging = target.parent / f".{target.name}-staging-{os.getpid()}-{time.time_ns()}"
    staging.mkdir()
    try:
        with warehouse_db.get_connection() as conn:
            warehouse.ensure_schema(conn)
            source = conn.sql("SELECT current_database()").fetchall()[0][0]
            # Row order means nothing in a copy; not keeping it lets DuckDB stream big tables within its
            # memory limit.
            conn.execute("SET preserve_insertion_order = false")
            conn.execute(f"ATTACH {_literal(staging / 'snapshot.duckdb')} AS snapshot_copy")
            try:
                _copy_tables_and_views(conn, source, "snapshot_copy", shared=report_settings.export_windows)
            except duckdb.OutOfMemoryException as error:
                raise dg.Failure(
                    description="The snapshot copy ran out of DuckDB's memory limit: raise "
                    "SESSIONLAB_DUCKDB_MEMORY_LIMIT "
                    "(default 1GB) and materialise warehouse_snapshot again. The warehouse is unchanged.",
                    metadata={"duckdb_error": str(error).splitlines()[0]},
                ) from error
            finally:
                conn.execute(f'USE "{source}"')
                conn.execute("DETACH snapshot_copy")
            views = conn.sql("SELECT view_name FROM duckdb_views() WHERE schema_name = 'views' ORDER BY 1").fetchall()
            rows = {}
            for (view,) in views:
                conn.execute(
                    f"COPY (SELECT * FROM views.{view}) TO {_literal(staging / (view + '.parquet'))} (FORMAT parquet)"
                )
                rows[view] = conn.sql(f"SELECT count(*) FROM views.{view}").fetchall()[0][0]
        _publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dg.MaterializeResult(
        metadata={
            "snapshot": dg.MetadataValue.path(str(target / "snapshot.duckdb")),
            "classifier_windows_exported": dg.MetadataValue.bool(report_settings.export_windows),
            "parquet_files": markdown_table(pl.DataFrame({"view": list(rows), "rows": list(rows.values())}), 30),
        }
    )
