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
    input_tokens: int  # the session material: window or posting
    prefix_id: str  # calls sharing this id share a cacheable prefix


def planned_call(classifier: Classifier, input_text: str | None, session_prefix: str) -> PlannedCall:
    tokens = pricing.estimated_tokens(input_text) if input_text is not None else POSTING_TOKENS
    prefix = session_prefix if classifier.reads == "window" else f"instructions:{classifier.name}"
    return PlannedCall(classifier, tokens, prefix)


def project(calls: list[PlannedCall], model: str, batch: bool, caching: bool) -> pl.DataFrame:
    """Per classifier: calls, input tokens by kind, output tokens and dollars."""
    minimum = pricing.MIN_CACHE_TOKENS.get(pricing.base_model(model), 1024)
    system_tokens = pricing.estimated_tokens(SYSTEM)
    instruction_tokens: dict[str, int] = {}
    seen: set[str] = set()
    rows = []
    for call in calls:
        name = call.classifier.name
        if name not in instruction_tokens:
            instruction_tokens[name] = pricing.estimated_tokens(call.classifier.instructions())
        material, instructions = call.input_tokens, instruction_tokens[name]
        # The cacheable prefix: system + window (window classifiers) or system + instructions (chained).
        prefix = system_tokens + (material if call.classifier.reads == "window" else instructions)
        rest = material + instructions + system_tokens - prefix
        written = read = 0
        if caching and prefix >= minimum:
            if call.prefix_id in seen:
                read = prefix
            else:
                written = prefix
            seen.add(call.prefix_id)
            plain = rest
        else:
            plain = prefix + rest
        output = pricing.EXPECTED_OUTPUT_TOKENS.get(name, pricing.DEFAULT_OUTPUT_TOKENS)
        rows.append({"classifier": name, "calls": 1, "input_tokens": plain, "cache_write_tokens": written,
                     "cache_read_tokens": read, "output_tokens": output,
                     "dollars": pricing.call_cost(model, plain, output, read, written, batch=batch)})
    if not rows:
        return pl.DataFrame(schema={"classifier": pl.String, "calls": pl.Int64, "input_tokens": pl.Int64,
                                    "cache_write_tokens": pl.Int64, "cache_read_tokens": pl.Int64,
                                    "output_tokens": pl.Int64, "dollars": pl.Float64})
    return pl.DataFrame(rows).group_by("classifier", maintain_order=True).sum()
