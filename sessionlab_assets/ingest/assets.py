"""Monthly ingest: transcripts on disk -> sessions, turns, events and the quarantine, in one step.

One parse of the source writes every table of the month, in one transaction, so the tables can never
disagree about which sessions a month holds.
"""

import time
from collections import Counter

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.ingest.frames import (
    events_frame,
    ingest_errors_frame,
    session_headers_frame,
    sessions_events_frames,
    source_files_frame,
)
from sessionlab_assets.ingest.model import model_family
from sessionlab_assets.ingest.source import scan_batches
from sessionlab_assets.metadata import markdown_table
from sessionlab_assets.partitions import month_range, monthly_partitions, single_run
from sessionlab_assets.resources import DEFAULT_SAMPLE_DIR, TranscriptSource
from sessionlab_assets.sample import corpus as sample_corpus
from sessionlab_assets.workers import worker_pool

GROUP = "ingest"
KINDS = {"duckdb", "python"}

INGEST_SPECS = [
    dg.AssetSpec(
        "events",
        group_name=GROUP,
        kinds=KINDS,
        description="One row per counted event of a session (prompts, model calls, tool calls with outcomes). Schema: "
        "sql/schema/events.sql.",
    ),
    dg.AssetSpec(
        "session_headers",
        group_name=GROUP,
        kinds=KINDS,
        description="Session facts read from the files: source, client, user pseudonym, timestamps, subagents, "
        "compactions.",
    ),
    dg.AssetSpec(
        "sessions",
        group_name=GROUP,
        kinds=KINDS,
        deps=["events", "session_headers"],
        description="One row per session with its telemetry (sql/telemetry/sessions.sql).",
    ),
    dg.AssetSpec(
        "turns",
        group_name=GROUP,
        kinds=KINDS,
        deps=["events"],
        description="One row per human turn with its activity (sql/telemetry/turns.sql).",
    ),
    dg.AssetSpec(
        "ingest_errors",
        group_name=GROUP,
        kinds=KINDS,
        description="Quarantine: every line or file not ingested, with the reason.",
    ),
    dg.AssetSpec(
        "source_files",
        group_name=GROUP,
        kinds=KINDS,
        description="Inventory of every file under the source root and what became of it.",
    ),
]
# Written together in one transaction; the last two are derived from the first by SQL.
TABLES = ("events", "session_headers", "ingest_errors", "source_files", "sessions", "turns")
UNDATED_TABLES = frozenset({"ingest_errors", "source_files"})  # their month-NULL rows describe the whole source


@dg.multi_asset(
    specs=INGEST_SPECS,
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    pool="warehouse",
    # The six tables are written together, so a partial selection is refused below. Declaring the
    # asset subsettable all the same keeps Dagster 1.13's backfill launcher (UI and GraphQL) from
    # rejecting a backfill of the whole group with "Targeted subset must match between every key".
    can_subset=True,
)
def ingest_transcripts(
    context: dg.AssetExecutionContext, warehouse_db: DuckDBResource, transcript_source: TranscriptSource
):
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    if selected != {spec.key.to_user_string() for spec in INGEST_SPECS}:
        raise dg.Failure(
            f"The ingest tables are written together in one transaction: select all of group `ingest` "
            f"(selected: {sorted(selected)})."
        )
    month_start, month_end = month_range(context)
    months = set(pl.date_range(month_start, month_end, "1mo", eager=True, closed="left").to_list())
    root = transcript_source.root()
    if transcript_source.is_default_sample() and not (DEFAULT_SAMPLE_DIR / sample_corpus.MANIFEST).exists():
        context.log.info(
            f"No source configured: building the sample corpus ({transcript_source.sample_sessions} sessions) at "
            f"{DEFAULT_SAMPLE_DIR}"
        )
        sample_corpus.build(DEFAULT_SAMPLE_DIR, sessions=transcript_source.sample_sessions)
    if not root.is_dir():
        raise dg.Failure(
            f"Transcript source {root} is not a folder: set SESSIONLAB_SOURCE_DIR to the root of your transcripts."
        )
    started = time.perf_counter()
    totals = Counter()
    reasons: Counter[str] = Counter()
    file_status: Counter[str] = Counter()
    with worker_pool(transcript_source.workers) as pool, warehouse_db.get_connection() as conn:
        conn.create_function("model_family", model_family, ["VARCHAR"], "VARCHAR", null_handling="special")
        with warehouse.replacing_months(
            conn, month_start, month_end, list(TABLES), undated=UNDATED_TABLES
        ) as replacement:
            # Batch by batch: memory holds one batch; the months change all at once when the block ends.
            for batch in scan_batches(
                root,
                months,
                transcript_source.identity(),
                log=context.log.info,
                pool=pool,
                prepare=sessions_events_frames,
            ):
                if batch.sessions:
                    replacement.insert("events", events_frame(batch))
                replacement.insert("session_headers", session_headers_frame(batch))
                replacement.insert("ingest_errors", ingest_errors_frame(batch))
                replacement.insert("source_files", source_files_frame(batch))
                totals.update(
                    sessions=len(batch.sessions),
                    bytes=batch.bytes_read,
                    quarantine=len(batch.quarantine),
                    out_of_range=batch.out_of_range_sessions,
                    files=len(batch.files),
                    undated=sum(1 for q in batch.quarantine if q.month is None),
                )
                reasons.update(q.reason if q.line_no is None else q.reason.split(":")[0] for q in batch.quarantine)
                file_status.update(f"{f.status}/{f.role}" for f in batch.files)
            parse_seconds = time.perf_counter() - started
            context.log.info(
                f"parsed {totals['bytes'] / 1e6:.1f} MB in {parse_seconds:.1f}s: {totals['sessions']} sessions in "
                f"{month_start:%Y-%m}..{month_end:%Y-%m} (exclusive), {totals['out_of_range']} in other months, "
                f"{totals['quarantine']} quarantine rows"
            )
            replacement.then(warehouse.sql_text("telemetry/sessions.sql"))
            replacement.then(warehouse.sql_text("telemetry/turns.sql"))
        counts = replacement.written
        by_month = conn.sql(
            "SELECT strftime(month, '%Y-%m') AS month, count(*) AS sessions, count(*) FILTER (WHERE headless) AS "
            "headless, "
            "sum(human_turns) AS human_turns, sum(tool_calls) AS tool_calls, sum(lines_added) AS lines_added "
            "FROM sessions WHERE month >= $s AND month < $e GROUP BY ALL ORDER BY month",
            params={"s": month_start, "e": month_end},
        ).pl()
    common = {
        "months": dg.MetadataValue.text(f"{month_start:%Y-%m} to {month_end:%Y-%m} (exclusive)"),
        "source_dir": dg.MetadataValue.path(str(root)),
    }
    yield dg.MaterializeResult(asset_key="events", metadata={**common, "rows": dg.MetadataValue.int(counts["events"])})
    yield dg.MaterializeResult(
        asset_key="session_headers", metadata={**common, "rows": dg.MetadataValue.int(counts["session_headers"])}
    )
    yield dg.MaterializeResult(
        asset_key="sessions",
        metadata={
            **common,
            "sessions": dg.MetadataValue.int(counts["sessions"]),
            "headless_sessions": dg.MetadataValue.int(int(by_month["headless"].sum())),
            "megabytes_parsed": dg.MetadataValue.float(round(totals["bytes"] / 1e6, 2)),
            "parse_seconds": dg.MetadataValue.float(round(parse_seconds, 2)),
            "pseudonym_key": dg.MetadataValue.text(
                "built-in default: set SESSIONLAB_PSEUDONYM_KEY"
                if transcript_source.uses_default_key()
                else "from SESSIONLAB_PSEUDONYM_KEY"
            ),
            "by_month": markdown_table(by_month, 24),
        },
    )
    yield dg.MaterializeResult(asset_key="turns", metadata={**common, "rows": dg.MetadataValue.int(counts["turns"])})
    yield dg.MaterializeResult(
        asset_key="ingest_errors",
        metadata={
            **common,
            "rows_in_months": dg.MetadataValue.int(counts["ingest_errors"]),
            "undated_files_quarantined": dg.MetadataValue.int(totals["undated"]),
            "reasons": dg.MetadataValue.md("\n".join(f"- {n} × {r}" for r, n in reasons.most_common(15)) or "(none)"),
        },
    )
    yield dg.MaterializeResult(
        asset_key="source_files",
        metadata={
            **common,
            "files": dg.MetadataValue.int(totals["files"]),
            "by_status": dg.MetadataValue.json(dict(file_status)),
        },
    )
