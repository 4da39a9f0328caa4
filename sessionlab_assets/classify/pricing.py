"""List prices of the Claude models the classifiers may use, and the cost of a call.

USD per million tokens, from Anthropic's published price list (checked 2026-11). Cache writes are
the 5-minute kind; cache reads are billed at a tenth of the input price. The Message Batches API
halves every component. A model missing here has no price: the Anthropic backend refuses to run it
under a budget until it is added.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_write: float
    cache_read: float


PRICES: dict[str, Price] = {
    "claude-haiku-4-5": Price(1.00, 5.00, 1.25, 0.10),
    "claude-sonnet-4-5": Price(3.00, 15.00, 3.75, 0.30),
    "claude-sonnet-4-6": Price(3.00, 15.00, 3.75, 0.30),
    "claude-opus-4-5": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-6": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-7": Price(5.00, 25.00, 6.25, 0.50),
}
BATCH_DISCOUNT = 0.5

# Models that accept `temperature`; newer ones reject it with a 400, so it is sent only to these.
TEMPERATURE_MODELS = (
    "claude-haiku-4-5",
    "claude-sonnet-4-5",
    "claude-sonnet-4-6",
    "claude-opus-4-5",
    "claude-opus-4-6",
)

# Rough characters per token of English prose and code, for plans made before any call.
CHARS_PER_TOKEN = 3.6


def base_model(model: str) -> str:
    """`claude-haiku-4-5-20251001` -> `claude-haiku-4-5`."""
    parts = model.split("-")
    return "-".join(parts[:-1]) if parts[-1].isdigit() and len(parts[-1]) == 8 else model


def price_of(model: str) -> Price:
    try:
        return PRICES[base_model(model)]
    except KeyError:
        raise KeyError(f"no price for model {model!r}: add it to sessionlab_assets/classify/pricing.py") from None


def accepts_temperature(model: str) -> bool:
    return base_model(model) in TEMPERATURE_MODELS


def call_cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
    batch: bool = False,
) -> float:
    """Dollars for one call; `input_tokens` excludes cached tokens, as the API reports it."""
    p = price_of(model)
    dollars = (
        input_tokens * p.input
        + output_tokens * p.output
        + cache_write_tokens * p.cache_write
        + cache_read_tokens * p.cache_read
    ) / 1e6
    return dollars * (BATCH_DISCOUNT if batch else 1.0)


def estimated_tokens(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN))


# Shortest prefix the API will cache, in tokens; a shorter cache_control block is billed as plain input.
MIN_CACHE_TOKENS = {
    "claude-haiku-4-5": 4096,
    "claude-opus-4-5": 4096,
    "claude-opus-4-6": 4096,
    "claude-opus-4-7": 4096,
    "claude-sonnet-4-5": 1024,
    "claude-sonnet-4-6": 1024,
}

# Output tokens a classifier's answer takes (label plus its short reasoning), for projections only.
EXPECTED_OUTPUT_TOKENS = {"decisions": 450, "job_posting": 300, "success_signal": 120, "failure_signal": 120}
DEFAULT_OUTPUT_TOKENS = 150
