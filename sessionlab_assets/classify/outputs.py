"""What each classifier must return: one pydantic model per classifier, built from the shared label sets.

The JSON schema of each model is what the structured-output request sends, so a reply outside the
allowed values is rejected by the model's decoding or, failing that, by validation here — never
mapped to a default label.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sessionlab_assets.labels import (
    CODEBASE_RELATIONSHIPS,
    EXPERTISE_NAMES,
    OUTCOMES,
    SOC_MAJOR_GROUPS,
    VALUE_TIERS,
    WORK_MODES,
)

WorkModeLabel = Literal[WORK_MODES]  # type: ignore[valid-type]
CodebaseLabel = Literal[CODEBASE_RELATIONSHIPS]  # type: ignore[valid-type]
ExpertiseLabel = Literal[tuple(EXPERTISE_NAMES.values()) + ("unclear",)]  # type: ignore[valid-type]
SocLabel = Literal[tuple(SOC_MAJOR_GROUPS)]  # type: ignore[valid-type]
SocOrUnclear = Literal[tuple(SOC_MAJOR_GROUPS) + ("unclear",)]  # type: ignore[valid-type]
OutcomeLabel = Literal[OUTCOMES]  # type: ignore[valid-type]
SignalLevel = Literal[0, 1, 2, 3, 4, 5]


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkMode(_Output):
    reasoning: str = Field(description="One or two sentences: the dominant activity by volume of work.")
    work_mode: WorkModeLabel


class CodebaseRelationship(_Output):
    reasoning: str
    codebase_relationship: CodebaseLabel


class Decision(_Output):
    summary: str = Field(description="The decision in a few words.")
    kind: Literal["planning", "execution"]
    made_by: Literal["user", "agent"]


class Decisions(_Output):
    decisions: list[Decision]


class Expertise(_Output):
    reasoning: str = Field(description="The setup, verification and correction evidence, briefly.")
    expertise: ExpertiseLabel


class OccupationUser(_Output):
    evidence: str = Field(description="The context clues used, or why there are none.")
    occupation: SocOrUnclear


class OccupationWork(_Output):
    reasoning: str
    occupation: SocLabel


class Outcome(_Output):
    objective: str = Field(description="The user's primary objective, in one sentence.")
    outcome: OutcomeLabel


class Signal(_Output):
    evidence: list[str] = Field(description="Each piece of evidence found, a few words each; empty if none.")
    level: SignalLevel


class JobPosting(_Output):
    title: str = Field(max_length=80, description="A short listing-style title, at most 80 characters.")
    description: str = Field(description="Three to five sentences describing the work, with no mention of AI.")
    skills: list[str] = Field(min_length=3, max_length=8, description="Three to eight skill tags.")


class JobPrice(_Output):
    reasoning: str
    price_usd: float = Field(ge=VALUE_TIERS[1][0], le=VALUE_TIERS[4][1])


class Adjudication(_Output):
    """A judge's call on two labels that disagree (classify/label_checks.py)."""

    reasoning: str = Field(description="Two or three sentences: what the rubric asks, and what each answer got.")
    verdict: Literal["ambiguous", "a_is_wrong", "b_is_wrong", "both_wrong"]
