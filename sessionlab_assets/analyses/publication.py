"""What every analysis shares: its settings, and `Publication`, which reads `session_measures`, records
each sample rule, suppresses small cells and writes an analysis's tables in one transaction."""

from collections.abc import Sequence

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets import environment, warehouse
from sessionlab_assets.analyses import privacy
from sessionlab_assets.analyses.frame import restrict, with_cells
from sessionlab_assets.ingest import inventory
from sessionlab_assets.metadata import markdown_table
from sessionlab_assets.partitions import FIRST_MONTH, last_month, split_at_current_month

DEFAULT_MIN_USERS = 10


class AnalysisSettings(dg.ConfigurableResource):
    min_users: int = DEFAULT_MIN_USERS  # a published cell needs at least this many distinct users
    gold_labels: str = ""  # CSV or Parquet of reference labels by session_id; empty = no agreement tables


def analysis_settings() -> AnalysisSettings:
    return AnalysisSettings(
        min_users=environment.integer_field("SESSIONLAB_MIN_CELL_USERS", DEFAULT_MIN_USERS, minimum=1),
        gold_labels=environment.optional_field("SESSIONLAB_GOLD_LABELS") or "",
    )


def _read_measures(conn) -> pl.DataFrame:
    frame = conn.sql("SELECT * FROM session_measures ORDER BY session_id").pl()
    if frame.height == 0:
        raise dg.Failure(f"session_measures is empty: {_why_no_sessions(conn)}")
    return with_cells(frame)


def _why_no_sessions(conn) -> str:
    """What to run: the months the sessions already read fall in, when a run read some outside its months.
    Months after the current one have no partition yet: they are named, not offered to run."""
    months = inventory.months_not_written(conn)
    if not months:
        return "materialise the monthly assets (ingest, classify) for some months first."
    runnable, later = split_at_current_month(months)
    why = (
        f"the {sum(n for _, n in months):,} sessions read are in months no run has written "
        f"({inventory.months_listed(months)})"
    )
    if later:
        why += f"; {later:,} dated after the current month ({last_month()}) have no partition until their month comes"
    if not runnable:
        return why + "."
    first, last = runnable[0][0], runnable[-1][0]
    earlier = f"set SESSIONLAB_FIRST_MONTH={first} and " if first < FIRST_MONTH else ""
    return f"{why}: {earlier}run those months (make run MONTHS={first}...{last}, or a backfill in the UI)."


SINGLE_PERSON = (
    "one person's sessions: no cell is suppressed (there is no one else to protect), and every session is its "
    "own cluster, so standard errors are heteroskedasticity-robust by session and `users` columns count sessions"
)


class Publication:
    """The tables of one analysis, suppressed and written together.

    A warehouse holding one person's sessions is analysed as such: with a single user there is neither
    anyone to protect by suppression nor more than one cluster, so each session is its own cluster
    (`SINGLE_PERSON` says so in every analysis's metadata and in the report)."""

    def __init__(self, analysis: str, warehouse_db: DuckDBResource, settings: AnalysisSettings):
        self.analysis = analysis
        self.warehouse_db = warehouse_db
        self.min_users = settings.min_users
        self.tables: dict[str, pl.DataFrame] = {}
        self.samples: list[pl.DataFrame] = []
        with warehouse_db.get_connection() as conn:
            self.measures = _read_measures(conn)
        self.single_person = self.measures["user_key"].n_unique() == 1
        if self.single_person:
            # Nothing is suppressed: a cell without sessions (a mode absent in a month) is a share of zero
            # with its interval, not a small group of people to protect.
            self.min_users = 0
            self.measures = self.measures.with_columns(user_key=pl.col("session_id"))

    def sample(self, rules: Sequence, name: str | None = None) -> pl.DataFrame:
        """The rows of `measures` that pass `rules`, with each exclusion step recorded."""
        kept, steps = restrict(self.measures, name or self.analysis, rules)
        self.samples.append(
            steps.with_columns(
                analysis=pl.lit(self.analysis), rule=pl.lit(f"[{name}] ") + pl.col("rule") if name else pl.col("rule")
            )
        )
        return kept

    def add(self, table_name: str, table: pl.DataFrame, values: Sequence[str]) -> pl.DataFrame:
        self.tables[table_name] = privacy.suppress(table, values, self.min_users)
        return self.tables[table_name]

    def write(self) -> dict:
        samples = (
            pl.concat(self.samples).with_columns(step=pl.int_range(pl.len()).cast(pl.Int32)) if self.samples else None
        )
        suppressions = privacy.record(self.analysis, self.tables, self.min_users)
        with self.warehouse_db.get_connection() as conn:
            warehouse.ensure_schema(conn)
            backends = conn.sql("SELECT DISTINCT backend FROM session_measures ORDER BY 1").fetchall()
            keyed = {"analysis_suppressions": suppressions}
            if samples is not None:
                keyed["analysis_samples"] = samples
            written = warehouse.replace_analysis(conn, self.analysis, self.tables, keyed)
        return {
            "tables": dg.MetadataValue.json(written),
            "label_backend": dg.MetadataValue.text(", ".join(b[0] for b in backends)),
            "sample": markdown_table(samples.select("rule", "excluded", "remaining"), 30)
            if samples is not None
            else dg.MetadataValue.md("(all rows)"),
            "suppressed_cells": dg.MetadataValue.int(int(suppressions["suppressed_cells"].sum())),
            "suppression": markdown_table(suppressions.select("table_name", "cells", "suppressed_cells", "min_users")),
            "min_users_per_cell": dg.MetadataValue.int(self.min_users),
            "people": dg.MetadataValue.text(SINGLE_PERSON if self.single_person else "several: suppression applies"),
        }
