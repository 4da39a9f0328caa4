"""Monthly classifier assets: one table per measure, and `session_measures`.

All measures of a month are computed in one step (`can_subset=True`, so any subset can be
materialised), which lets the calls for one session run together and share a cached prefix. The
classifiers read the windows the ingest stored in `classifier_inputs`; no transcript is opened here.
The ledger (`classifier_calls`) is written as calls return, outside the month's transaction, so a step
that dies keeps what it paid for; the measure tables of the month are then replaced in one
transaction. Checks on the months just written are emitted by the same step. Sessions are read from
the warehouse and classified a round at a time (`SESSIONLAB_SESSIONS_PER_ROUND`), so memory holds one
round of windows; the offline rules run in worker processes (`SESSIONLAB_WORKERS`).
"""

import time
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.classify import heuristic, plan, tables
from sessionlab_assets.classify.calls import Ledger
from sessionlab_assets.classify.inputs import COUNTED_STATUS, HEADLESS, session_rounds
from sessionlab_assets.classify.registry import MEASURES
from sessionlab_assets.classify.run import RunCounts, classify_sessions, measure_frame, planned_calls
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.classify.tables import label_columns
from sessionlab_assets.derived import ALL as DERIVED
from sessionlab_assets.metadata import markdown_table
from sessionlab_assets.partitions import month_range, monthly_partitions, single_run
from sessionlab_assets.progress import Progress
from sessionlab_assets.resources import TranscriptSource
from sessionlab_assets.workers import worker_pool

GROUP = "classify"
KINDS = {"duckdb", "python"}

MEASURE_SPECS = [
    dg.AssetSpec(
        measure,
        group_name=GROUP,
        kinds=KINDS,
        deps=["sessions", "classifier_inputs"],
        skippable=True,
        description=f"Classifier measure `{measure}` per session ({', '.join(c.name for c in classifiers)}); "
        f"prompts in prompts/, labels declared in sessionlab_assets/classify/registry.py.",
    )
    for measure, classifiers in MEASURES.items()
]
CHECK_SPECS = [
    spec
    for measure in MEASURES
    for spec in (
        dg.AssetCheckSpec(
            "labels_in_domain",
            asset=measure,
            blocking=True,
            description="Every label is one of the allowed values; shares lie in [0, 1].",
        ),
        dg.AssetCheckSpec(
            "error_rate",
            asset=measure,
            blocking=True,
            description="Share of sessions whose label is an error stays under the configured threshold; reports "
            "coverage.",
        ),
    )
]


def _count_sessions(conn, months: list) -> int:
    return conn.execute("SELECT count(*) FROM sessions WHERE list_contains($m, month)", {"m": months}).fetchall()[0][0]


def _domain_violations(conn, measure: str, month_start, month_end) -> dict[str, int]:
    violations = {}
    for column, _, condition in label_columns(measure):
        violations[column] = conn.execute(
            f"SELECT count(*) FROM {measure} WHERE month >= $s AND month < $e AND {column} IS NOT NULL AND NOT "
            f"({condition})",
            {"s": month_start, "e": month_end},
        ).fetchall()[0][0]
    return violations


@dg.multi_asset(
    specs=MEASURE_SPECS,
    check_specs=CHECK_SPECS,
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    pool="warehouse",
    can_subset=True,
)
def classify_measures(
    context: dg.AssetExecutionContext,
    warehouse_db: DuckDBResource,
    transcript_source: TranscriptSource,
    classifier_settings: ClassifierSettings,
):
    # The source is not read here: the resource only says how many worker processes the offline rules get.
    with worker_pool(transcript_source.workers) as pool:
        yield from _classify_months(context, warehouse_db, classifier_settings, pool)


def _windows_changed(conn, measure: str, month_start, month_end) -> int:
    """Sessions labelled before whose stored window has changed since (a new renderer, a grown session):
    they are the ones this run labels anew."""
    return conn.execute(
        f"SELECT count(*) FROM {measure} m JOIN classifier_inputs i USING (session_id) "
        "WHERE m.month >= $s AND m.month < $e AND m.input_hash IS NOT NULL AND m.input_hash <> i.window_hash",
        {"s": month_start, "e": month_end},
    ).fetchall()[0][0]


def _stale_months(conn, measures: list[str], backend, month_start, month_end) -> list:
    """Months of the range whose labels are not what this run would write: a session without a row, a row
    for a session that is gone, an error to retry, or a label from another backend, model, prompt or
    window. The other months are left as they are: re-running an unchanged month makes no call and
    rewrites nothing."""
    stale = set()
    params = {"s": month_start, "e": month_end}
    for measure in measures:
        classifiers = MEASURES[measure]
        expected = {
            "b": backend.name,
            "m": "+".join(dict.fromkeys(backend.model_for(c) for c in classifiers)),
            "v": "+".join(backend.version_of(c) for c in classifiers),
        }
        rows = conn.execute(
            f"SELECT DISTINCT s.month FROM sessions s LEFT JOIN classifier_inputs i USING (session_id) "
            f"LEFT JOIN {measure} m USING (session_id) WHERE s.month >= $s AND s.month < $e AND ("
            "m.session_id IS NULL OR m.month <> s.month OR m.status = 'error' OR m.backend <> $b OR m.model <> $m "
            "OR m.prompt_version <> $v OR (NOT s.headless AND m.input_hash IS DISTINCT FROM i.window_hash)) "
            f"UNION SELECT DISTINCT m.month FROM {measure} m ANTI JOIN sessions s USING (session_id) "
            "WHERE m.month >= $s AND m.month < $e",
            {**params, **expected},
        ).fetchall()
        stale.update(month for (month,) in rows)
    return sorted(stale)


def _classify_months(
    context: dg.AssetExecutionContext,
    warehouse_db: DuckDBResource,
    classifier_settings: ClassifierSettings,
    pool: Executor | None,
):
    """Label the months of the run that need it, then report each measure and its checks."""
    month_start, month_end = month_range(context)
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    measures = [m for m in MEASURES if m in selected]
    backend = classifier_settings.backend(log=context.log.info, pool=pool)
    if backend.name == heuristic.NAME:
        why = (
            "no ANTHROPIC_API_KEY configured"
            if classifier_settings.backend_name == "auto"
            else "SESSIONLAB_CLASSIFIER_BACKEND=heuristic"
        )
        context.log.warning(
            f"Labels come from the offline HEURISTIC backend ({why}): rules, not a model; every row says "
            "backend = 'heuristic'."
        )
    if classifier_settings.dry_run:
        _dry_run(context, warehouse_db, classifier_settings, measures, backend)
    with warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        labelled = _label_months(context, conn, classifier_settings, measures, backend)
        summaries = {m: _summary(conn, m, month_start, month_end) for m in measures}
    yield from _results(context, classifier_settings, measures, backend, labelled, summaries)


def _dry_run(context, warehouse_db, classifier_settings: ClassifierSettings, measures: list[str], backend) -> None:
    """Project the calls a run would make, round by round, and stop the run saying what they would cost."""
    month_start, month_end = month_range(context)
    chosen = [c for m in measures for c in MEASURES[m]]
    with warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        models = classifier_settings.models()
        planned = plan.Projection(batch=classifier_settings.mode == "batch", caching=True)
        stale = _stale_months(conn, measures, backend, month_start, month_end)
        for inputs in session_rounds(conn, stale, classifier_settings.round_size(backend)):
            planned.add(planned_calls(inputs, chosen, Ledger(conn), lambda c: models.for_classifier(c.name)))
        projection = planned.frame()
    totals = projection.select(pl.sum("calls"), pl.sum("dollars")).row(0)
    context.log.info(f"dry run, {classifier_settings.model} ({classifier_settings.mode}):\n{projection}")
    raise dg.Failure(
        description=f"Dry run: {totals[0]} calls would cost about ${totals[1]:.2f} with "
        f"{classifier_settings.model} ({classifier_settings.mode}); nothing was called or written.",
        metadata={"projection": markdown_table(projection.with_columns(pl.col("dollars").round(4)), 20)},
    )


@dataclass
class Labelled:
    """What labelling the months did."""

    stale: list  # the months labelled
    changed: dict[str, int]  # sessions per measure whose window changed since they were labelled
    counts: RunCounts
    written: dict[str, int]  # rows per measure in the months labelled
    seconds: float


def _label_months(context, conn, classifier_settings: ClassifierSettings, measures: list[str], backend) -> Labelled:
    """Classify the sessions of the months whose labels are not up to date, round by round, and replace
    those months of the measure tables together."""
    month_start, month_end = month_range(context)
    chosen = [c for m in measures for c in MEASURES[m]]
    started = time.perf_counter()
    stale = _stale_months(conn, measures, backend, month_start, month_end)
    progress = Progress("sessions classified", _count_sessions(conn, stale), "sessions", context.log.info)
    counts = RunCounts()
    context.log.info(f"months to label: {', '.join(f'{m:%Y-%m}' for m in stale) or 'none (every label is up to date)'}")
    changed = {m: _windows_changed(conn, m, month_start, month_end) for m in measures}
    if any(changed.values()):
        context.log.info(
            f"{max(changed.values())} sessions have a window that changed since they were labelled: "
            "they are labelled anew (the ledger keeps the labels of the old windows)"
        )
    # Each round's rows go to staging as they are made (memory holds one round); the measure tables
    # of the months change together when the block ends. The ledger is written as calls return.
    with warehouse.replacing_months(conn, month_start, month_end, measures, months=stale) as replacement:
        for inputs in session_rounds(conn, stale, classifier_settings.round_size(backend)):
            outcomes, keys, round_counts = classify_sessions(
                inputs, backend, Ledger(conn), chosen, reuse_errors=classifier_settings.reuse_errors
            )
            counts.add(round_counts)
            for measure in measures:
                replacement.insert(measure, measure_frame(measure, inputs, outcomes, keys, backend))
            progress.advance(len(inputs))
    progress.finish()
    return Labelled(stale, changed, counts, replacement.written, time.perf_counter() - started)


def _summary(conn, measure: str, month_start, month_end) -> dict:
    """Status counts, label counts, error reasons and domain violations of a measure in the months."""
    params = {"s": month_start, "e": month_end}
    in_months = "month >= $s AND month < $e"
    label = label_columns(measure)[0][0]
    return {
        "status": dict(  # headless sessions apart from the classifier's abstentions
            conn.execute(
                f"SELECT {COUNTED_STATUS}, count(*) FROM {measure} WHERE {in_months} GROUP BY ALL", params
            ).fetchall()
        ),
        "labels": conn.sql(
            f"SELECT {label}, count(*) AS len FROM {measure} WHERE {in_months} AND status = 'ok' "
            f"GROUP BY ALL ORDER BY len DESC, {label}",
            params=params,
        ).pl(),
        "errors": conn.sql(
            f"SELECT reason, count(*) AS len FROM {measure} WHERE {in_months} AND status = 'error' "
            "GROUP BY ALL ORDER BY len DESC, reason",
            params=params,
        ).pl(),
        "violations": _domain_violations(conn, measure, month_start, month_end),
    }


def _results(context, classifier_settings: ClassifierSettings, measures, backend, labelled: Labelled, summaries):
    """Each measure's materialisation metadata and its two checks."""
    month_start, month_end = month_range(context)
    common = {
        "months": dg.MetadataValue.text(f"{month_start:%Y-%m} to {month_end:%Y-%m} (exclusive)"),
        "backend": dg.MetadataValue.text(f"{backend.name} ({backend.model})"),
    }
    run_table = labelled.counts.table()
    for measure in measures:
        status = Counter(summaries[measure]["status"])
        rows = sum(status.values())  # every row of the months, written now or left as it was
        yield dg.MaterializeResult(
            asset_key=measure,
            metadata={
                **common,
                "rows": dg.MetadataValue.int(rows),
                "rows_written": dg.MetadataValue.int(labelled.written[measure]),
                "months_labelled": dg.MetadataValue.text(
                    ", ".join(f"{m:%Y-%m}" for m in labelled.stale) or "none: up to date"
                ),
                "ok": dg.MetadataValue.int(status["ok"]),
                "abstained": dg.MetadataValue.int(status["abstained"]),
                "error": dg.MetadataValue.int(status["error"]),
                "headless_not_classified": dg.MetadataValue.int(status[HEADLESS]),
                "windows_changed_since_last_labels": dg.MetadataValue.int(labelled.changed[measure]),
                "calls": markdown_table(
                    run_table.filter(pl.col("classifier").is_in([c.name for c in MEASURES[measure]]))
                ),
                "label_counts": markdown_table(summaries[measure]["labels"], 25),
                "errors": markdown_table(summaries[measure]["errors"], 10),
            },
        )
        bad = {c: n for c, n in summaries[measure]["violations"].items() if n}
        yield dg.AssetCheckResult(
            asset_key=measure,
            check_name="labels_in_domain",
            passed=not bad,
            metadata={"violations": dg.MetadataValue.json(bad or {})},
        )
        error_rate = status["error"] / rows if rows else 0.0
        yield dg.AssetCheckResult(
            asset_key=measure,
            check_name="error_rate",
            passed=error_rate <= classifier_settings.max_error_rate,
            metadata={
                "error_rate": dg.MetadataValue.float(round(error_rate, 4)),
                "threshold": dg.MetadataValue.float(classifier_settings.max_error_rate),
                "coverage": dg.MetadataValue.json(dict(status)),
            },
        )
    counts = labelled.counts
    context.log.info(
        f"classifier calls: {counts.called.total()} made, {counts.cached.total()} from the ledger, "
        f"{counts.not_run.total()} not made (budget); ${getattr(backend, 'spent_usd', 0.0):.4f} spent in "
        f"{labelled.seconds:.1f}s"
    )


@dg.asset(
    deps=["sessions", *MEASURES],
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    pool="warehouse",
    group_name=GROUP,
    kinds=KINDS,
    description="One row per session: telemetry, every label, and the derived measures "
    "(classify/tables.py: telemetry, the registry's label columns, derived.py).",
    check_specs=[
        dg.AssetCheckSpec(
            "shares_and_flags_consistent",
            asset="session_measures",
            description="Shares lie in [0, 1]; verified success implies judged success; abandoned implies hit trouble.",
        )
    ],
)
def session_measures(context: dg.AssetExecutionContext, warehouse_db: DuckDBResource):
    month_start, month_end = month_range(context)
    params = {"s": month_start, "e": month_end}
    with warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        frame = conn.sql(tables.session_measures_query(), params=params).pl()
        frame = frame.with_columns(*DERIVED)
        with warehouse.replacing_months(conn, month_start, month_end, ["session_measures"]) as replacement:
            replacement.insert("session_measures", frame)
        written = replacement.written
        problems = conn.execute(
            "SELECT count(*) FILTER (WHERE user_planning_share NOT BETWEEN 0 AND 1 OR user_execution_share NOT BETWEEN "
            "0 AND 1), "
            "count(*) FILTER (WHERE verified_success AND NOT judged_success), count(*) FILTER (WHERE abandoned AND NOT "
            "hit_trouble) "
            "FROM session_measures WHERE month >= $s AND month < $e",
            params,
        ).fetchall()[0]
        summary = conn.sql(
            "SELECT strftime(month, '%Y-%m') AS month, count(*) AS sessions, count(*) FILTER (WHERE headless) AS "
            "headless, "
            "round(avg(verified_success::INT), 3) AS verified_success, round(avg(hit_trouble::INT), 3) AS hit_trouble, "
            "round(avg(labels_ok), 2) AS labels_ok_per_session, any_value(backend) AS backend "
            "FROM session_measures WHERE month >= $s AND month < $e GROUP BY ALL ORDER BY month",
            params=params,
        ).pl()
    yield dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(written["session_measures"]),
            "backends": dg.MetadataValue.text(", ".join(sorted(set(frame["backend"].to_list()))) or "(none)"),
            "by_month": markdown_table(summary, 24),
        }
    )
    yield dg.AssetCheckResult(
        check_name="shares_and_flags_consistent",
        passed=not any(problems),
        metadata={
            "shares_out_of_range": problems[0],
            "verified_not_judged": problems[1],
            "abandoned_without_trouble": problems[2],
        },
    )
