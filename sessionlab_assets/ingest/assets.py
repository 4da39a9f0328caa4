"""Monthly ingest: transcripts on disk -> sessions, turns, events, the classifier inputs and the
quarantine, in one step.

One parse of the source writes every table of the month, in one transaction, so the tables can never
disagree about which sessions a month holds; the classifiers read the windows stored here and never
open a transcript.
"""

import time
from collections import Counter

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.ingest import formats, identity, inventory
from sessionlab_assets.ingest.frames import (
    classifier_inputs_frame,
    events_frame,
    ingest_errors_frame,
    prepare_sessions,
    session_headers_frame,
    source_files_frame,
)
from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.ingest.model import model_family
from sessionlab_assets.ingest.source import month_of, scan_batches
from sessionlab_assets.metadata import escape_markdown, markdown_table
from sessionlab_assets.partitions import month_range, monthly_partitions, single_run
from sessionlab_assets.resources import TranscriptSource
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
    dg.AssetSpec(
        "classifier_inputs",
        group_name=GROUP,
        kinds=KINDS,
        description="What the classifiers read of each session: the redacted, cut window, its hash, its cuts and "
        "redactions (sql/schema/classifier_inputs.sql). Stays in the warehouse: not exported unless asked.",
    ),
]
# Written together in one transaction; the last two are derived from the first by SQL.
TABLES = ("events", "session_headers", "ingest_errors", "source_files", "classifier_inputs", "sessions", "turns")
UNDATED_TABLES = frozenset({"ingest_errors", "source_files"})  # their month-NULL rows describe the whole source


@dg.multi_asset(
    specs=INGEST_SPECS,
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    pool="warehouse",
    # Any subset may be selected (`+key:"session_measures"` selects `sessions` alone): the tables are still
    # written together, in one transaction, so they never disagree; the run reports the selected ones.
    can_subset=True,
)
def ingest_transcripts(
    context: dg.AssetExecutionContext, warehouse_db: DuckDBResource, transcript_source: TranscriptSource
):
    selected = set(context.selected_asset_keys)
    unselected = sorted(spec.key.to_user_string() for spec in INGEST_SPECS if spec.key not in selected)
    if unselected:
        context.log.info(f"also written, in the same transaction: {', '.join(unselected)}")
    for result in _ingest(context, warehouse_db, transcript_source):
        if dg.AssetKey.from_coercible(result.asset_key) in selected:
            yield result


# Tables holding a session's rows as the ingest read them; `sessions` and `turns` are derived from them.
SESSION_TABLES = ("events", "session_headers", "classifier_inputs")
GONE_REASON = "transcript no longer under the source root: its sessions are kept as last read"
LISTED_FILES = "listed_files"  # temporary: the files a step below selects rows of


def _mark_gone(replacement: warehouse.MonthReplacement, conn: duckdb.DuckDBPyConnection, files: set[str]) -> None:
    """The inventory rows of files found gone for the first time, as they were, saying so."""
    warehouse.temp_files_table(conn, LISTED_FILES, files)
    replacement.carry(
        "source_files",
        f"source_file IN (FROM {LISTED_FILES})",
        replace=f"REPLACE ('gone' AS status, '{GONE_REASON}' AS reason)",
    )


def _keep_sessions_of_gone_files(
    replacement: warehouse.MonthReplacement,
    conn: duckdb.DuckDBPyConnection,
    plan: inventory.IngestPlan,
    rule: IdentityRule,
) -> Counter:
    """Carry the sessions one of whose transcripts is gone into the months being written, as they were
    read, with user keys by this run's user rule and key (which a file's path decides), and the inventory
    rows of their files. A session read again in this run (another of its files changed) is as it now
    is: its gone files' rows are dropped. Returns the sessions kept per month."""
    warehouse.temp_files_table(conn, LISTED_FILES, plan.gone | plan.held)
    read_now = f"SELECT session_id FROM {replacement.staged('session_headers')}"
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE kept_files AS SELECT source_file, session_id FROM source_files "
        f"WHERE source_file IN (FROM {LISTED_FILES}) AND session_id NOT IN ({read_now})"
    )
    conn.execute(
        f"DELETE FROM {replacement.staged('source_files')} "
        "WHERE status = 'gone' AND source_file NOT IN (SELECT source_file FROM kept_files)"
    )
    params = {"months": plan.months}
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE kept_sessions AS SELECT session_id, month FROM session_headers "
        "WHERE month = ANY($months) AND session_id IN (SELECT session_id FROM kept_files)",
        params,
    )
    kept = "month = ANY($months) AND session_id IN (SELECT session_id FROM kept_sessions)"
    conn.create_function("user_key_of_path", rule.user_key, ["VARCHAR"], "VARCHAR")
    try:
        for table in SESSION_TABLES:
            rekey = "REPLACE (user_key_of_path(source_file) AS user_key)" if table == "session_headers" else ""
            replacement.carry(table, kept, params, replace=rekey)
    finally:
        conn.remove_function("user_key_of_path")
    of_kept_files = "month = ANY($months) AND source_file IN (SELECT source_file FROM kept_files)"
    replacement.carry("ingest_errors", of_kept_files, params)
    # The inventory rows of the months being written are replaced too: the kept files' rows are carried.
    replacement.carry(
        "source_files",
        f"{of_kept_files} AND source_file NOT IN (SELECT source_file FROM {replacement.staged('source_files')})",
        params,
    )
    return Counter(dict(conn.execute("SELECT month, count(*) FROM kept_sessions GROUP BY month").fetchall()))


def _ingest(context: dg.AssetExecutionContext, warehouse_db: DuckDBResource, transcript_source: TranscriptSource):
    month_start, month_end = month_range(context)
    months = set(pl.date_range(month_start, month_end, "1mo", eager=True, closed="left").to_list())
    root = transcript_source.prepared_root(context.log.info)
    if not root.is_dir():
        raise dg.Failure(
            f"Transcript source {root} is not a folder: set SESSIONLAB_SOURCE_DIR to the root of your transcripts."
        )
    started = time.perf_counter()
    totals = Counter()
    reasons: Counter[str] = Counter()
    file_status: Counter[str] = Counter()
    found: Counter = Counter()  # sessions read per month
    raw_users: set[str] = set()  # the user rule's names, to tell one person's projects folder from a team's
    with worker_pool(transcript_source.workers) as pool, warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        plan = inventory.plan_ingest(
            root,
            conn,
            sorted(months),
            transcript_source.identity(),
            keep_gone=not transcript_source.allow_emptying_months,
        )
        context.log.info(
            f"{plan.reason}: {plan.changed} new or changed files"
            + (f" ({plan.reread} unchanged on disk, read differently last time)" if plan.reread else "")
            + f", {plan.vanished} vanished"
            + (f", {len(plan.gone)} gone with their sessions kept" if plan.gone else "")
            + (f" ({len(plan.held)} unchanged files of those sessions not read)" if plan.held else "")
            + "; "
            f"months to write: {', '.join(f'{m:%Y-%m}' for m in plan.months) or 'none'}"
            + (f"; unchanged: {len(plan.unchanged_months)} months" if plan.unchanged_months else "")
        )
        if not plan.found and not plan.vanished:
            raise dg.Failure(
                f"No transcript was found under {root}: nothing to ingest. Point SESSIONLAB_SOURCE_DIR at the folder "
                "holding your transcripts (for Claude Code, ~/.claude/projects)."
            )
        before = dict(
            conn.execute(
                "SELECT month, count(*) FROM sessions WHERE month >= $s AND month < $e GROUP BY month",
                {"s": month_start, "e": month_end},
            ).fetchall()
        )
        conn.create_function("model_family", model_family, ["VARCHAR"], "VARCHAR", null_handling="special")
        with warehouse.replacing_months(
            conn,
            month_start,
            month_end,
            list(TABLES),
            undated=UNDATED_TABLES,
            months=plan.months,
            files=plan.renewed,
            by_file={"source_files"},
        ) as replacement:
            # Batch by batch: memory holds one batch; the months change all at once when the block ends.
            batches = (
                scan_batches(
                    root,
                    set(plan.months),
                    transcript_source.identity(),
                    log=context.log.info,
                    only=plan.files,
                    skip=plan.held,
                    keep_text=True,
                    pool=pool,
                    prepare=prepare_sessions,
                )
                if plan.months
                else []
            )
            if plan.newly_gone:
                _mark_gone(replacement, conn, plan.newly_gone)
            for batch in batches:
                if batch.sessions:
                    replacement.insert("events", events_frame(batch))
                    replacement.insert("classifier_inputs", classifier_inputs_frame(batch))
                replacement.insert("session_headers", session_headers_frame(batch))
                replacement.insert("ingest_errors", ingest_errors_frame(batch))
                replacement.insert("source_files", source_files_frame(batch, plan.read_as))
                found.update(month_of(s) for s in batch.sessions)
                totals.update(
                    sessions=len(batch.sessions),
                    bytes=batch.bytes_read,
                    quarantine=len(batch.quarantine),
                    out_of_range=batch.out_of_range_sessions,
                    unmatched=batch.unmatched_users,
                    files=len(batch.files),
                    undated=sum(1 for q in batch.quarantine if q.month is None),
                )
                reasons.update(q.reason if q.line_no is None else q.reason.split(":")[0] for q in batch.quarantine)
                file_status.update(f"{f.status}/{f.role}" for f in batch.files)
                raw_users |= batch.raw_users
            if transcript_source.user_rule == "top_folder" and identity.counts_projects_as_people(raw_users):
                raise dg.Failure(
                    f"SESSIONLAB_USER_RULE=top_folder counts each first folder under the source as a person, and the "
                    f"{len(raw_users)} first folders here are Claude Code project folders (named after working "
                    "directories, such as -Users-<name>-<project>): this looks like one person's ~/.claude/projects. "
                    "Set SESSIONLAB_USER_RULE=single for one person, or lay out a team's transcripts as "
                    "<source>/<person>/projects/... Nothing was changed."
                )
            if totals["unmatched"] and totals["unmatched"] == totals["sessions"]:
                raise dg.Failure(
                    f"SESSIONLAB_USER_RULE={transcript_source.user_rule} matched none of the {totals['sessions']} "
                    "sessions' paths: every session would count as one user. Nothing was changed; fix the pattern."
                )
            if totals["unmatched"]:
                context.log.warning(
                    f"SESSIONLAB_USER_RULE={transcript_source.user_rule} matched no user in {totals['unmatched']} of "
                    f"{totals['sessions']} sessions' paths: those count as one user, '(unmatched)'"
                )
            if plan.gone and plan.months:
                found.update(_keep_sessions_of_gone_files(replacement, conn, plan, transcript_source.identity()))
            emptied = [m for m in plan.months if before.get(m, 0) and not found[m]]
            if emptied and not transcript_source.allow_emptying_months:
                raise dg.Failure(
                    f"{', '.join(f'{m:%Y-%m}' for m in emptied)} held "
                    f"{sum(before[m] for m in emptied)} sessions and no transcript of them was found under {root} "
                    "(moved, deleted, or a folder not mounted?). Nothing was changed. To empty these months on "
                    "purpose, set SESSIONLAB_ALLOW_EMPTYING_MONTHS=true."
                )
            parse_seconds = time.perf_counter() - started
            context.log.info(
                f"parsed {totals['bytes'] / 1e6:.1f} MB in {parse_seconds:.1f}s: {totals['sessions']} sessions in "
                f"{len(plan.months)} months written, {totals['out_of_range']} in other months, "
                f"{totals['quarantine']} quarantine rows"
            )
            replacement.then(warehouse.sql_text("telemetry/sessions.sql"))
            for source_format, columns in formats.CANNOT_TELL.items():
                replacement.then(
                    f"UPDATE sessions SET {', '.join(f'{c} = NULL' for c in columns)} "
                    f"WHERE source_format = '{source_format}' AND month >= $month_start AND month < $month_end"
                )
            replacement.then(warehouse.sql_text("telemetry/turns.sql"))
        counts = replacement.written
        kept = conn.execute(
            f"SELECT count(*) FROM ({inventory.KEPT_SESSIONS}) WHERE month >= $s AND month < $e",
            {"s": month_start, "e": month_end},
        ).fetchall()[0][0]
        if kept:
            context.log.warning(
                f"{kept} sessions are kept as last read although transcripts of theirs are no longer under {root} "
                "(coding agents delete their own: Claude Code after 30 days by default). To remove them, as for a "
                "person's data taken out of the source, set SESSIONLAB_ALLOW_EMPTYING_MONTHS=true."
            )
        windows = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE window_cut), coalesce(sum(messages_cut), 0), "
            "coalesce(sum(redactions), 0), coalesce(avg(chars_kept), 0) "
            "FROM classifier_inputs WHERE month >= $s AND month < $e",
            {"s": month_start, "e": month_end},
        ).fetchall()[0]
        by_month = conn.sql(
            "SELECT strftime(month, '%Y-%m') AS month, count(*) AS sessions, count(*) FILTER (WHERE headless) AS "
            "headless, sum(human_turns) AS human_turns, sum(tool_calls) AS tool_calls, sum(lines_added) AS lines_added "
            "FROM sessions WHERE month >= $s AND month < $e GROUP BY ALL ORDER BY month",
            params={"s": month_start, "e": month_end},
        ).pl()
    common = {
        "months": dg.MetadataValue.text(f"{month_start:%Y-%m} to {month_end:%Y-%m} (exclusive)"),
        "months_written": dg.MetadataValue.text(
            ", ".join(f"{m:%Y-%m}" for m in plan.months) or "none: nothing changed"
        ),
        "months_unchanged": dg.MetadataValue.int(len(plan.unchanged_months)),
        "files_new_or_changed": dg.MetadataValue.int(plan.changed),
        "files_vanished": dg.MetadataValue.int(plan.vanished),
        "sessions_kept_files_gone": dg.MetadataValue.int(kept),
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
            "reasons": dg.MetadataValue.md(
                "\n".join(f"- {n} × {escape_markdown(r)}" for r, n in reasons.most_common(15)) or "(none)"
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key="classifier_inputs",
        metadata={
            **common,
            "rows": dg.MetadataValue.int(counts["classifier_inputs"]),
            "windows_cut_to_25000": dg.MetadataValue.int(int(windows[1])),
            "share_of_windows_cut": dg.MetadataValue.float(round(windows[1] / windows[0], 4) if windows[0] else 0.0),
            "messages_cut_to_5000": dg.MetadataValue.int(int(windows[2])),
            "redactions": dg.MetadataValue.int(int(windows[3])),
            "mean_chars_kept": dg.MetadataValue.float(round(float(windows[4]), 1)),
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
