"""Tokens per session and projected dollars per 1,000 sessions of the Anthropic backend, per classifier.

    python benchmarks/classifier_cost.py [--sessions 400] [--models claude-haiku-4-5 claude-sonnet-4-6 claude-opus-4-7]

Renders the classifier windows of a freshly built sample corpus (timed: windows per second, in one
process, and Messages API request bodies built per second with orjson encoding them), plans one call per classifier and
session (`sessionlab_assets/classify/plan.py`: tokens estimated from characters, expected output
lengths, list prices), and prints per model the cost of 1,000 sessions real-time and through Message
Batches, with and without prompt caching, then the per-classifier detail for the first model.
Batch caching is best-effort on the API side; the cached batch column assumes the same hits as real time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import orjson
import polars as pl

from sessionlab_assets.classify import plan, pricing
from sessionlab_assets.classify.anthropic_backend import message_params
from sessionlab_assets.classify.calls import CallKey, CallRequest
from sessionlab_assets.classify.models import CHEAPEST_MODELS, REPORT_MODELS, ModelChoice
from sessionlab_assets.classify.registry import CLASSIFIERS
from sessionlab_assets.classify.transcript import session_entries
from sessionlab_assets.classify.window import render_windows
from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.sample import corpus, world


def planned(sessions: int, seed: int) -> tuple[list[plan.PlannedCall], int, float]:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "sample"
        corpus.build(root, sessions=sessions, seed=seed)
        batch = scan_source(
            root / corpus.TRANSCRIPTS, set(world.MONTHS), IdentityRule(rule="top_folder", key="k"), keep_text=True
        )
    window_tokens = []
    started = time.perf_counter()
    classified = [
        entries for entries in (session_entries(s) for s in batch.sessions) if any(e.role == "user" for e in entries)
    ]  # headless sessions are not classified
    # In tasks of 64 sessions, as a worker renders them (redaction prefilters run for a task at once).
    windows = [w for i in range(0, len(classified), 64) for w in render_windows(classified[i : i + 64])]
    render_seconds = time.perf_counter() - started
    for window in windows:
        window_tokens.append(pricing.estimated_tokens(window.text))
    window_classifiers = [c for c in CLASSIFIERS.values() if c.reads == "window"]
    started = time.perf_counter()
    body_bytes = 0
    for window in windows:
        for classifier in window_classifiers:
            request = CallRequest(
                CallKey(classifier.name, classifier.prompt_version(), "claude-haiku-4-5", window.window_hash),
                classifier,
                window.text,
            )
            body_bytes += len(orjson.dumps(message_params(request, "claude-haiku-4-5", 1024, None)))
    build_seconds = time.perf_counter() - started
    print(f"windows rendered (entries, redaction, cuts): {len(windows) / render_seconds:8.0f} windows/s in one process")
    print(
        f"request bodies built and encoded         : {len(windows) * len(window_classifiers) / build_seconds:8.0f} "
        "requests/s "
        f"= {len(windows) / build_seconds:.0f} windows/s ({body_bytes / len(windows) / 1e3:.0f} KB of JSON for a "
        f"window's {len(window_classifiers)} requests)"
    )
    cacheable = sum(t + pricing.estimated_tokens(plan.SYSTEM) >= 4096 for t in window_tokens) / len(window_tokens)
    return windows, cacheable


def calls_for(windows: list, models: ModelChoice) -> list[plan.PlannedCall]:
    return [
        plan.planned_call(
            c, models.for_classifier(c.name), window.text if c.reads == "window" else None, window.window_hash
        )
        for window in windows
        for c in CLASSIFIERS.values()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument(
        "--models",
        nargs="+",
        default=[REPORT_MODELS, CHEAPEST_MODELS, "claude-sonnet-4-6", "claude-opus-4-7"],
        help="SESSIONLAB_CLASSIFIER_MODELS values to compare",
    )
    args = parser.parse_args()
    windows, long_windows = planned(args.sessions, args.seed)
    sessions = len(windows)
    per_1000 = 1000 / sessions
    print(f"{sessions} classified sessions; {long_windows:.0%} of windows reach 4,096 tokens")
    summary = []
    for setting in args.models:
        calls = calls_for(windows, ModelChoice.parse(setting))
        row = {"SESSIONLAB_CLASSIFIER_MODELS": setting}
        for batch in (False, True):
            for caching in (False, True):
                projection = plan.project(calls, batch=batch, caching=caching)
                row[f"{'batch' if batch else 'realtime'}{' cached' if caching else ''} $/1k"] = round(
                    projection["dollars"].sum() * per_1000, 2
                )
        summary.append(row)
    with pl.Config(tbl_rows=40, tbl_width_chars=160):
        print(pl.DataFrame(summary))
        detail = (
            plan.project(calls_for(windows, ModelChoice.parse(args.models[0])), batch=True, caching=True)
            .select(
                "classifier",
                "model",
                tokens_in_per_session=(pl.col("input_tokens") / sessions).round(0),
                tokens_out_per_session=(pl.col("output_tokens") / sessions).round(0),
                dollars_per_1k_batch_cached=pl.col("dollars") * per_1000,
            )
            .with_columns(pl.col(pl.Float64).round(2))
        )
        print(f"by classifier, {args.models[0]}:")
        print(detail)


if __name__ == "__main__":
    main()
