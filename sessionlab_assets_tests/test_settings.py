"""Every `SESSIONLAB_*` setting is checked when the code location loads: a bad value is one line that
names the variable and what it accepts, and the code location stops with status 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sessionlab_assets import environment
from sessionlab_assets.analyses.publication import analysis_settings
from sessionlab_assets.classify.settings import classifier_settings
from sessionlab_assets.environment import SettingError
from sessionlab_assets.report.settings import report_settings
from sessionlab_assets.resources import REPO_ROOT, transcript_source, warehouse_resource

BAD = [
    ("SESSIONLAB_SOURCE_DIR", "", transcript_source),
    ("SESSIONLAB_SAMPLE_SESSIONS", "many", transcript_source),
    ("SESSIONLAB_WAREHOUSE", " ", warehouse_resource),
    ("SESSIONLAB_LOCK_TIMEOUT_SECONDS", "-1", warehouse_resource),
    ("SESSIONLAB_DUCKDB_MEMORY_LIMIT", "lots", warehouse_resource),
    ("SESSIONLAB_USER_RULE", "by_email", transcript_source),
    ("SESSIONLAB_USER_RULE", "regex:[unclosed", transcript_source),
    ("SESSIONLAB_PSEUDONYM_KEY", "", transcript_source),
    ("SESSIONLAB_REPORT_DIR", "", report_settings),
    ("SESSIONLAB_EXPORT_DIR", "", report_settings),
    ("SESSIONLAB_EXPORT_WINDOWS", "maybe", report_settings),
    ("SESSIONLAB_MIN_CELL_USERS", "abc", analysis_settings),
    ("SESSIONLAB_MIN_CELL_USERS", "-1", analysis_settings),
    ("SESSIONLAB_ALLOW_EMPTYING_MONTHS", "2", transcript_source),
    ("SESSIONLAB_WORKERS", "0", transcript_source),
    ("SESSIONLAB_CLASSIFIER_BACKEND", "gpt", classifier_settings),
    ("SESSIONLAB_CLASSIFIER_MODELS", "claude-sonnet-4-6,joke=claude-opus-4-7", classifier_settings),
    ("SESSIONLAB_CLASSIFIER_MODEL", "claude-haiku-4-5", classifier_settings),
    ("SESSIONLAB_CLASSIFIER_MODE", "fast", classifier_settings),
    ("SESSIONLAB_CLASSIFIER_CONCURRENCY", "0", classifier_settings),
    ("SESSIONLAB_CLASSIFIER_TEMPERATURE", "3", classifier_settings),
    ("SESSIONLAB_BUDGET_USD", "-5", classifier_settings),
    ("SESSIONLAB_CLASSIFIER_DRY_RUN", "perhaps", classifier_settings),
    ("SESSIONLAB_SESSIONS_PER_ROUND", "0", classifier_settings),
    ("SESSIONLAB_MAX_ERROR_RATE", "2", classifier_settings),
    ("SESSIONLAB_FREELANCE_CSV", "", classifier_settings),
    ("SESSIONLAB_FIRST_MONTH", "2025-6", environment.first_month),
    ("SESSIONLAB_FIRST_MONTH", "2999-01", environment.first_month),
]


@pytest.mark.parametrize("variable, value, read", BAD, ids=[f"{v}={x!r}" for v, x, _ in BAD])
def test_a_bad_value_is_one_line_naming_the_variable(monkeypatch, variable, value, read):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError) as error:
        read()
    message = str(error.value)
    assert variable in message and "\n" not in message


def test_the_readme_table_has_a_check_for_every_variable():
    readme = (REPO_ROOT / "README.md").read_text()
    documented = {line.split("`")[1] for line in readme.splitlines() if line.startswith("| `SESSIONLAB_")}
    checked = {variable for variable, _, _ in BAD} - {"SESSIONLAB_CLASSIFIER_MODEL"}
    # Not a value to check: a path read when a labelled set is used (empty means none).
    unchecked = {"SESSIONLAB_GOLD_LABELS"}
    assert documented - unchecked <= checked, sorted(documented - unchecked - checked)


def test_the_code_location_stops_with_the_line_and_status_2():
    env = {**os.environ, "SESSIONLAB_MIN_CELL_USERS": "abc"}
    done = subprocess.run(
        [sys.executable, "-c", "import sessionlab_assets.definitions"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "sessionlab: SESSIONLAB_MIN_CELL_USERS='abc': expected a whole number of at least 1"
    )


def test_the_first_month_moves_the_partitions_and_a_bad_one_stops_the_code_location():
    """SESSIONLAB_FIRST_MONTH (read when the partitions are defined) lets `make run` take earlier months; a bad
    value stops the code location with one line and status 2, as every setting does."""

    def run(first_month: str, code: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "SESSIONLAB_FIRST_MONTH": first_month}
        return subprocess.run(
            [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    earlier = run(
        "2025-03",
        "from sessionlab_assets import partitions; "
        "print(partitions.monthly_partitions.get_first_partition_key(), partitions.check_range('2025-03...2025-05'))",
    )
    assert earlier.returncode == 0 and earlier.stdout.split() == ["2025-03", "2025-03...2025-05"], earlier.stderr
    bad = run("March", "import sessionlab_assets.definitions")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1] == (
        "sessionlab: SESSIONLAB_FIRST_MONTH='March': expected a month as YYYY-MM, such as 2025-10"
    )


@pytest.mark.parametrize(
    "months, expected",
    [
        ("2026-02", "2026-02...2026-02"),
        ("2025-10...2026-04", "2025-10...2026-04"),
        ("2026-04...2025-10", "the first month is after the last"),
        ("2026-2", "expected YYYY-MM"),
        ("2025-01...2025-12", "the first month with partitions is 2025-10"),
    ],
)
def test_make_run_months_are_checked_before_anything_runs(months, expected):
    from sessionlab_assets.partitions import check_range

    if expected[0].isdigit():
        assert check_range(months) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            check_range(months)


def test_text_and_whole_number_settings_are_env_vars_resolved_when_a_run_starts(monkeypatch):
    import dagster as dg

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-not-shown")
    monkeypatch.setenv("SESSIONLAB_PSEUDONYM_KEY", "team-key")
    monkeypatch.setenv("SESSIONLAB_SESSIONS_PER_ROUND", "500")
    settings, source = classifier_settings(), transcript_source()
    # What the code location holds (and the UI shows) is the variable, not its value.
    assert isinstance(settings.api_key, dg.EnvVar) and settings.api_key.env_var_name == "ANTHROPIC_API_KEY"
    assert isinstance(source.pseudonym_key, dg.EnvVar)
    resolved, resolved_source = settings.process_config_and_initialize(), source.process_config_and_initialize()
    assert resolved.api_key == "sk-not-shown" and resolved.sessions_per_round == 500
    assert resolved_source.pseudonym_key == "team-key" and resolved_source.source_dir.endswith("transcripts")
