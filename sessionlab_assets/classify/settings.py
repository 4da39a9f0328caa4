"""How the classifiers run: which backend, which model, how calls are made and what they may cost.

Set from environment variables (see README, "Classifiers"). With no `ANTHROPIC_API_KEY` the
backend is the offline heuristic, and it says so in every row and every report.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

import dagster as dg

from sessionlab_assets import environment
from sessionlab_assets.classify import heuristic
from sessionlab_assets.classify.calibration import DEFAULT_POSTINGS_CSV
from sessionlab_assets.classify.models import REPORT_MODELS, TEMPERATURE, ModelChoice


class ClassifierSettings(dg.ConfigurableResource):
    backend_name: str = "auto"  # auto | anthropic | heuristic; auto = anthropic when an API key is set
    api_key: str | None = None
    base_url: str | None = None  # a proxy or a local test server
    # A default model, then classifier=model overrides (classify/models.py); the report's set-up by default.
    model: str = REPORT_MODELS
    temperature: float = TEMPERATURE  # sent to the models that accept it
    mode: str = "batch"  # batch (Message Batches: half price, for backfills) | realtime
    max_concurrency: int = 4  # real-time calls in flight
    budget_usd: float | None = None  # stop making calls once this run would pass it
    max_retries: int = 4  # SDK retries on 429, 529 and other 5xx, honouring retry-after
    timeout_seconds: float = 120.0
    poll_seconds: float = 30.0  # between batch status checks
    max_error_rate: float = 0.05  # the error_rate check fails above this share of sessions
    reuse_errors: bool = False  # False: errors recorded by earlier runs are retried
    dry_run: bool = False  # project tokens and dollars of the calls a run would make, then stop before any
    # Sessions whose windows are built and classified together. Memory holds one round of windows; a
    # Message Batches round waits for its batches, so that backend takes fewer, larger rounds.
    sessions_per_round: int | None = None  # None: 1,000 offline, 20,000 with the Anthropic backend
    # The freelance postings file the pricer's holdout check prices (the calibration set is in prompts/).
    freelance_csv: str = str(DEFAULT_POSTINGS_CSV)

    def postings_csv(self) -> Path:
        return Path(self.freelance_csv).expanduser()

    def models(self) -> ModelChoice:
        from sessionlab_assets.classify.registry import CLASSIFIERS

        return ModelChoice.parse(self.model, list(CLASSIFIERS))

    def round_size(self, backend) -> int:
        """Sessions per round for `backend`."""
        if self.sessions_per_round is not None:
            if self.sessions_per_round < 1:
                raise ValueError(f"SESSIONLAB_SESSIONS_PER_ROUND must be at least 1, not {self.sessions_per_round}")
            return self.sessions_per_round
        return 1_000 if backend.name == heuristic.NAME else 20_000

    def resolved_backend(self) -> str:
        if self.backend_name not in ("auto", "anthropic", "heuristic"):
            raise ValueError(
                f"SESSIONLAB_CLASSIFIER_BACKEND must be auto, anthropic or heuristic, not {self.backend_name!r}"
            )
        if self.backend_name == "auto":
            return "anthropic" if self.api_key else "heuristic"
        return self.backend_name

    def backend(self, log: Callable[[str], None] = lambda message: None, pool: Executor | None = None):
        """The configured backend; the offline one runs its rules in `pool` when given one."""
        if self.resolved_backend() == heuristic.NAME:
            return heuristic.HeuristicBackend(pool)
        if not self.api_key:
            raise dg.Failure("SESSIONLAB_CLASSIFIER_BACKEND=anthropic needs ANTHROPIC_API_KEY")
        import anthropic

        from sessionlab_assets.classify.anthropic_backend import AnthropicBackend

        client = anthropic.Anthropic(
            api_key=self.api_key, base_url=self.base_url, max_retries=self.max_retries, timeout=self.timeout_seconds
        )
        return AnthropicBackend(
            client,
            self.models(),
            mode=self.mode,
            temperature=self.temperature,
            max_concurrency=self.max_concurrency,
            budget_usd=self.budget_usd,
            poll_seconds=self.poll_seconds,
            log=log,
        )


def _checked_models() -> None:
    if environment.is_set("SESSIONLAB_CLASSIFIER_MODEL"):
        raise environment.SettingError(
            "SESSIONLAB_CLASSIFIER_MODEL is replaced by SESSIONLAB_CLASSIFIER_MODELS (a default model, then "
            f"classifier=model overrides, e.g. {REPORT_MODELS})"
        )
    from sessionlab_assets.classify.registry import CLASSIFIERS

    value = environment.text("SESSIONLAB_CLASSIFIER_MODELS", REPORT_MODELS)
    try:
        ModelChoice.parse(value, list(CLASSIFIERS))
    except ValueError as error:
        raise environment.SettingError(str(error)) from None


def classifier_settings() -> ClassifierSettings:
    _checked_models()
    environment.choice("SESSIONLAB_CLASSIFIER_BACKEND", "auto", ("auto", "anthropic", "heuristic"))
    environment.choice("SESSIONLAB_CLASSIFIER_MODE", "batch", ("batch", "realtime"))
    return ClassifierSettings(
        backend_name=environment.text_field("SESSIONLAB_CLASSIFIER_BACKEND", "auto"),
        api_key=environment.optional_field("ANTHROPIC_API_KEY"),
        base_url=environment.optional_field("ANTHROPIC_BASE_URL"),
        model=environment.text_field("SESSIONLAB_CLASSIFIER_MODELS", REPORT_MODELS),
        temperature=environment.number("SESSIONLAB_CLASSIFIER_TEMPERATURE", TEMPERATURE, low=0.0, high=1.0),
        mode=environment.text_field("SESSIONLAB_CLASSIFIER_MODE", "batch"),
        max_concurrency=environment.integer_field("SESSIONLAB_CLASSIFIER_CONCURRENCY", 4, minimum=1),
        budget_usd=environment.number("SESSIONLAB_BUDGET_USD", None, low=0.0),
        max_error_rate=environment.number("SESSIONLAB_MAX_ERROR_RATE", 0.05, low=0.0, high=1.0),
        dry_run=environment.flag("SESSIONLAB_CLASSIFIER_DRY_RUN"),
        sessions_per_round=environment.integer_field("SESSIONLAB_SESSIONS_PER_ROUND", None, minimum=1),
        freelance_csv=environment.text_field("SESSIONLAB_FREELANCE_CSV", str(DEFAULT_POSTINGS_CSV)),
    )
