"""Claude as the classifier, through the anthropic SDK: structured outputs, Message Batches, prompt caching.

One request per (classifier, session): the redacted window as a cacheable first block, the
classifier's instructions after it, and the output model's JSON schema as `output_config.format`,
so the ten calls of a session share a cached prefix and each answer is constrained to its label set.
For a chained classifier (the job price) the fixed instructions, with the calibration postings, are
the cached prefix and the posting comes after.

Every response becomes a ledger row as soon as it arrives. A refusal, a truncated answer or JSON
that does not validate is an error row with its reason, never a default label. Retries on 429, 529
and other 5xx are the SDK's (`max_retries`, honouring `retry-after`). The budget cap stops new
calls once spent plus projected cost would pass it; what was not called is reported, not labelled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import anthropic

from sessionlab_assets.classify import pricing
from sessionlab_assets.classify.calls import (
    BatchRegister,
    CallKey,
    CallRequest,
    CallResult,
    Ledger,
    Stopwatch,
    validated,
)
from sessionlab_assets.classify.models import TEMPERATURE, ModelChoice
from sessionlab_assets.classify.registry import CLASSIFIERS

NAME = "anthropic"
SYSTEM = (
    "You label transcripts of coding-agent sessions for a research measurement. Judge only from the "
    "material given, follow the instructions exactly, and answer with JSON that matches the schema."
)
MAX_BATCH_REQUESTS = 10_000


def message_params(request: CallRequest, model: str, max_tokens: int, temperature: float | None) -> dict[str, Any]:
    """The Messages API parameters of one classifier call."""
    classifier = request.classifier
    material = {"type": "text", "text": f"<transcript>\n{request.input_text}\n</transcript>"}
    instructions = {"type": "text", "text": classifier.instructions()}
    if classifier.reads == "window":
        material["cache_control"] = {"type": "ephemeral"}
        content = [material, instructions]
    else:
        material["text"] = f"<posting>\n{request.input_text}\n</posting>"
        instructions["cache_control"] = {"type": "ephemeral"}
        content = [instructions, material]
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": max_tokens,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": content}],
        "output_config": {
            "format": {"type": "json_schema", "schema": anthropic.transform_schema(classifier.json_schema)}
        },
    }
    if temperature is not None and pricing.accepts_temperature(model):
        # The SDK's typed signature has no `temperature`; the API takes it for older models only.
        params["temperature"] = temperature
    return params


def projected_cost(request: CallRequest, model: str, batch: bool) -> float:
    prompt_tokens = pricing.estimated_tokens(request.input_text) + pricing.estimated_tokens(
        request.classifier.instructions()
    )
    output_tokens = pricing.EXPECTED_OUTPUT_TOKENS.get(request.classifier.name, pricing.DEFAULT_OUTPUT_TOKENS)
    return pricing.call_cost(model, prompt_tokens, output_tokens, batch=batch)


class AnthropicBackend:
    name = NAME

    def __init__(
        self,
        client: anthropic.Anthropic,
        models: ModelChoice | str,
        mode: str = "batch",
        max_concurrency: int = 4,
        budget_usd: float | None = None,
        max_tokens: int = 2048,
        temperature: float | None = TEMPERATURE,
        poll_seconds: float = 30.0,
        log: Callable[[str], None] = lambda message: None,
    ):
        if mode not in ("batch", "realtime"):
            raise ValueError(f"mode must be 'batch' or 'realtime', not {mode!r}")
        self.models = models if isinstance(models, ModelChoice) else ModelChoice.parse(models)
        if budget_usd is not None:
            for model in self.models.models():
                pricing.price_of(model)  # a budget needs a price: fail before any call
        self.client, self.model, self.mode = client, str(self.models), mode
        self.max_concurrency, self.budget_usd, self.max_tokens = max_concurrency, budget_usd, max_tokens
        self.temperature, self.poll_seconds, self.log = temperature, poll_seconds, log
        self.spent_usd = 0.0

    def version_of(self, classifier) -> str:
        return classifier.prompt_version()

    def model_for(self, classifier) -> str:
        return self.models.for_classifier(classifier.name)

    # -- one response -> one result -------------------------------------------------------------
    def _result(self, request: CallRequest, message: Any, latency_ms: float | None, batch_id: str | None) -> CallResult:
        usage = message.usage
        counts = {
            "input_tokens": usage.input_tokens or 0,
            "output_tokens": usage.output_tokens or 0,
            "cache_read_tokens": usage.cache_read_input_tokens or 0,
            "cache_write_tokens": usage.cache_creation_input_tokens or 0,
        }
        try:
            cost = pricing.call_cost(request.key.model, **counts, batch=batch_id is not None)
        except KeyError:
            cost = 0.0  # unpriced model without a budget: tokens are still recorded
        self.spent_usd += cost
        extra = {**counts, "cost_usd": cost, "latency_ms": latency_ms, "batch_id": batch_id}
        mode = "batch" if batch_id else "realtime"
        if message.stop_reason == "refusal":
            return CallResult.error(request.key, self.name, mode, "refusal: the model declined to answer", **extra)
        if message.stop_reason in ("max_tokens", "model_context_window_exceeded"):
            return CallResult.error(
                request.key, self.name, mode, f"truncated output (stop_reason {message.stop_reason})", **extra
            )
        text = "".join(block.text for block in message.content if getattr(block, "type", None) == "text")
        if not text.strip():
            return CallResult.error(
                request.key, self.name, mode, f"no text in the response (stop_reason {message.stop_reason})", **extra
            )
        return validated(request.classifier, request.key, text, self.name, mode, **extra)

    def _affordable(
        self, requests: list[CallRequest], reserved: float = 0.0
    ) -> tuple[list[CallRequest], list[CallRequest]]:
        """Split `requests` into those that fit under the budget (in order) and the rest."""
        if self.budget_usd is None:
            return requests, []
        batch = self.mode == "batch"
        room = self.budget_usd - self.spent_usd - reserved
        for i, request in enumerate(requests):
            room -= projected_cost(request, request.key.model, batch)
            if room < 0:
                return requests[:i], requests[i:]
        return requests, []

    # -- real time ------------------------------------------------------------------------------
    def _call(self, request: CallRequest) -> CallResult:
        watch = Stopwatch()
        try:
            params = message_params(request, request.key.model, self.max_tokens, self.temperature)
            extra = {"temperature": params.pop("temperature")} if "temperature" in params else None
            message = self.client.messages.create(**params, extra_body=extra)
        except anthropic.APIStatusError as exc:
            return CallResult.error(
                request.key,
                self.name,
                "realtime",
                f"HTTP {exc.status_code} after retries: {exc.message}"[:500],
                latency_ms=watch.ms(),
            )
        except anthropic.APIConnectionError as exc:
            return CallResult.error(
                request.key,
                self.name,
                "realtime",
                f"connection failed after retries: {exc}"[:500],
                latency_ms=watch.ms(),
            )
        return self._result(request, message, watch.ms(), None)

    def _run_realtime(self, requests: list[CallRequest], ledger: Ledger) -> list[CallRequest]:
        queue = list(requests)
        in_flight: dict[Future, CallRequest] = {}
        not_run: list[CallRequest] = []
        with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
            while queue or in_flight:
                while queue and len(in_flight) < self.max_concurrency:
                    reserved = sum(projected_cost(r, r.key.model, False) for r in in_flight.values())
                    fits, _ = self._affordable(queue[:1], reserved)
                    if not fits:
                        if not in_flight:
                            not_run, queue = queue, []
                        break
                    request = queue.pop(0)
                    in_flight[pool.submit(self._call, request)] = request
                if not in_flight:
                    break
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                ledger.record([future.result() for future in done])
                for future in done:
                    del in_flight[future]
        return not_run

    # -- batches --------------------------------------------------------------------------------
    def _collect(self, batch_id: str, requests: list[CallRequest], ledger: Ledger, register: BatchRegister) -> None:
        """Wait for a batch to end, then record a result for each of `requests` (the batch's requests)."""
        batch = self.client.messages.batches.retrieve(batch_id)
        while batch.processing_status != "ended":
            self.log(f"batch {batch_id}: {batch.processing_status}, {batch.request_counts.processing} processing")
            time.sleep(self.poll_seconds)
            batch = self.client.messages.batches.retrieve(batch_id)
        by_custom_id = {r.key.custom_id: r for r in requests}
        results = []
        for item in self.client.messages.batches.results(batch_id):
            request = by_custom_id.pop(item.custom_id, None)
            if request is None:
                continue
            outcome = item.result
            if outcome.type == "succeeded":
                results.append(self._result(request, outcome.message, None, batch_id))
            elif outcome.type == "errored":
                error = outcome.error.error
                results.append(
                    CallResult.error(
                        request.key,
                        self.name,
                        "batch",
                        f"batch item errored: {error.type}: {error.message}"[:500],
                        batch_id=batch_id,
                    )
                )
            elif outcome.type == "expired":
                results.append(
                    CallResult.error(
                        request.key, self.name, "batch", "batch item expired before it was processed", batch_id=batch_id
                    )
                )
            else:
                results.append(
                    CallResult.error(request.key, self.name, "batch", f"batch item {outcome.type}", batch_id=batch_id)
                )
        results += [
            CallResult.error(r.key, self.name, "batch", "missing from the batch results", batch_id=batch_id)
            for r in by_custom_id.values()
        ]
        ledger.record(results)
        register.collected(batch_id)

    def _run_batches(self, requests: list[CallRequest], ledger: Ledger) -> list[CallRequest]:
        register = BatchRegister(ledger.conn)
        by_key = {r.key: r for r in requests}
        # Resume: batches an earlier run submitted are collected, not paid for again; every request
        # they hold is recorded, including those of months this run does not cover.
        done: set[CallKey] = set()
        for batch_id, keys in register.pending(list(by_key)).items():
            self.log(f"collecting batch {batch_id} submitted by an earlier run")
            held = [by_key.get(k) or CallRequest(k, CLASSIFIERS[k.classifier], "") for k in keys]
            self._collect(batch_id, held, ledger, register)
            done.update(keys)
        todo, not_run = self._affordable([r for r in requests if r.key not in done])
        submitted: list[tuple[str, list[CallRequest]]] = []
        for start in range(0, len(todo), MAX_BATCH_REQUESTS):
            chunk = todo[start : start + MAX_BATCH_REQUESTS]
            try:
                batch = self.client.messages.batches.create(
                    requests=[
                        {
                            "custom_id": r.key.custom_id,
                            "params": message_params(r, r.key.model, self.max_tokens, self.temperature),
                        }
                        for r in chunk
                    ]
                )
            except (anthropic.APIStatusError, anthropic.APIConnectionError) as exc:
                reason = f"batch submission failed after retries: {getattr(exc, 'status_code', '')} {exc}".replace(
                    "  ", " "
                )
                ledger.record([CallResult.error(r.key, self.name, "batch", reason[:500]) for r in chunk])
                continue
            register.add(batch.id, [r.key for r in chunk])
            submitted.append((batch.id, chunk))
            self.log(f"submitted batch {batch.id} with {len(chunk)} requests")
        for batch_id, chunk in submitted:
            self._collect(batch_id, chunk, ledger, register)
        return not_run

    def run(self, requests: list[CallRequest], ledger: Ledger) -> list[CallRequest]:
        """Call for every request, recording each result; returns the requests left uncalled by the budget."""
        if not requests:
            return []
        return self._run_batches(requests, ledger) if self.mode == "batch" else self._run_realtime(requests, ledger)
