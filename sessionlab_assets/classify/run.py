"""Classify a month of sessions: build the calls, reuse what the ledger holds, call a backend for the
rest, and turn the results into one frame per measure table.

Calls run in two stages: every window classifier first, then the chained ones (the job price reads
the job posting written in the first stage). A session whose window could not be built, or whose
upstream call failed, gets a row saying why; nothing is dropped and nothing is given a default.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import polars as pl

from sessionlab_assets.classify.calls import ABSTAINED, ERROR, OK, CallKey, CallRequest, CallResult, Ledger, text_hash
from sessionlab_assets.classify.plan import PlannedCall, planned_call
from sessionlab_assets.classify.registry import CLASSIFIERS, MEASURES, Classifier, chained_input
from sessionlab_assets.classify.tables import measure_schema
from sessionlab_assets.classify.window import Window


class Backend(Protocol):
    name: str
    model: str

    def version_of(self, classifier: Classifier) -> str: ...

    def model_for(self, classifier: Classifier) -> str: ...

    def run(self, requests: list[CallRequest], ledger: Ledger) -> list[CallRequest]: ...


@dataclass(frozen=True)
class SessionInput:
    month: date
    session_id: str
    user_key: str
    window: Window | None
    facts: dict[str, Any]
    skip_status: str | None = None  # abstained or error, when the session is not sent to classifiers
    skip_reason: str | None = None


@dataclass
class RunCounts:
    """Per classifier: distinct calls needed, found in the ledger, made now, and left unmade by the budget."""

    needed: Counter[str] = field(default_factory=Counter)
    cached: Counter[str] = field(default_factory=Counter)
    called: Counter[str] = field(default_factory=Counter)
    not_run: Counter[str] = field(default_factory=Counter)

    def add(self, other: RunCounts) -> None:
        for mine, theirs in (
            (self.needed, other.needed),
            (self.cached, other.cached),
            (self.called, other.called),
            (self.not_run, other.not_run),
        ):
            mine.update(theirs)

    def table(self) -> pl.DataFrame:
        names = sorted(self.needed)
        return pl.DataFrame(
            {
                "classifier": names,
                "calls_needed": [self.needed[n] for n in names],
                "from_ledger": [self.cached[n] for n in names],
                "called": [self.called[n] for n in names],
                "not_run_budget": [self.not_run[n] for n in names],
            }
        )


ResultOrReason = CallResult | str  # a call's result, or why there is none


def run_calls(
    requests: dict[CallKey, CallRequest], backend: Backend, ledger: Ledger, counts: RunCounts, reuse_errors: bool
) -> dict[CallKey, ResultOrReason]:
    """Each request's outcome: from the ledger when it holds one, else called through `backend` (which
    records it). A request the budget left unmade is the reason, never a label."""
    keys = list(requests)
    for key in keys:
        counts.needed[key.classifier] += 1
    cached = ledger.lookup(keys, reuse_errors=reuse_errors)
    for key in cached:
        counts.cached[key.classifier] += 1
    todo = [requests[k] for k in keys if k not in cached]
    not_run = {r.key for r in backend.run(todo, ledger)} if todo else set()
    for request in todo:
        (counts.not_run if request.key in not_run else counts.called)[request.key.classifier] += 1
    # What the ledger now holds for each key: found before the run, or just recorded (read back from the
    # table only for a key the backend ran without recording, such as an earlier error left as it was).
    final: dict[CallKey, ResultOrReason] = {
        **cached,
        **{r.key: ledger.recorded[r.key] for r in todo if r.key in ledger.recorded},
    }
    unrecorded = [k for k in keys if k not in not_run and k not in final]
    final.update(ledger.lookup(unrecorded, reuse_errors=True))
    for key in keys:
        if key in not_run:
            final[key] = "not called: the run's budget cap was reached"
        elif key not in final:
            final[key] = "no result recorded for this call"
    return final


def classify_sessions(
    sessions: list[SessionInput],
    backend: Backend,
    ledger: Ledger,
    classifiers: list[Classifier] | None = None,
    reuse_errors: bool = False,
) -> tuple[dict[tuple[str, str], ResultOrReason], dict[tuple[str, str], CallKey], RunCounts]:
    """The result (or why there is none) and call key per (session id, classifier name), and what the run did."""
    chosen = classifiers if classifiers is not None else list(CLASSIFIERS.values())
    counts = RunCounts()
    outcomes: dict[tuple[str, str], ResultOrReason] = {}
    keys: dict[tuple[str, str], CallKey] = {}
    live = [s for s in sessions if s.skip_status is None]

    stages = [[c for c in chosen if c.reads == "window"], [c for c in chosen if c.reads != "window"]]
    for stage in stages:
        requests: dict[CallKey, CallRequest] = {}
        for classifier in stage:
            version = backend.version_of(classifier)
            for session in live:
                if classifier.reads == "window":
                    text = session.window.text
                    input_hash = session.window.window_hash
                else:
                    upstream = outcomes.get((session.session_id, classifier.reads))
                    if not isinstance(upstream, CallResult) or upstream.status != OK:
                        why = (
                            upstream
                            if isinstance(upstream, str)
                            else (upstream.reason if upstream else "not run in this selection")
                        )
                        outcomes[(session.session_id, classifier.name)] = (
                            f"upstream {classifier.reads} has no output: {why}"
                        )
                        continue
                    upstream_output = CLASSIFIERS[classifier.reads].output_model.model_validate_json(
                        upstream.output_json
                    )
                    text = chained_input(classifier, upstream_output)
                    input_hash = text_hash(text)
                key = CallKey(classifier.name, version, backend.model_for(classifier), input_hash)
                keys[(session.session_id, classifier.name)] = key
                requests.setdefault(key, CallRequest(key, classifier, text, session.facts))
        results = run_calls(requests, backend, ledger, counts, reuse_errors)
        for (session_id, name), key in keys.items():
            if key in results and (session_id, name) not in outcomes:
                outcomes[(session_id, name)] = results[key]
    return outcomes, keys, counts


def measure_frame(
    measure: str,
    sessions: list[SessionInput],
    outcomes: dict[tuple[str, str], ResultOrReason],
    keys: dict[tuple[str, str], CallKey],
    backend: Backend,
) -> pl.DataFrame:
    """One row per session of the measure's table."""
    classifiers = MEASURES[measure]
    prompt_version = "+".join(backend.version_of(c) for c in classifiers)
    rows = []
    for session in sessions:
        row: dict[str, Any] = {
            "month": session.month,
            "session_id": session.session_id,
            "user_key": session.user_key,
            "backend": backend.name,
            "model": "+".join(dict.fromkeys(backend.model_for(c) for c in classifiers)),
            "prompt_version": prompt_version,
            "input_hash": session.window.window_hash if session.window else None,
        }
        if session.skip_status is not None:
            rows.append({**row, "status": session.skip_status, "reason": session.skip_reason})
            continue
        statuses, reasons = [], []
        for classifier in classifiers:
            outcome = outcomes.get((session.session_id, classifier.name), "classifier not selected in this run")
            if isinstance(outcome, str):
                statuses.append(ERROR)
                reasons.append(f"{classifier.name}: {outcome}")
                continue
            statuses.append(outcome.status)
            if outcome.reason:
                reasons.append(f"{classifier.name}: {outcome.reason}")
            if outcome.status != ERROR:
                row.update(classifier.columns(classifier.output_model.model_validate_json(outcome.output_json)))
        status = ERROR if ERROR in statuses else ABSTAINED if ABSTAINED in statuses else OK
        if status == ERROR:  # a partial chain is not a label: clear what the chain did produce
            row.update({name: None for c in classifiers for name, _, _ in c.label_columns})
        rows.append({**row, "status": status, "reason": "; ".join(reasons) or None})
    schema = measure_schema(measure)
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def planned_calls(
    sessions: list[SessionInput],
    classifiers: list[Classifier],
    ledger: Ledger,
    model_for: Callable[[Classifier], str],
    version_of: Callable[[Classifier], str] = Classifier.prompt_version,
) -> list[PlannedCall]:
    """The model calls a run would make: window calls not in the ledger (keyed by `version_of` and
    `model_for`, as the backend making them keys them), and a chained call per session."""
    live = [s for s in sessions if s.skip_status is None]
    keys = {
        CallKey(c.name, version_of(c), model_for(c), s.window.window_hash): (c, s)
        for c in classifiers
        if c.reads == "window"
        for s in live
    }
    cached = ledger.lookup(list(keys))
    calls = [
        planned_call(c, key.model, s.window.text, s.window.window_hash)
        for key, (c, s) in keys.items()
        if key not in cached
    ]
    calls += [
        planned_call(c, model_for(c), None, s.session_id) for c in classifiers if c.reads != "window" for s in live
    ]
    return calls
