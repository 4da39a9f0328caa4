"""The real transcripts in ../shared/corpus/real: every file accounted for, and counts that match values
checked by hand (an independent plain-`json` count of the same files, following the README's rules)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import datetime

import polars as pl
import pytest

from sessionlab_assets.ingest.source import is_headless, scan_source

# session id prefix -> (human_turns, model_calls, tool_calls, tool_errors, interruptions, first_ts, quirk)
HAND_CHECKED = {
    "56ad2747": (3, 12, 9, 0, 0, datetime(2026, 4, 14, 7, 35, 3, 425000)),  # truncated last line
    "258c7280": (2, 152, 186, 7, 1, datetime(2026, 2, 11, 20, 31, 53, 375000)),  # compaction + compactor file
    "baa11e58": (0, 32, 31, 4, 0, datetime(2026, 1, 28, 20, 21, 14, 767000)),  # non-Anthropic model, slash-command only
    "302863af": (7, 77, 120, 16, 1, datetime(2026, 3, 6, 15, 44, 10, 651000)),  # <synthetic> subagent
    "ad45af5b": (3, 17, 16, 0, 0, datetime(2026, 3, 20, 0, 19, 44, 574000)),  # base64 images
    "155715ec": (3, 8, 5, 0, 0, datetime(2025, 12, 17, 1, 50, 28, 491000)),  # old-style agent-*.jsonl beside it
    "86cc3044": (4, 58, 55, 2, 0, datetime(2026, 1, 19, 15, 22, 54, 369000)),  # two JSON objects on one line
    "4d980a9b": (17, 64, 53, 2, 2, datetime(2026, 3, 30, 23, 56, 33, 317000)),  # compaction, two subagents
}


def _event_counts(session):
    main = Counter(e.kind for e in session.events if e.chain == "main")
    errors = sum(1 for e in session.events if e.chain == "main" and e.kind == "tool_call" and e.is_error)
    return (main["human_prompt"], main["model_call"], main["tool_call"], errors, main["interruption"], session.first_ts)


@pytest.fixture(scope="module")
def batch(real_corpus):
    return scan_source(real_corpus)


@pytest.fixture(scope="module")
def manifest(real_corpus):
    with open(real_corpus / "MANIFEST.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_main_file_is_one_session_and_subagents_attach(batch, manifest):
    main_files = {s.source_file for s in batch.sessions}
    subagent_files = {f for s in batch.sessions for f in s.subagent_files}
    assert len(main_files) == len(batch.sessions) == len({s.session_id for s in batch.sessions})
    quarantined = {q.source_file: q.reason for q in batch.quarantine if q.line_no is None}
    for row in manifest:
        path = row["local_path"]
        if row["format"] == "claude-code-jsonl":
            if "role=subagent" in row["notes"]:
                assert path in subagent_files, path
            elif path in quarantined:
                # The one main file with nothing but summary lines has no conversation to count.
                assert "only metadata lines" in quarantined[path], path
            else:
                assert path in main_files, path
        elif row["format"] == "codex-jsonl" or path.endswith("full.jsonl"):
            assert path in main_files, path  # Codex, Gemini CLI, Copilot CLI, OpenCode and Cursor transcripts
        else:
            assert path in quarantined, path  # non-transcripts: a reason each
    other_transcripts = sum(1 for r in manifest if r["format"] == "other" and r["local_path"].endswith("full.jsonl"))
    assert other_transcripts == 6  # 1 Gemini CLI, 3 Copilot CLI, 1 OpenCode, 1 Cursor
    expected = sum(1 for r in manifest if r["format"] == "other") - other_transcripts + 2
    assert len(quarantined) == expected  # + MANIFEST.tsv + summary-only file


def test_every_quarantine_row_has_a_reason(batch):
    assert batch.quarantine
    assert all(q.reason and len(q.reason) > 10 for q in batch.quarantine)
    line_rows = [q for q in batch.quarantine if q.line_no is not None]
    assert all(q.month is not None for q in line_rows)


@pytest.mark.parametrize("prefix", sorted(HAND_CHECKED))
def test_counts_match_hand_checked_values(batch, prefix):
    (session,) = [s for s in batch.sessions if s.session_id.startswith(prefix)]
    assert _event_counts(session) == HAND_CHECKED[prefix]


def test_session_level_quirks(batch):
    by_prefix = {s.session_id[:8]: s for s in batch.sessions}
    assert by_prefix["56ad2747"].quarantined_lines == 1
    assert by_prefix["258c7280"].compactions == 1 and by_prefix["258c7280"].subagents == 1
    assert by_prefix["155715ec"].subagents == 1  # old-style agent file at the project root
    assert by_prefix["86cc3044"].concatenated_lines >= 1
    assert is_headless(by_prefix["baa11e58"])
    assert {e.model for e in by_prefix["baa11e58"].events if e.kind == "model_call"} == {"glm-4.7"}
    assert sum(e.kind == "synthetic" for e in by_prefix["302863af"].events) >= 1


def test_codex_sessions_hand_checked(batch):
    (session,) = [s for s in batch.sessions if s.source_file.startswith("EntityProcess__agentv/4f/7325a9ab13")]
    kinds = Counter(e.kind for e in session.events)
    errors = sum(1 for e in session.events if e.kind == "tool_call" and e.is_error)
    assert (kinds["human_prompt"], kinds["model_call"], kinds["tool_call"], errors) == (10, 35, 70, 0)


def test_the_whole_pipeline_runs_on_the_real_corpus(real_corpus, tmp_path):
    """Ingest, the heuristic classifiers, session_measures and every analysis, over every month the real
    transcripts span: each step succeeds and every ingested session reaches session_measures.
    (Counts only: the transcripts' contents stay out of test output.)"""
    import dagster as dg
    import duckdb
    from dagster_duckdb import DuckDBResource

    from sessionlab_assets.analyses.assets import ASSETS, AnalysisSettings
    from sessionlab_assets.classify.assets import classify_measures, session_measures
    from sessionlab_assets.classify.settings import ClassifierSettings
    from sessionlab_assets.ingest.assets import ingest_transcripts
    from sessionlab_assets.resources import TranscriptSource

    db = DuckDBResource(database=str(tmp_path / "w.duckdb"))
    months = {"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-10"}
    monthly = dg.materialize(
        [ingest_transcripts, classify_measures, session_measures],
        tags=months,
        raise_on_error=False,
        resources={
            "warehouse_db": db,
            "transcript_source": TranscriptSource(source_dir=str(real_corpus)),
            "classifier_settings": ClassifierSettings(backend_name="heuristic"),
        },
    )
    assert monthly.success
    analyses = dg.materialize(
        ASSETS, resources={"warehouse_db": db, "analysis_settings": AnalysisSettings(min_users=1)}, raise_on_error=False
    )
    assert analyses.success
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
        sessions, measured = conn.sql(
            "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM session_measures)"
        ).fetchall()[0]
        assert sessions >= 100 and measured == sessions
        used = conn.sql(
            "SELECT remaining FROM analysis_samples WHERE analysis = 'composition_trends' ORDER BY step DESC LIMIT 1"
        ).fetchall()[0][0]
        headless = conn.sql("SELECT count(*) FROM sessions WHERE headless").fetchall()[0][0]
        assert used == sessions - headless


def test_the_real_labelled_set_keyed_by_source_file_is_a_gold_file(tmp_path, real_corpus):
    """`../shared/gold/real_dev_labels.jsonl` names sessions by file, writes "unclear" and short codebase
    names: the gold-label check reads it as it is."""
    import dagster as dg
    import duckdb
    from dagster_duckdb import DuckDBResource

    from sessionlab_assets.analyses.assets import AnalysisSettings, classifier_validation
    from sessionlab_assets.classify.assets import classify_measures, session_measures
    from sessionlab_assets.classify.settings import ClassifierSettings
    from sessionlab_assets.ingest.assets import ingest_transcripts
    from sessionlab_assets.resources import TranscriptSource

    gold = real_corpus.parent.parent / "gold" / "real_dev_labels.jsonl"
    db = tmp_path / "w.duckdb"
    resources = {
        "warehouse_db": DuckDBResource(database=str(db)),
        "transcript_source": TranscriptSource(source_dir=str(real_corpus)),
        "classifier_settings": ClassifierSettings(backend_name="heuristic"),
        "analysis_settings": AnalysisSettings(gold_labels=str(gold), min_users=1),
    }
    months = {"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-12"}
    assert dg.materialize([ingest_transcripts, classify_measures, session_measures], resources=resources, tags=months)
    assert dg.materialize([classifier_validation], resources=resources).success
    with duckdb.connect(str(db)) as conn:
        rows = dict(conn.sql("SELECT label, gold_sessions FROM analysis_gold_agreement").fetchall())
    labelled = sum(1 for _ in gold.open())
    assert rows["work_mode"] == labelled and rows["outcome"] == labelled
    assert rows["codebase_relationship"] == labelled  # short names mapped to ours
    assert 0 < rows["expertise"] < labelled  # "unclear" is an abstention, not compared
    # The report writes each figure with its interval, as it writes intervals elsewhere.
    from sessionlab_assets.report import html

    with duckdb.connect(str(db), read_only=True) as conn:
        [(frame, _, _)] = [check for title, check in html.read_checks(conn).items() if "labelled set" in title]
    work_mode = frame.filter(pl.col("label") == "work_mode").row(0, named=True)
    assert re.fullmatch(r"0\.\d\d \[0\.\d\d, 0\.\d\d\]", work_mode["exact [95% CI]"]), work_mode


def test_the_recorded_agreement_of_the_rules_is_what_they_measure_now(tmp_path, real_corpus):
    """Reports of heuristic labels show `rules_agreement.json`: measured again, the figures are the same."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from sessionlab_assets.classify import rules_agreement

    gold = real_corpus.parent.parent / "gold" / "real_dev_labels.jsonl"
    out = tmp_path / "measured.json"
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "benchmarks/heuristic_agreement.py", "--sessions", "0", "--gold", str(gold)]
        + ["--real-corpus", str(real_corpus), "--record", str(out)],
        cwd=root,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert json.loads(out.read_text()) == rules_agreement.recorded(), f"re-record: {rules_agreement.MEASURED_WITH}"
