"""The classifiers: a prompt file in prompts/, an output model, and what the output becomes in the
warehouse. Adding a classifier means a prompt file, an output model and one entry here.

A prompt's version is the SHA-256 of its file's content, so editing a prompt re-runs that classifier
and nothing else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sessionlab_assets.classify import outputs
from sessionlab_assets.labels import EXPERTISE_NAMES, value_tier

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
_LEVEL_OF_NAME = {name: level for level, name in EXPERTISE_NAMES.items()}


def _decision_columns(out: outputs.Decisions) -> dict[str, Any]:
    def share(kind: str) -> float | None:
        made = [d for d in out.decisions if d.kind == kind]
        return sum(d.made_by == "user" for d in made) / len(made) if made else None

    return {
        "planning_decisions": sum(d.kind == "planning" for d in out.decisions),
        "execution_decisions": sum(d.kind == "execution" for d in out.decisions),
        "user_planning_share": share("planning"),
        "user_execution_share": share("execution"),
    }


@dataclass(frozen=True)
class Classifier:
    name: str
    output_model: type[BaseModel]
    columns: Callable[[Any], dict[str, Any]]  # output -> label columns of the measure's table
    reads: str = "window"  # "window": the session's transcript window; "posting": the job_posting output

    @property
    def prompt_path(self) -> Path:
        return PROMPTS_DIR / f"{self.name}.md"

    def prompt(self) -> str:
        return self.prompt_path.read_text()

    def prompt_version(self) -> str:
        return hashlib.sha256(self.prompt_path.read_bytes()).hexdigest()[:16]


CLASSIFIERS: dict[str, Classifier] = {c.name: c for c in (
    Classifier("work_mode", outputs.WorkMode, lambda o: {"work_mode": o.work_mode}),
    Classifier("codebase_relationship", outputs.CodebaseRelationship, lambda o: {"codebase_relationship": o.codebase_relationship}),
    Classifier("decisions", outputs.Decisions, _decision_columns),
    Classifier("expertise", outputs.Expertise, lambda o: {"expertise": _LEVEL_OF_NAME.get(o.expertise)}),
    Classifier("occupation_user", outputs.OccupationUser,
               lambda o: {"occupation_user": None if o.occupation == "unclear" else o.occupation}),
    Classifier("occupation_work", outputs.OccupationWork, lambda o: {"occupation_work": o.occupation}),
    Classifier("outcome", outputs.Outcome, lambda o: {"outcome": o.outcome}),
    Classifier("success_signal", outputs.Signal, lambda o: {"success_signal": o.level}),
    Classifier("failure_signal", outputs.Signal, lambda o: {"failure_signal": o.level}),
    Classifier("job_posting", outputs.JobPosting, lambda o: {"posting_title": o.title}),
    Classifier("job_price", outputs.JobPrice, lambda o: {"value_usd": o.price_usd, "value_tier": int(value_tier(o.price_usd))},
               reads="posting"),
)}
