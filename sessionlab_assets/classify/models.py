"""Which Claude model answers each classifier.

One setting, `SESSIONLAB_CLASSIFIER_MODELS`: a default model, then optional `classifier=model`
overrides, comma-separated. The default reproduces the report's set-up with today's models: every
classifier on Sonnet, the job posting written by Haiku and priced by Opus. The model is part of every
call's cache key, so changing it for one classifier re-runs that classifier only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sessionlab_assets.classify import pricing

VARIABLE = "SESSIONLAB_CLASSIFIER_MODELS"
REPORT_MODELS = "claude-sonnet-4-6,job_posting=claude-haiku-4-5,job_price=claude-opus-4-7"
CHEAPEST_MODELS = "claude-haiku-4-5"
TEMPERATURE = 0.2  # the report's, sent to every model that accepts it


@dataclass(frozen=True)
class ModelChoice:
    default: str
    overrides: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str, classifiers: list[str] | None = None) -> ModelChoice:
        """`claude-sonnet-4-6,job_price=claude-opus-4-7` -> a choice; a bad part is a one-line error."""
        parts = [part.strip() for part in text.split(",") if part.strip()]
        defaults = [part for part in parts if "=" not in part]
        if len(defaults) != 1:
            raise ValueError(
                f"{VARIABLE}={text!r}: give one default model, then classifier=model overrides "
                f"(for example {REPORT_MODELS})"
            )
        overrides = []
        for part in parts:
            if "=" not in part:
                continue
            name, model = (piece.strip() for piece in part.split("=", 1))
            if classifiers is not None and name not in classifiers:
                raise ValueError(
                    f"{VARIABLE}: no classifier named {name!r}; the classifiers are {', '.join(classifiers)}"
                )
            overrides.append((name, model))
        choice = cls(defaults[0], tuple(overrides))
        for model in choice.models():
            if pricing.base_model(model) not in pricing.PRICES:
                raise ValueError(
                    f"{VARIABLE}: no price known for model {model!r}; known: {', '.join(pricing.PRICES)} "
                    "(add a price to sessionlab_assets/classify/pricing.py to use another)"
                )
        return choice

    def for_classifier(self, name: str) -> str:
        return dict(self.overrides).get(name, self.default)

    def models(self) -> list[str]:
        return list(dict.fromkeys([self.default, *(model for _, model in self.overrides)]))

    def __str__(self) -> str:
        return ",".join([self.default, *(f"{name}={model}" for name, model in self.overrides)])
