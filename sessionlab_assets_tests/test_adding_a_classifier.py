"""Adding a classifier touches three places: a prompt file, an output model and a registry entry.

A copy of the package gets exactly those three edits; with nothing else changed, a run through the
fake Messages API fills the new measure's table, carries its label into `session_measures`, and holds
it to the declared domain in the `labels_in_domain` check.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sessionlab_assets.resources import REPO_ROOT
from sessionlab_assets.sample import corpus

PROMPT = """Read the transcript and judge how urgent the user's request was: `high` when the user says it
blocks them or others now, `low` otherwise. Give your reasoning first.
"""
OUTPUT_MODEL = """

class Urgency(_Output):
    reasoning: str
    urgency: Literal["low", "high"]
"""
REGISTRY_ENTRY = """        Classifier(
            "urgency",
            outputs.Urgency,
            lambda o: {"urgency": o.urgency},
            (("urgency", "VARCHAR", one_of("urgency", ("low", "high"))),),
            measure="urgency",
        ),
"""
RUN = """
import json, sys
import dagster as dg, duckdb
from dagster_duckdb import DuckDBResource
from sessionlab_assets.classify.assets import classify_measures, session_measures
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.resources import TranscriptSource
from sessionlab_assets_tests import fake_anthropic

source, db = sys.argv[1], sys.argv[2]
fake_anthropic.CANNED["Urgency"] = {"reasoning": "it blocks a release", "urgency": "high"}
with fake_anthropic.FakeAnthropic() as fake:
    result = dg.materialize(
        [ingest_transcripts, classify_measures, session_measures],
        resources={
            "warehouse_db": DuckDBResource(database=db),
            "transcript_source": TranscriptSource(source_dir=source, workers=1),
            "classifier_settings": ClassifierSettings(
                api_key="test-key", base_url=fake.base_url, mode="realtime", max_retries=0
            ),
        },
        tags={"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-04"},
        raise_on_error=False,
    )
checks = {
    e.check_name: e.passed for e in result.get_asset_check_evaluations() if e.asset_key.to_user_string() == "urgency"
}
with duckdb.connect(db, read_only=True) as conn:
    table = conn.sql("SELECT urgency, count(*) FROM urgency GROUP BY ALL").fetchall()
    carried = conn.sql("SELECT count(*) FILTER (WHERE urgency = 'high'), count(*) FROM session_measures").fetchall()
print(json.dumps({"success": result.success, "checks": checks, "table": table, "carried": carried[0]}))
"""


@pytest.fixture(scope="module")
def sample_transcripts(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    corpus.build(root, sessions=30, seed=5, workers=1)
    return root / corpus.TRANSCRIPTS


def _changed_files(original: Path, copy: Path) -> list[str]:
    changed = []

    def walk(comparison: filecmp.dircmp, prefix: str) -> None:
        changed.extend(prefix + name for name in comparison.left_only + comparison.right_only + comparison.diff_files)
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(original, copy, ignore=["__pycache__"]), "")
    return sorted(changed)


def test_a_classifier_added_in_three_places_runs_end_to_end(tmp_path, sample_transcripts):
    package = tmp_path / "project" / "sessionlab_assets"
    shutil.copytree(REPO_ROOT / "sessionlab_assets", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "sessionlab_assets_tests", package.parent / "sessionlab_assets_tests")

    (package / "prompts" / "urgency.md").write_text(PROMPT)
    outputs = package / "classify" / "outputs.py"
    outputs.write_text(outputs.read_text() + OUTPUT_MODEL)
    registry = package / "classify" / "registry.py"
    text = registry.read_text()
    end = "    )\n}\n"  # the end of the CLASSIFIERS entries
    assert text.count(end) == 1
    registry.write_text(text.replace(end, REGISTRY_ENTRY + end))

    assert _changed_files(REPO_ROOT / "sessionlab_assets", package) == [
        "classify/outputs.py",
        "classify/registry.py",
        "prompts/urgency.md",
    ]
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(sample_transcripts), str(tmp_path / "w.duckdb")],
        cwd=package.parent,
        env={**os.environ, "PYTHONPATH": str(package.parent)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    sessions = report["carried"][1]
    assert report["success"] and sessions > 0
    assert report["table"] == [["high", sessions]]
    assert report["carried"] == [sessions, sessions]
    assert report["checks"] == {"labels_in_domain": True, "error_rate": True}
