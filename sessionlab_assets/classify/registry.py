"""The classifiers: a prompt file in prompts/, an output model, and what the output becomes in the
warehouse. Adding a classifier means a prompt file, an output model and one entry here.

A prompt's version is the SHA-256 of exactly what the model is given: the instructions (the prompt
file, plus the calibration postings for the job price) and the output schema it must answer in (a
changed label set must not reuse answers given under the old one), so editing either re-runs that
classifier and nothing else. A measure is one warehouse table, filled by one classifier or, for task
value, by two in a chain (the session rewritten as a job posting, then that posting priced).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sessionlab_assets.classify import calibration, outputs
from sessionlab_assets.labels import (
    CODEBASE_RELATIONSHIPS,
    EXPERTISE_LEVELS,
    EXPERTISE_NAMES,
    OUTCOMES,
    SIGNAL_LEVELS,
    SOC_MAJOR_GROUPS,
    VALUE_TIERS,
    WORK_MODES,
    value_tier,
)
from sessionlab_assets.paths import PROMPTS_DIR

_LEVEL_OF_NAME = {name: level for level, name in EXPERTISE_NAMES.items()}


def one_of(column: str, values) -> str:
    """The SQL condition that `column` holds one of `values`."""
    return f"{column} IN (" + ", ".join(repr(v) for v in values) + ")"


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


def _posting_text(out: outputs.JobPosting) -> str:
    return f"Title: {out.title}\nSkills: {', '.join(out.skills)}\n\n{out.description}"


@dataclass(frozen=True)
class Classifier:
    name: str
    output_model: type[BaseModel]
    columns: Callable[[Any], dict[str, Any]]  # output -> label columns of the measure's table
    # (column, DuckDB type, SQL condition every non-NULL value meets): the declared schema of those columns,
    # and the domain the labels_in_domain check holds them to
    label_columns: tuple[tuple[str, str, str], ...]
    measure: str  # the table the labels land in
    reads: str = "window"  # "window": the session's transcript window; "job_posting": that classifier's output
    abstains_when: Callable[[Any], bool] = lambda output: False  # a valid answer that says "no signal"
    appendix: Callable[[], str] | None = None  # fixed text added after the prompt file (calibration data)
    # The label columns carried into `session_measures` (None: all of them).
    session_columns: tuple[str, ...] | None = None

    @property
    def prompt_path(self) -> Path:
        return PROMPTS_DIR / f"{self.name}.md"

    def instructions(self) -> str:
        text = self.prompt_path.read_text()
        return f"{text.rstrip()}\n\n{self.appendix()}\n" if self.appendix else text

    @cached_property
    def json_schema(self) -> dict[str, Any]:
        return self.output_model.model_json_schema()

    def prompt_version(self) -> str:
        sent = f"{self.instructions()}\n{json.dumps(self.json_schema, sort_keys=True)}"
        return hashlib.sha256(sent.encode()).hexdigest()[:16]


CLASSIFIERS: dict[str, Classifier] = {
    c.name: c
    for c in (
        Classifier(
            "work_mode",
            outputs.WorkMode,
            lambda o: {"work_mode": o.work_mode},
            (("work_mode", "VARCHAR", one_of("work_mode", WORK_MODES)),),
            measure="work_mode",
        ),
        Classifier(
            "codebase_relationship",
            outputs.CodebaseRelationship,
            lambda o: {"codebase_relationship": o.codebase_relationship},
            (("codebase_relationship", "VARCHAR", one_of("codebase_relationship", CODEBASE_RELATIONSHIPS)),),
            measure="codebase_relationship",
        ),
        Classifier(
            "decisions",
            outputs.Decisions,
            _decision_columns,
            (
                ("planning_decisions", "INTEGER", "planning_decisions >= 0"),
                ("execution_decisions", "INTEGER", "execution_decisions >= 0"),
                ("user_planning_share", "DOUBLE", "user_planning_share BETWEEN 0 AND 1"),
                ("user_execution_share", "DOUBLE", "user_execution_share BETWEEN 0 AND 1"),
            ),
            measure="decisions",
            abstains_when=lambda o: not o.decisions,
            session_columns=("user_planning_share", "user_execution_share"),
        ),
        Classifier(
            "expertise",
            outputs.Expertise,
            lambda o: {"expertise": _LEVEL_OF_NAME.get(o.expertise)},
            (("expertise", "TINYINT", one_of("expertise", EXPERTISE_LEVELS)),),
            measure="expertise",
            abstains_when=lambda o: o.expertise == "unclear",
        ),
        Classifier(
            "occupation_user",
            outputs.OccupationUser,
            lambda o: {"occupation_user": None if o.occupation == "unclear" else o.occupation},
            (("occupation_user", "VARCHAR", one_of("occupation_user", SOC_MAJOR_GROUPS)),),
            measure="occupation_user",
            abstains_when=lambda o: o.occupation == "unclear",
        ),
        Classifier(
            "occupation_work",
            outputs.OccupationWork,
            lambda o: {"occupation_work": o.occupation},
            (("occupation_work", "VARCHAR", one_of("occupation_work", SOC_MAJOR_GROUPS)),),
            measure="occupation_work",
        ),
        Classifier(
            "outcome",
            outputs.Outcome,
            lambda o: {"outcome": o.outcome},
            (("outcome", "VARCHAR", one_of("outcome", OUTCOMES)),),
            measure="outcome",
        ),
        Classifier(
            "success_signal",
            outputs.Signal,
            lambda o: {"success_signal": o.level},
            (("success_signal", "TINYINT", one_of("success_signal", SIGNAL_LEVELS)),),
            measure="success_signal",
        ),
        Classifier(
            "failure_signal",
            outputs.Signal,
            lambda o: {"failure_signal": o.level},
            (("failure_signal", "TINYINT", one_of("failure_signal", SIGNAL_LEVELS)),),
            measure="failure_signal",
        ),
        Classifier(
            "job_posting",
            outputs.JobPosting,
            lambda o: {"posting_title": o.title},
            (("posting_title", "VARCHAR", "length(posting_title) > 0"),),
            measure="task_value",
            session_columns=(),
        ),
        Classifier(
            "job_price",
            outputs.JobPrice,
            lambda o: {"value_usd": o.price_usd, "value_tier": int(value_tier(o.price_usd))},
            (
                ("value_usd", "DOUBLE", f"value_usd BETWEEN {VALUE_TIERS[1][0]} AND {VALUE_TIERS[4][1]}"),
                ("value_tier", "TINYINT", one_of("value_tier", VALUE_TIERS)),
            ),
            measure="task_value",
            reads="job_posting",
            appendix=calibration.calibration_block,
        ),
    )
}

# Not a measure: the judge the reference check asks about each disagreement (classify/label_checks.py).
ADJUDICATOR = Classifier("adjudication", outputs.Adjudication, lambda o: {}, (), measure="(validation)")

# measure -> its classifiers, in the order they run
MEASURES: dict[str, tuple[Classifier, ...]] = {}
for _classifier in CLASSIFIERS.values():
    MEASURES.setdefault(_classifier.measure, ())
    MEASURES[_classifier.measure] += (_classifier,)


def chained_input(classifier: Classifier, upstream_output: BaseModel) -> str:
    """The text a chained classifier reads, made from its upstream classifier's output."""
    if classifier.reads == "job_posting":
        return _posting_text(upstream_output)  # type: ignore[arg-type]
    raise ValueError(f"{classifier.name} reads {classifier.reads!r}, which is not a classifier output")
