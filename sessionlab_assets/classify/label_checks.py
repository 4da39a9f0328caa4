"""How far to trust the labels: the report's checks of its classifiers, on a sample of stored windows.

- `reference_agreement`: a reference model (by default a stronger Claude model than the production
  one) answers every classifier on the same stored windows with the same prompts; per classifier,
  exact agreement, Cohen's kappa, and for ordinal scales adjacent agreement and quadratic-weighted
  kappa, each with a bootstrap interval resampling people (`agreement.bootstrap_interval`), with the
  confusion matrix. Optionally the reference model adjudicates each disagreement, shown both answers in
  an order that does not say which is production's, as ambiguous or as a clear error of one side.
- `test_retest`: the production set-up asked again for a second replicate (the replicate is part of
  the call's key, so the ledger keeps both); agreement between replicates is the labels' noise floor.
- `truncation_sensitivity`: the sample's transcripts re-rendered with a larger window; how many labels
  change, beside how many windows were cut at all.

"unclear" (expertise, occupation) and abstentions count as a category of their own; errors are left
out and counted. Every call goes through the ledger (a re-run is free), the budget and the dry run.
With the offline heuristic as production there is no other model: it is its own reference (said so in
every row), and being deterministic, its replicates agree by construction (said so, not measured).
"""

import hashlib
from collections import Counter
from functools import partial

import dagster as dg
import numpy as np
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.analyses.validation import GOLD_SCALES
from sessionlab_assets.classify import agreement, heuristic, plan
from sessionlab_assets.classify.calls import CallKey, CallRequest, CallResult, Ledger, text_hash
from sessionlab_assets.classify.inputs import stored_inputs
from sessionlab_assets.classify.outputs import Adjudication
from sessionlab_assets.classify.registry import ADJUDICATOR, MEASURES
from sessionlab_assets.classify.run import (
    RunCounts,
    SessionInput,
    classify_sessions,
    measure_frame,
    planned_calls,
    run_calls,
)
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.classify.transcript import session_entries
from sessionlab_assets.classify.window import PER_TURN_CHARS, TOTAL_CHARS, render_windows
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.metadata import markdown_table
from sessionlab_assets.resources import TranscriptSource

GROUP = "validation"
# The label column compared for each measure; its categories and whether its scale is ordinal are the
# labelled-set check's (analyses/validation.py, GOLD_SCALES).
COMPARED: dict[str, str] = {
    "work_mode": "work_mode",
    "codebase_relationship": "codebase_relationship",
    "expertise": "expertise",
    "occupation_user": "occupation_user",
    "occupation_work": "occupation_work",
    "outcome": "outcome",
    "success_signal": "success_signal",
    "failure_signal": "failure_signal",
    "task_value": "value_tier",
}


def ordinal_levels(measure: str) -> list | None:
    """The levels of the measure's compared label in order, or None for a categorical one."""
    categories, ordinal = GOLD_SCALES[COMPARED[measure]]
    return list(categories) if ordinal else None


UNCLEAR = "unclear"  # an abstention, compared as a category of its own


class SampleConfig(dg.Config):
    sessions: int = 200  # drawn across months x production work mode, proportionally
    seed: int = 20260603


class ReferenceConfig(SampleConfig):
    # A model choice as SESSIONLAB_CLASSIFIER_MODELS takes it: a default model, then classifier=model.
    reference_models: str = "claude-opus-4-7"
    adjudicate: bool = False  # the reference model calls each disagreement ambiguous or a clear error


class RetestConfig(SampleConfig):
    sessions: int = 100
    replicate: int = 2


class TruncationConfig(SampleConfig):
    sessions: int = 100
    per_message_chars: int = 2 * PER_TURN_CHARS
    total_chars: int = 2 * TOTAL_CHARS


# -- the sample -----------------------------------------------------------------------------------


def stratified_sample(conn, sessions: int, seed: int) -> pl.DataFrame:
    """`sessions` labelled, non-headless sessions with a stored window, allocated to month x production
    work-mode strata in proportion to their size (largest remainders), drawn in each stratum in the order
    of a seeded hash: the same warehouse and seed give the same sample."""
    frame = conn.sql(
        "SELECT s.session_id, s.month, coalesce(w.work_mode, '(no label)') AS stratum_mode, "
        "hash(s.session_id || $seed) AS draw FROM sessions s JOIN classifier_inputs i USING (session_id) "
        "LEFT JOIN work_mode w USING (session_id) WHERE NOT s.headless",
        params={"seed": str(seed)},
    ).pl()
    if frame.height == 0:
        return frame
    sizes = frame.group_by("month", "stratum_mode").len().sort("month", "stratum_mode")
    exact = sizes["len"].to_numpy() * min(sessions, frame.height) / frame.height
    quota = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - quota), kind="stable")[: min(sessions, frame.height) - quota.sum()]:
        quota[i] += 1
    quotas = sizes.with_columns(quota=pl.Series(quota))
    return (
        frame.sort("draw", "session_id")
        .with_columns(rank=pl.int_range(pl.len()).over("month", "stratum_mode"))
        .join(quotas, on=["month", "stratum_mode"])
        .filter(pl.col("rank") < pl.col("quota"))
        .select("session_id", "month", "stratum_mode")
        .sort("session_id")
    )


# -- comparing labels -----------------------------------------------------------------------------


def labels_of(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per session: each compared label as text ("unclear" when abstained, NULL when the call
    erred), from measure frames or tables."""
    out = None
    for measure, column in COMPARED.items():
        if measure not in frames:
            continue
        part = frames[measure].select(
            "session_id",
            pl.when(pl.col("status") == "ok")
            .then(pl.col(column).cast(pl.Utf8))
            .when(pl.col("status") == "abstained")
            .then(pl.lit(UNCLEAR))
            .otherwise(None)
            .alias(measure),
        )
        out = part if out is None else out.join(part, on="session_id", how="full", coalesce=True)
    return out if out is not None else pl.DataFrame({"session_id": []}, schema={"session_id": pl.Utf8})


def agreement_rows(first: pl.DataFrame, second: pl.DataFrame, people: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """Per compared measure: sessions with both labels, errors left out, exact agreement and kappa, and for
    ordinal scales adjacent agreement and quadratic-weighted kappa over the sessions where neither side
    abstained, each with its bootstrap interval resampling the people of `people` (session id -> user
    key); and the confusion counts."""
    joined = first.join(second, on="session_id", suffix="_second")
    person = joined["session_id"].replace_strict(people, default=None, return_dtype=pl.Utf8)
    if person.n_unique() == 1:
        person = joined["session_id"]  # one person's warehouse: each session its own cluster, as in the analyses
    joined = joined.with_columns(person=person.fill_null(joined["session_id"]))
    rows, cells = [], []
    for measure in COMPARED:
        if measure not in first.columns or measure not in second.columns:
            continue
        levels = ordinal_levels(measure)
        pair = joined.select("person", a=pl.col(measure), b=pl.col(f"{measure}_second"))
        errors = pair.filter(pl.col("a").is_null() | pl.col("b").is_null()).height
        pair = pair.drop_nulls()
        a, b, who = pair["a"].to_numpy(), pair["b"].to_numpy(), pair["person"].to_numpy()
        row = dict.fromkeys(agreement.AGREEMENT_COLUMNS) | {
            "measure": measure,
            "scale": "ordinal" if levels else "categorical",
            "sessions": len(a),
            "left_out_errors": errors,
        }
        measures = {"exact": (agreement.accuracy, a, b, who), "kappa": (agreement.cohen_kappa, a, b, who)}
        if levels:
            rated = (a != UNCLEAR) & (b != UNCLEAR)
            x, y = a[rated].astype(float).astype(int), b[rated].astype(float).astype(int)
            if len(x):
                row["adjacent"] = agreement.adjacent_agreement(x, y)
                weighted = partial(agreement.cohen_kappa, categories=levels, weights="quadratic")
                measures["weighted_kappa"] = (weighted, x, y, who[rated])
        rows.append(row | agreement.figures(measures))
        for (x, y), n in Counter(zip(a.tolist(), b.tolist(), strict=True)).items():
            cells.append({"measure": measure, "first": x, "second": y, "sessions": n})
    return rows, cells


def not_measured(rows: list[dict]) -> list[dict]:
    """The rows with their agreement numbers left empty (sessions and errors kept): for a comparison that
    measures nothing."""
    return [row | dict.fromkeys(agreement.AGREEMENT_COLUMNS) for row in rows]


AGREEMENT_SCHEMA = {
    "analysis": pl.Utf8,
    "measure": pl.Utf8,
    "scale": pl.Utf8,
    "sessions": pl.Int64,
    "left_out_errors": pl.Int64,
    "exact": pl.Float64,
    "exact_low": pl.Float64,
    "exact_high": pl.Float64,
    "kappa": pl.Float64,
    "kappa_low": pl.Float64,
    "kappa_high": pl.Float64,
    "adjacent": pl.Float64,
    "weighted_kappa": pl.Float64,
    "weighted_kappa_low": pl.Float64,
    "weighted_kappa_high": pl.Float64,
    "first": pl.Utf8,  # production (or the first replicate, or the stored window)
    "second": pl.Utf8,  # the reference model (or the second replicate, or the larger window)
    "clear_errors_first": pl.Int64,
    "ambiguous": pl.Int64,
    "note": pl.Utf8,
}
CONFUSION_SCHEMA = {"analysis": pl.Utf8, "measure": pl.Utf8, "first": pl.Utf8, "second": pl.Utf8, "sessions": pl.Int64}


# -- calls ----------------------------------------------------------------------------------------


class Replicate:
    """A backend whose calls are another replicate of the same set-up: the same prompts and models, with
    `+replicate-N` in the key's prompt version, so the ledger keeps each replicate's answers apart."""

    def __init__(self, backend, number: int):
        self.backend, self.number = backend, number
        self.name, self.model, self.mode = backend.name, backend.model, backend.mode

    def version_of(self, classifier) -> str:
        return f"{self.backend.version_of(classifier)}+replicate-{self.number}"

    def model_for(self, classifier) -> str:
        return self.backend.model_for(classifier)

    def run(self, requests, ledger):
        return self.backend.run(requests, ledger)


def compared_classifiers() -> list:
    return [c for measure in COMPARED for c in MEASURES[measure]]


def labelled(inputs: list[SessionInput], backend, ledger: Ledger) -> tuple[pl.DataFrame, RunCounts]:
    """The compared labels `backend` gives these sessions, through the ledger."""
    outcomes, keys, counts = classify_sessions(inputs, backend, ledger, compared_classifiers())
    frames = {m: measure_frame(m, inputs, outcomes, keys, backend) for m in COMPARED}
    return labels_of(frames), counts


def production_labels(conn, session_ids: list[str]) -> pl.DataFrame:
    frames = {
        m: conn.sql(f"SELECT * FROM {m} WHERE session_id IN (SELECT unnest($ids))", params={"ids": session_ids}).pl()
        for m in COMPARED
    }
    return labels_of(frames)


def projected_dollars(inputs: list[SessionInput], backend, ledger: Ledger, batch: bool) -> pl.DataFrame:
    """What the calls of `backend` on these sessions that the ledger does not hold would cost."""
    calls = planned_calls(inputs, compared_classifiers(), ledger, backend.model_for, backend.version_of)
    return plan.project(calls, batch=batch, caching=True)


def compared(
    conn, inputs: list[SessionInput], backend, ledger: Ledger, settings: ClassifierSettings, what: str
) -> tuple[pl.DataFrame, pl.DataFrame, RunCounts]:
    """Production's stored labels of these sessions and `backend`'s; a dry run stops here, saying what
    `what` would cost."""
    if settings.dry_run:
        raise _dry_run(projected_dollars(inputs, backend, ledger, batch=settings.mode == "batch"), what)
    first = production_labels(conn, [s.session_id for s in inputs])
    second, counts = labelled(inputs, backend, ledger)
    return first, second, counts


def _dry_run(projection: pl.DataFrame, what: str) -> dg.Failure:
    dollars = projection["dollars"].sum() if projection.height else 0.0
    return dg.Failure(
        description=f"Dry run: {what} would cost about ${dollars:.2f}; nothing was called or written.",
        metadata={"projection": markdown_table(projection.with_columns(pl.col("dollars").round(4)), 20)},
    )


# -- adjudication ---------------------------------------------------------------------------------


def adjudication_text(window: str, measure: str, first: str, second: str, session_id: str) -> tuple[str, bool]:
    """The request an adjudicator reads, and whether production's answer is shown as A. The order comes
    from a hash of the session and measure, so nothing in the request says which answer is production's."""
    first_is_a = hashlib.sha256(f"{session_id}|{measure}".encode()).digest()[0] % 2 == 0
    a, b = (first, second) if first_is_a else (second, first)
    # Sent as a window is (inside <transcript>): the window, then the measure and the two answers.
    text = f"{window}\n\n<question>{measure}</question>\n<answer_a>{a}</answer_a>\n<answer_b>{b}</answer_b>"
    return text, first_is_a


def adjudicate(
    inputs: list[SessionInput], first: pl.DataFrame, second: pl.DataFrame, backend, ledger: Ledger, counts: RunCounts
) -> dict[str, Counter]:
    """Per measure: disagreements the adjudicator called ambiguous, and clear errors of each side."""
    windows = {s.session_id: s for s in inputs if s.window is not None}
    joined = first.join(second, on="session_id", suffix="_second")
    requests: dict[CallKey, CallRequest] = {}
    asked: list[tuple[str, CallKey, bool]] = []
    for measure in COMPARED:
        if measure not in joined.columns:
            continue
        for session_id, a, b in joined.select("session_id", measure, f"{measure}_second").iter_rows():
            if a is None or b is None or a == b or session_id not in windows:
                continue
            text, first_is_a = adjudication_text(windows[session_id].window.text, measure, a, b, session_id)
            key = CallKey(
                ADJUDICATOR.name, backend.version_of(ADJUDICATOR), backend.model_for(ADJUDICATOR), text_hash(text)
            )
            requests[key] = CallRequest(key, ADJUDICATOR, text, windows[session_id].facts)
            asked.append((measure, key, first_is_a))
    results = run_calls(requests, backend, ledger, counts, reuse_errors=False) if requests else {}
    tally: dict[str, Counter] = {}
    for measure, key, first_is_a in asked:
        result = results.get(key)
        counter = tally.setdefault(measure, Counter())
        if not isinstance(result, CallResult) or result.status != "ok":
            counter["unadjudicated"] += 1
            continue
        verdict = Adjudication.model_validate_json(result.output_json).verdict
        wrong = {"a_is_wrong": "a", "b_is_wrong": "b", "both_wrong": "both"}.get(verdict)
        if wrong is None:
            counter["ambiguous"] += 1
        elif wrong == "both" or (wrong == "a") == first_is_a:
            counter["clear_error_first"] += 1
        else:
            counter["clear_error_second"] += 1
    return tally


# -- the assets -----------------------------------------------------------------------------------


def _publish(conn, check: str, rows: list[dict], cells: list[dict], first: str, second: str, note: str, extra=None):
    table = pl.DataFrame(
        [
            {
                "analysis": check,
                **row,
                "first": first,
                "second": second,
                "clear_errors_first": (extra or {}).get(row["measure"], Counter()).get("clear_error_first"),
                "ambiguous": (extra or {}).get(row["measure"], Counter()).get("ambiguous"),
                "note": note,
            }
            for row in rows
        ],
        schema=AGREEMENT_SCHEMA,
    )
    confusion = pl.DataFrame([{"analysis": check, **cell} for cell in cells], schema=CONFUSION_SCHEMA)
    warehouse.replace_analysis(conn, check, {}, {"analysis_label_checks": table, "analysis_label_confusion": confusion})
    return table


def _metadata(table: pl.DataFrame, sample: pl.DataFrame, counts: RunCounts, backend) -> dict:
    shown = table.select(
        "measure",
        "sessions",
        *(pl.col(c).round(3) for c in ("exact", "exact_low", "exact_high", "kappa", "weighted_kappa")),
    )
    return {
        "sessions": dg.MetadataValue.int(sample.height),
        "strata": dg.MetadataValue.int(sample.select("month", "stratum_mode").n_unique() if sample.height else 0),
        "agreement": markdown_table(shown, 20),
        "calls": markdown_table(counts.table()),
        "spent_usd": dg.MetadataValue.float(round(getattr(backend, "spent_usd", 0.0), 4)),
        "note": dg.MetadataValue.text(table["note"][0] if table.height else "no sessions to check"),
    }


def _sample_inputs(conn, config: SampleConfig) -> tuple[pl.DataFrame, list[SessionInput]]:
    sample = stratified_sample(conn, config.sessions, config.seed)
    return sample, stored_inputs(conn, sample["session_id"].to_list())


ASSET = {"deps": [*MEASURES], "group_name": GROUP, "pool": "warehouse", "kinds": {"duckdb", "python"}}


@dg.asset(
    **ASSET,
    description="Production labels against a reference model's on a stratified sample of stored windows: "
    "agreement, kappa, confusion, optional blind adjudication "
    "(tables analysis_label_checks, analysis_label_confusion).",
)
def reference_agreement(
    context: dg.AssetExecutionContext,
    config: ReferenceConfig,
    warehouse_db: DuckDBResource,
    classifier_settings: ClassifierSettings,
) -> dg.MaterializeResult:
    production = classifier_settings.backend(log=context.log.info)
    offline = production.name == heuristic.NAME
    reference = (
        production
        if offline
        else classifier_settings.model_copy(update={"model": config.reference_models}).backend(log=context.log.info)
    )
    with warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        sample, inputs = _sample_inputs(conn, config)
        ledger = Ledger(conn)
        what = f"the reference check of {sample.height} sessions with {config.reference_models}"
        first, second, counts = compared(conn, inputs, reference, ledger, classifier_settings, what)
        rows, cells = agreement_rows(first, second, {s.session_id: s.user_key for s in inputs})
        tally = (
            adjudicate(inputs, first, second, reference, ledger, counts) if config.adjudicate and not offline else {}
        )
        if offline:
            # Agreement of the rules with themselves says nothing about the labels; what the comparison does
            # show is whether the stored labels are what the rules give on the stored windows now.
            differing = sum(cell["sessions"] for cell in cells if cell["first"] != cell["second"])
            rows = not_measured(rows)
            note = (
                "offline heuristic as production and as its own reference (there is no other model): agreement "
                "would be 1 by construction and says nothing about the labels, so none is shown; "
                + (
                    "the stored labels are what the rules give on the stored windows"
                    if differing == 0
                    else f"{differing} stored labels differ from what the rules give now (labelled by other rules?)"
                )
            )
        else:
            note = (
                f"reference {reference.model}; 'unclear' and abstentions are a category of their own; errors left out"
                + ("; disagreements adjudicated blind by the reference model" if tally else "")
            )
        table = _publish(conn, "reference_agreement", rows, cells, production.model, reference.model, note, tally)
    return dg.MaterializeResult(metadata=_metadata(table, sample, counts, reference))


@dg.asset(
    **ASSET,
    description="The production set-up asked again for a second replicate on a sample: agreement between "
    "replicates per classifier, the labels' noise floor (table analysis_label_checks).",
)
def test_retest(
    context: dg.AssetExecutionContext,
    config: RetestConfig,
    warehouse_db: DuckDBResource,
    classifier_settings: ClassifierSettings,
) -> dg.MaterializeResult:
    production = classifier_settings.backend(log=context.log.info)
    with warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        sample, inputs = _sample_inputs(conn, config)
        ledger = Ledger(conn)
        counts = RunCounts()
        if production.name == heuristic.NAME:
            rows = not_measured(
                [
                    {
                        "measure": m,
                        "scale": "ordinal" if ordinal_levels(m) else "categorical",
                        "sessions": sample.height,
                        "left_out_errors": 0,
                    }
                    for m in COMPARED
                ]
            )
            note = "deterministic offline rules: a second replicate repeats the first, so nothing is measured"
            table = _publish(conn, "test_retest", rows, [], "replicate 1", "not run", note)
            return dg.MaterializeResult(metadata=_metadata(table, sample, counts, production))
        replicate = Replicate(production, config.replicate)
        what = f"replicate {config.replicate} of {sample.height} sessions"
        first, second, counts = compared(conn, inputs, replicate, ledger, classifier_settings, what)
        rows, cells = agreement_rows(first, second, {s.session_id: s.user_key for s in inputs})
        note = (
            f"replicate {config.replicate} of {production.model} at the production temperature against the stored "
            "labels; 'unclear' and abstentions are a category of their own; errors left out"
        )
        table = _publish(conn, "test_retest", rows, cells, "replicate 1", f"replicate {config.replicate}", note)
    return dg.MaterializeResult(metadata=_metadata(table, sample, counts, production))


def windows_both_ways(sessions, per_turn: int, total: int) -> list:
    """Each parsed session's window at the stored budget and at a larger one."""
    entries = [session_entries(session) for session in sessions]
    return list(zip(render_windows(entries), render_windows(entries, per_turn, total), strict=True))


@dg.asset(
    **ASSET,
    description="A sample's transcripts re-rendered with a larger window and classified again: how many labels "
    "change per classifier, beside how many windows were cut (table analysis_label_checks).",
)
def truncation_sensitivity(
    context: dg.AssetExecutionContext,
    config: TruncationConfig,
    warehouse_db: DuckDBResource,
    classifier_settings: ClassifierSettings,
    transcript_source: TranscriptSource,
) -> dg.MaterializeResult:
    production = classifier_settings.backend(log=context.log.info)
    with warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        sample, inputs = _sample_inputs(conn, config)
        ids = sample["session_id"].to_list()
        stored = dict(
            conn.execute(
                "SELECT s.session_id, s.source_file FROM sessions s WHERE s.session_id IN (SELECT unnest($ids))",
                {"ids": ids},
            ).fetchall()
        )
        batch = scan_source(
            transcript_source.root(),
            only=set(stored.values()),
            keep_text=True,
            prepare=partial(windows_both_ways, per_turn=config.per_message_chars, total=config.total_chars),
        )
        by_id = {s.session_id: s.prepared for s in batch.sessions}
        wide_inputs, changed_since = [], 0
        for session in inputs:
            pair = by_id.get(session.session_id)
            if session.window is None or pair is None or pair[0].window_hash != session.window.window_hash:
                changed_since += session.window is not None
                continue
            wide_inputs.append(
                SessionInput(
                    month=session.month,
                    session_id=session.session_id,
                    user_key=session.user_key,
                    window=pair[1],
                    facts=session.facts,
                )
            )
        what = f"classifying {len(wide_inputs)} wider windows"
        first, second, counts = compared(conn, wide_inputs, production, Ledger(conn), classifier_settings, what)
        rows, cells = agreement_rows(first, second, {s.session_id: s.user_key for s in wide_inputs})
        cut = sum(s.window.messages_cut > 0 or s.window.window_cut for s in inputs if s.window is not None)
        still_cut = sum(s.window.messages_cut > 0 or s.window.window_cut for s in wide_inputs)
        note = (
            f"{cut} of {len(inputs)} stored windows were cut ({PER_TURN_CHARS:,} a message, {TOTAL_CHARS:,} in all); "
            f"{still_cut} of {len(wide_inputs)} still are at {config.per_message_chars:,} / {config.total_chars:,}; "
            f"{changed_since} left out because the transcript changed since it was ingested. 'exact' is the share of "
            "labels unchanged"
        )
        table = _publish(conn, "truncation_sensitivity", rows, cells, "stored window", "larger window", note)
    return dg.MaterializeResult(metadata=_metadata(table, sample, counts, production))


ASSETS = [reference_agreement, test_retest, truncation_sensitivity]
