"""Classifiers are data: every prompt has an entry and an output model, and lists its allowed values."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from sessionlab_assets.classify import outputs
from sessionlab_assets.classify.registry import ADJUDICATOR, CLASSIFIERS, MEASURES, PROMPTS_DIR, Classifier
from sessionlab_assets.labels import CODEBASE_RELATIONSHIPS, EXPERTISE_NAMES, OUTCOMES, SOC_MAJOR_GROUPS, WORK_MODES


def test_every_prompt_file_has_a_classifier_and_back():
    files = {p.stem for p in PROMPTS_DIR.glob("*.md") if p.name != "README.md"}
    assert files == {*CLASSIFIERS, ADJUDICATOR.name}  # the adjudicator judges labels; it is not a measure


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("work_mode", WORK_MODES),
        ("codebase_relationship", CODEBASE_RELATIONSHIPS),
        ("expertise", tuple(EXPERTISE_NAMES.values()) + ("unclear",)),
        ("outcome", OUTCOMES),
        ("occupation_user", tuple(SOC_MAJOR_GROUPS) + ("unclear",)),
        ("occupation_work", tuple(SOC_MAJOR_GROUPS)),
    ],
)
def test_prompts_list_their_allowed_values(name, values):
    text = CLASSIFIERS[name].instructions()
    assert [v for v in values if v not in text] == []


def test_output_models_allow_exactly_the_label_set():
    field = outputs.WorkMode.model_fields["work_mode"].annotation
    assert set(typing.get_args(field)) == set(WORK_MODES)
    with pytest.raises(ValidationError):
        outputs.WorkMode(reasoning="", work_mode="debug")
    with pytest.raises(ValidationError):
        outputs.Signal(evidence=[], level=6)
    with pytest.raises(ValidationError):
        outputs.JobPrice(reasoning="", price_usd=5)


def test_label_columns():
    decisions = outputs.Decisions(
        decisions=[
            outputs.Decision(summary="approach", kind="planning", made_by="user"),
            outputs.Decision(summary="scope", kind="planning", made_by="agent"),
            outputs.Decision(summary="file", kind="execution", made_by="agent"),
        ]
    )
    assert CLASSIFIERS["decisions"].columns(decisions) == {
        "planning_decisions": 2,
        "execution_decisions": 1,
        "user_planning_share": 0.5,
        "user_execution_share": 0.0,
    }
    assert CLASSIFIERS["expertise"].columns(outputs.Expertise(reasoning="", expertise="advanced")) == {"expertise": 4}
    assert CLASSIFIERS["expertise"].columns(outputs.Expertise(reasoning="", expertise="unclear")) == {"expertise": None}
    assert CLASSIFIERS["occupation_user"].columns(outputs.OccupationUser(evidence="", occupation="unclear")) == {
        "occupation_user": None
    }
    assert CLASSIFIERS["job_price"].columns(outputs.JobPrice(reasoning="", price_usd=1500)) == {
        "value_usd": 1500,
        "value_tier": 3,
    }


def test_prompt_version_is_the_content_hash(tmp_path, monkeypatch):
    import sessionlab_assets.classify.registry as registry

    (tmp_path / "work_mode.md").write_text("one")
    monkeypatch.setattr(registry, "PROMPTS_DIR", tmp_path)
    classifier = Classifier("work_mode", outputs.WorkMode, lambda o: {}, (), measure="work_mode")
    first = classifier.prompt_version()
    (tmp_path / "work_mode.md").write_text("two")
    second = classifier.prompt_version()
    assert second != first
    # The same prompt held to another output schema (a label set changed) is another version.
    other_schema = Classifier("work_mode", outputs.Expertise, lambda o: {}, (), measure="work_mode")
    assert other_schema.prompt_version() != second


def test_measures_group_the_classifiers():
    assert list(MEASURES) == [
        "work_mode",
        "codebase_relationship",
        "decisions",
        "expertise",
        "occupation_user",
        "occupation_work",
        "outcome",
        "success_signal",
        "failure_signal",
        "task_value",
    ]
    assert [c.name for c in MEASURES["task_value"]] == ["job_posting", "job_price"]


def test_job_price_prompt_carries_the_tier_balanced_calibration_set():
    from sessionlab_assets.classify.calibration import calibration_set

    examples = calibration_set()
    assert examples["tier"].value_counts()["count"].to_list() == [50, 50, 50, 50]  # 200, as the report's
    assert examples["price_usd"].min() >= 10 and examples["price_usd"].max() < 50_000
    assert examples.height == examples.unique(subset=["title", "price_usd"]).height
    text = CLASSIFIERS["job_price"].instructions()
    assert text.count("| paid: $") == 200


def test_the_kept_calibration_set_is_the_draw_from_the_postings_file(shared_dir):
    from sessionlab_assets.classify.calibration import COLUMNS, DEFAULT_POSTINGS_CSV, calibration_set, drawn_set

    assert drawn_set(DEFAULT_POSTINGS_CSV).select(list(COLUMNS)).equals(calibration_set())


def test_missing_postings_file_is_a_clear_error(tmp_path):
    from sessionlab_assets.classify.calibration import CalibrationUnavailable, drawn_set

    with pytest.raises(CalibrationUnavailable, match="SESSIONLAB_FREELANCE_CSV"):
        drawn_set(tmp_path / "absent.csv")
