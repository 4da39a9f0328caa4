"""Projected tokens and dollars of classifier calls, before any is made.

Token counts are estimated from characters (`pricing.CHARS_PER_TOKEN`), since counting them exactly
takes an API call. With caching, the first call with a given cacheable prefix (a session's window,
or a chained classifier's fixed instructions) writes it and later calls read it, provided the prefix
reaches the model's minimum cacheable length; shorter prefixes are billed as plain input.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sessionlab_assets.classify import pricing
from sessionlab_assets.classify.anthropic_backend import SYSTEM  # noqa: F401 (re-exported for projections)
from sessionlab_assets.classify.registry import Classifier

POSTING_TOKENS = 250  # a job posting, the input of the price classifier


@dataclass(frozen=True)
class PlannedCall:
    classifier: Classifier
    model: str
    input_tokens: int  # the session material: window or posting
    prefix_id: str  # calls sharing this id share a cacheable prefix (a cache belongs to one model)


def planned_call(classifier: Classifier, model: str, input_text: str | None, session_prefix: str) -> PlannedCall:
    tokens = pricing.estimated_tokens(input_text) if input_text is not None else POSTING_TOKENS
    prefix = session_prefix if classifier.reads == "window" else f"instructions:{classifier.name}"
    return PlannedCall(classifier, model, tokens, f"{model}:{prefix}")


TOTALS = ("calls", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "dollars")


class Projection:
    """Per classifier: calls, input tokens by kind, output tokens and dollars, totalled as calls are
    added, so a run's calls can be planned a round at a time instead of all held at once (4.4M calls
    at 400k sessions). Which prefixes were already written is remembered across rounds."""

    def __init__(self, batch: bool, caching: bool):
        self.batch, self.caching = batch, caching
        self.system_tokens = pricing.estimated_tokens(SYSTEM)
        self.instruction_tokens: dict[str, int] = {}
        self.seen: set[str] = set()
        self.totals: dict[str, list[float]] = {}  # classifier -> TOTALS, in order of first call

    def add(self, calls: list[PlannedCall]) -> None:
        for call in calls:
            name = call.classifier.name
            if name not in self.instruction_tokens:
                self.instruction_tokens[name] = pricing.estimated_tokens(call.classifier.instructions())
            material, instructions = call.input_tokens, self.instruction_tokens[name]
            # The cacheable prefix: system + window (window classifiers) or system + instructions (chained).
            prefix = self.system_tokens + (material if call.classifier.reads == "window" else instructions)
            rest = material + instructions + self.system_tokens - prefix
            written = read = 0
            minimum = pricing.MIN_CACHE_TOKENS.get(pricing.base_model(call.model), 1024)
            if self.caching and prefix >= minimum:
                if call.prefix_id in self.seen:
                    read = prefix
                else:
                    written = prefix
                self.seen.add(call.prefix_id)
                plain = rest
            else:
                plain = prefix + rest
            output = pricing.EXPECTED_OUTPUT_TOKENS.get(name, pricing.DEFAULT_OUTPUT_TOKENS)
            dollars = pricing.call_cost(call.model, plain, output, read, written, batch=self.batch)
            totals = self.totals.setdefault(name, [call.model, 0, 0, 0, 0, 0, 0.0])
            for i, value in enumerate((1, plain, written, read, output, dollars), start=1):
                totals[i] += value

    def frame(self) -> pl.DataFrame:
        schema = {
            "classifier": pl.String,
            "model": pl.String,
            **{name: pl.Int64 for name in TOTALS[:-1]},
            "dollars": pl.Float64,
        }
        return pl.DataFrame([(name, *values) for name, values in self.totals.items()], schema=schema, orient="row")


def project(calls: list[PlannedCall], batch: bool, caching: bool) -> pl.DataFrame:
    """Per classifier: its model, calls, input tokens by kind, output tokens and dollars."""
    projection = Projection(batch, caching)
    projection.add(calls)
    return projection.frame()
