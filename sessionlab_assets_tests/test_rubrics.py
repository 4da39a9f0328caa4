"""The classifiers ask what the report's classifiers asked, with the report's model settings: the
request shape through the real SDK and a local fake server (temperature, a model per classifier, the
job-posting limits), the one-line errors of the model setting, and the rubric rules each prompt must
carry (prompts/README.md maps every rule to its line)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sessionlab_assets.classify import calibration
from sessionlab_assets.classify.models import REPORT_MODELS, ModelChoice
from sessionlab_assets.classify.registry import CLASSIFIERS, PROMPTS_DIR
from sessionlab_assets.classify.run import SessionInput, classify_sessions
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.classify.window import Entry, render_window
from sessionlab_assets_tests.fake_anthropic import OBEY, FakeAnthropic


def _session(extra: str = "") -> SessionInput:
    entries = [
        Entry("user", f"The export job drops rows with null dates; fix it. {extra}"),
        Entry("assistant", "[Bash — test run, tests passed]\n$ pytest -q\n→ 12 passed"),
        Entry("user", "Perfect, thanks."),
    ]
    return SessionInput(
        month=date(2026, 1, 1),
        session_id="s1",
        user_key="u1",
        window=render_window(entries),
        facts={"tool_calls": 3, "lines_added": 6, "human_turns": 2},
    )


def test_default_settings_reproduce_the_report_set_up_model_by_model_at_temperature_0_2(ledger):
    with FakeAnthropic() as fake:
        settings = ClassifierSettings(api_key="test-key", base_url=fake.base_url, mode="realtime", max_retries=0)
        assert settings.model == REPORT_MODELS
        chosen = [CLASSIFIERS[name] for name in ("work_mode", "job_posting", "job_price")]
        outcomes, keys, _ = classify_sessions([_session()], settings.backend(), ledger, chosen)
        bodies = fake.message_bodies()
    by_schema = {body["output_config"]["format"]["schema"]["title"]: body for body in bodies}
    assert by_schema["WorkMode"]["model"] == "claude-sonnet-4-6" and by_schema["WorkMode"]["temperature"] == 0.2
    assert by_schema["JobPosting"]["model"] == "claude-haiku-4-5" and by_schema["JobPosting"]["temperature"] == 0.2
    # Opus 4.7 rejects `temperature`: it is not sent.
    assert by_schema["JobPrice"]["model"] == "claude-opus-4-7" and "temperature" not in by_schema["JobPrice"]
    assert {name: key.model for (_, name), key in keys.items()} == {
        "work_mode": "claude-sonnet-4-6",
        "job_posting": "claude-haiku-4-5",
        "job_price": "claude-opus-4-7",
    }
    assert all(outcome.status == "ok" for outcome in outcomes.values())


@pytest.mark.parametrize(
    "posting, problem",
    [
        ({"title": "x" * 81, "description": "Fix it.", "skills": ["python", "sql", "etl"]}, "title"),
        ({"title": "Fix an export job", "description": "Fix it.", "skills": ["python", "sql"]}, "skills"),
        ({"title": "Fix an export job", "description": "Fix it.", "skills": [f"s{i}" for i in range(9)]}, "skills"),
    ],
)
def test_a_job_posting_outside_the_limits_is_an_error_row_not_a_label(ledger, posting, problem):
    with FakeAnthropic() as fake:
        settings = ClassifierSettings(api_key="test-key", base_url=fake.base_url, mode="realtime", max_retries=0)
        session = _session(f"{OBEY} {json.dumps(posting)}")
        outcomes, _, _ = classify_sessions([session], settings.backend(), ledger, [CLASSIFIERS["job_posting"]])
    outcome = outcomes[("s1", "job_posting")]
    assert outcome.status == "error" and problem in outcome.reason


def test_the_posting_schema_states_the_limits():
    schema = CLASSIFIERS["job_posting"].json_schema
    assert schema["properties"]["title"]["maxLength"] == 80
    assert (schema["properties"]["skills"]["minItems"], schema["properties"]["skills"]["maxItems"]) == (3, 8)


@pytest.mark.parametrize(
    "value, message",
    [
        ("claude-sonnet-4-6,claude-haiku-4-5", "give one default model"),
        ("claude-sonnet-4-6,job_prices=claude-opus-4-7", "no classifier named 'job_prices'"),
        ("gpt-5", "no price known for model 'gpt-5'"),
    ],
)
def test_a_bad_model_setting_is_one_line_naming_the_variable(value, message):
    with pytest.raises(ValueError) as error:
        ModelChoice.parse(value, list(CLASSIFIERS))
    text = str(error.value)
    assert "SESSIONLAB_CLASSIFIER_MODELS" in text and message in text and "\n" not in text


def test_the_model_choice_reads_back_as_written():
    choice = ModelChoice.parse(REPORT_MODELS, list(CLASSIFIERS))
    assert str(choice) == REPORT_MODELS
    assert choice.for_classifier("outcome") == "claude-sonnet-4-6"
    assert choice.for_classifier("job_price") == "claude-opus-4-7"


def test_the_calibration_set_is_fifty_postings_per_tier():
    drawn = calibration.calibration_set()
    assert drawn.group_by("tier").len().sort("tier")["len"].to_list() == [50, 50, 50, 50]


# Rules of the report's rubrics that each prompt must state (in our words); the full mapping of every
# criterion to its line is in prompts/README.md.
RUBRIC_RULES = {
    "work_mode": [
        'no "unclear" option',
        "dominant activity",
        "ends in a code change making broken behaviour correct",
        "ends without such a fix is understand",
        "Repairing application code that the tests showed to be",
        "new infrastructure tool is build",
        "reviewing code mainly to learn the codebase is understand",
        "making working code faster",
        "debugging an agent",
        "log triage",
        "notes and summaries kept for oneself",
    ],
    "expertise": [
        "Rate the type of verification, not whether there is any",
        "this signal is neutral",
        "A fluent technologist working outside",
        "A domain expert handing off a routine task",
        "cannot be read off the screen",
        "One or two such moves are enough",
        "Whenever there is any framing, however sparse, pick the best-fitting level",
    ],
    "occupation_user": [
        "This is not the occupation of whoever would usually do the session's work",
        "The task of the session itself",
        "The tools the agent uses",
        "memory files",
        "easy name-dropping",
        "technical writers",
        "economists",
        "statisticians",
    ],
    "occupation_work": ["Match the work itself, not the subject", "pick the group that best fits"],
    "outcome": [
        "take the most significant one",
        "what the bulk of the session's work serves",
        "the objective is the planned work",
        "stay exploratory from start to end",
        "do not mark it down because no commit or test confirmed it",
        "Go by the strongest signal visible in the head and the tail",
        "clean and on task → succeeded; a loop, errors or complaints → failed",
    ],
    "success_signal": [
        "whether or not the session succeeded overall",
        "Choose the highest level the transcript supports",
        "a higher level needs more evidence, not different evidence",
        "at most 2 or 3",
        "neutral acknowledgement",
        "most common pattern of short sessions",
    ],
    "failure_signal": [
        "whether or not the session failed overall",
        "fell short on one dimension",
        "looped briefly",
        "silence after success-shaped work is only silence",
        "Choose the highest level the transcript supports",
    ],
    "job_posting": [
        "Write as the client posting the job, not as the freelancer",
        "at most 80 characters",
        "three to eight",
    ],
}


@pytest.mark.parametrize("name", sorted(RUBRIC_RULES))
def test_each_prompt_states_the_rules_of_its_rubric(name):
    text = " ".join((PROMPTS_DIR / f"{name}.md").read_text().split())
    missing = [rule for rule in RUBRIC_RULES[name] if " ".join(rule.split()) not in text]
    assert missing == []


def test_no_prompt_tells_the_model_how_often_an_answer_occurs():
    for path in PROMPTS_DIR.glob("*.md"):
        text = path.read_text().lower()
        assert "about a third" not in text and "% of sessions" not in text, path.name
