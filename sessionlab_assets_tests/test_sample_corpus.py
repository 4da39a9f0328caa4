"""The rendered sample corpus: valid transcripts, telemetry equal to the plant, evidence for every label."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.ingest.identity import IdentityRule
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.resources import TranscriptSource
from sessionlab_assets.sample import corpus, phrasebook, world

SESSIONS = 400
ALL_MONTHS = set(world.MONTHS)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("sample") / "sample"
    corpus.build(target, sessions=SESSIONS, seed=11, workers=2)
    return target


@pytest.fixture(scope="module")
def truth(sample) -> pl.DataFrame:
    return corpus.read_ground_truth(sample)


@pytest.fixture(scope="module")
def parsed(sample):
    return scan_source(sample / corpus.TRANSCRIPTS, ALL_MONTHS, IdentityRule(rule="top_folder", key="test"))


@pytest.fixture(scope="module")
def telemetry(parsed, truth) -> pl.DataFrame:
    rows = []
    for s in parsed.sessions:
        main = [e for e in s.events if e.chain == "main"]
        rows.append(
            {
                "session_id": s.session_id,
                "user_key": s.user_key,
                "ingested_month": date(s.first_ts.year, s.first_ts.month, 1),
                "prompts": sum(e.kind == "human_prompt" for e in main),
                "main_tool_calls": sum(e.kind == "tool_call" for e in main),
                "words": sum(e.output_words for e in main if e.kind == "model_call"),
                "lines": sum(e.lines_added for e in s.events if e.kind == "tool_call"),
                "tests_passed": sum(e.test_outcome == "pass" for e in s.events),
                "tests_failed": sum(e.test_outcome == "fail" for e in s.events),
                "commits": sum(e.command_kind == "git_commit" for e in s.events),
                "found_subagents": s.subagents,
                "found_compactions": s.compactions,
                "quarantined": s.quarantined_lines,
            }
        )
    return pl.DataFrame(rows).join(truth, on="session_id", how="full", coalesce=True)


def _records(sample: Path, relative: str) -> list[dict]:
    return [json.loads(line) for line in (sample / corpus.TRANSCRIPTS / relative).read_text().splitlines()]


def _prompts(records: list[dict]) -> list[str]:
    """Human prompts by an independent reading: user lines with string content, not meta, not a command."""
    return [
        r["message"]["content"]
        for r in records
        if r.get("type") == "user"
        and isinstance(r["message"]["content"], str)
        and not r.get("isMeta")
        and not r.get("isCompactSummary")
        and not r["message"]["content"].startswith("<command-name>")
    ]


def _tool_outputs(records: list[dict]) -> list[str]:
    return [
        b["content"]
        for r in records
        if r.get("type") == "user" and isinstance(r["message"]["content"], list)
        for b in r["message"]["content"]
        if b.get("type") == "tool_result"
    ]


def test_manifest_and_ground_truth(sample, truth):
    manifest = json.loads((sample / corpus.MANIFEST).read_text())
    assert manifest["sessions"] == SESSIONS == truth.height
    assert truth["session_id"].n_unique() == SESSIONS
    assert manifest["months"] == [m.isoformat()[:7] for m in world.MONTHS]
    # The ground truth sits beside the transcripts, never under the folder the pipeline reads.
    assert not list((sample / corpus.TRANSCRIPTS).rglob("*.parquet"))


def test_ingests_with_nothing_quarantined(parsed, telemetry):
    assert parsed.quarantine == []
    assert len(parsed.sessions) == SESSIONS
    assert telemetry["quarantined"].sum() == 0
    assert (
        telemetry.filter(pl.col("prompts").is_null() | pl.col("work_mode").is_null()).height == 0
    )  # every file is a planted session


def test_telemetry_matches_the_plant(telemetry):
    assert (telemetry["ingested_month"] == telemetry["month"]).all()
    assert (telemetry["prompts"] == telemetry["human_turns"]).all()
    assert (telemetry["main_tool_calls"] == telemetry["tool_calls"]).all()
    assert ((telemetry["lines"] > 0) == telemetry["wrote_code"]).all()
    ratio = telemetry["words"] / telemetry["output_words"]
    assert ratio.min() > 0.95 and ratio.max() < 1.25
    assert telemetry["words"].sum() / telemetry["output_words"].sum() == pytest.approx(1.0, abs=0.02)
    assert (telemetry["found_subagents"] == telemetry["subagents"]).all()
    # Users are the top folders: one pseudonym per planted user.
    assert telemetry.group_by("user_index").agg(pl.col("user_key").n_unique())["user_key"].max() == 1


def test_structure_is_like_claude_code(sample, truth):
    split_messages = tool_pairs = 0
    for relative in truth["path"]:
        records = _records(sample, relative)
        seen: set[str] = set()
        for r in records:
            if "uuid" in r:
                assert r["parentUuid"] is None or r["parentUuid"] in seen
                seen.add(r["uuid"])
        uses = [
            b["id"]
            for r in records
            if r.get("type") == "assistant"
            for b in r["message"]["content"]
            if b["type"] == "tool_use"
        ]
        results = [
            b["tool_use_id"]
            for r in records
            if r.get("type") == "user" and isinstance(r["message"]["content"], list)
            for b in r["message"]["content"]
            if b.get("type") == "tool_result"
        ]
        assert sorted(uses) == sorted(results)
        tool_pairs += len(uses)
        ids = Counter(r["message"]["id"] for r in records if r.get("type") == "assistant")
        split_messages += sum(1 for n in ids.values() if n > 1)
        assert all(r.get("version") and r.get("cwd") and r.get("gitBranch") for r in records if "uuid" in r)
    assert split_messages > 0 and tool_pairs > 0
    assert (truth["subagents"] > 0).sum() > 0
    assert (truth["compactions"] > 0).sum() > 0
    assert truth["primary_model"].n_unique() >= 4


def test_verified_successes_carry_hard_evidence(sample, truth, telemetry):
    hard_texts = (
        tuple(phrasebook.AFFIRMATIONS)
        + tuple(p for t in phrasebook.TRANSLATIONS.values() for p in t["affirm"])
        + ("I opened the output", "Checked the generated file")
    )
    verified = telemetry.filter((pl.col("outcome") == "succeeded") & (pl.col("success_signal") >= 4))
    assert verified.height > 20
    for row in verified.iter_rows(named=True):
        records = _records(sample, row["path"])
        prompts, outputs = _prompts(records), _tool_outputs(records)
        evidence = (
            row["tests_passed"] > 0
            or row["commits"] > 0
            or any("totals match" in o for o in outputs)
            or any(h in p for p in prompts[-1:] for h in hard_texts)
        )
        assert evidence, row["session_id"]


def test_strong_failures_carry_hard_evidence(sample, telemetry):
    complaint_texts = (
        tuple(phrasebook.COMPLAINTS)
        + tuple(phrasebook.FRUSTRATION)
        + ("revert that", "rejecting this")
        + tuple(p for t in phrasebook.TRANSLATIONS.values() for p in t["complain"])
    )
    strong = telemetry.filter(pl.col("failure_signal") >= 4)
    assert strong.height > 20
    for row in strong.iter_rows(named=True):
        records = _records(sample, row["path"])
        results = [
            b
            for r in records
            if r.get("type") == "user" and isinstance(r["message"]["content"], list)
            for b in r["message"]["content"]
            if b.get("type") == "tool_result"
        ]
        last_output_failed = bool(results) and results[-1]["is_error"]
        complained = any(c.lower() in p.lower() for p in _prompts(records)[-1:] for c in complaint_texts)
        assert last_output_failed or complained, row["session_id"]


def test_abandoned_sessions_end_with_giving_up(sample, telemetry):
    give_up = tuple(phrasebook.GIVE_UP) + tuple(p for t in phrasebook.TRANSLATIONS.values() for p in t["give_up"])
    abandoned = telemetry.filter(
        (pl.col("outcome") == "failed")
        & (pl.col("failure_signal") >= 3)
        & ~pl.col("wrote_code")
        & (pl.col("human_turns") >= 2)
        & pl.col("expertise_signalled")
    )
    for row in abandoned.iter_rows(named=True):
        assert _prompts(_records(sample, row["path"]))[-1].endswith(give_up)
        assert row["lines"] == 0


def test_occupation_clues_only_when_signalled(sample, truth):
    generic = set(phrasebook.GENERIC.projects)
    for row in truth.iter_rows(named=True):
        records = _records(sample, row["path"])
        project = next(r["cwd"] for r in records if "cwd" in r).rsplit("/", 1)[-1]
        reads_context = any(
            b.get("name") == "Read" and b["input"]["file_path"].endswith("CLAUDE.md")
            for r in records
            if r.get("type") == "assistant"
            for b in r["message"]["content"]
            if b["type"] == "tool_use"
        )
        if row["occupation_signalled"]:
            assert project in phrasebook.DOMAINS[row["occupation_user"]].projects
        else:
            assert project in generic and not reads_context


def test_prompts_carry_expertise(sample, truth):
    constraint_counts: dict[int, list[int]] = {1: [], 5: []}
    for row in truth.filter(pl.col("outcome") != "no_clear_goal").iter_rows(named=True):
        prompts = _prompts(_records(sample, row["path"]))
        if not row["expertise_signalled"]:
            assert all(p in phrasebook.UNCLEAR_PROMPTS for p in prompts[:-1] or prompts)
            continue
        if row["expertise"] in constraint_counts:
            constraint_counts[row["expertise"]].append(sum(c in prompts[0] for c in phrasebook.CONSTRAINTS))
    assert max(constraint_counts[1], default=0) == 0
    assert min(constraint_counts[5]) >= 2


def test_wording_varies_within_each_label(sample, truth):
    first_prompts = truth.with_columns(
        first=pl.col("path").map_elements(lambda p: _prompts(_records(sample, p))[0], return_dtype=pl.Utf8)
    )
    for (mode,), group in first_prompts.filter(pl.col("expertise_signalled")).group_by(["work_mode"]):
        if group.height >= 10:
            assert group["first"].n_unique() >= 0.8 * group.height, mode
    non_english = [
        p for p in first_prompts["first"] for t in phrasebook.TRANSLATIONS.values() for o in t["opener"] if o in p
    ]
    assert non_english


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.jsonl")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_deterministic_whatever_the_worker_count(tmp_path):
    corpus.build(tmp_path / "one", sessions=60, seed=5, workers=1)
    corpus.build(tmp_path / "two", sessions=60, seed=5, workers=2)
    assert _digest(tmp_path / "one" / corpus.TRANSCRIPTS) == _digest(tmp_path / "two" / corpus.TRANSCRIPTS)
    assert corpus.read_ground_truth(tmp_path / "one").equals(corpus.read_ground_truth(tmp_path / "two"))


def test_lean_mode_is_small_and_still_valid(tmp_path, sample):
    manifest = corpus.build(tmp_path / "lean", sessions=SESSIONS, seed=11, lean=True, workers=1)
    full = json.loads((sample / corpus.MANIFEST).read_text())
    assert manifest["bytes"] < full["bytes"] / 4
    batch = scan_source(tmp_path / "lean" / corpus.TRANSCRIPTS, ALL_MONTHS, IdentityRule(rule="top_folder", key="t"))
    assert batch.quarantine == [] and len(batch.sessions) == SESSIONS


def test_ingest_asset_reads_the_sample(tmp_path, sample):
    db = tmp_path / "w.duckdb"
    result = dg.materialize(
        [ingest_transcripts],
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "transcript_source": TranscriptSource(source_dir=str(sample / corpus.TRANSCRIPTS)),
        },
        tags={"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-04"},
    )
    assert result.success
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == SESSIONS
        assert conn.execute("SELECT count(*) FROM ingest_errors").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM sessions WHERE headless").fetchone()[0] == 0


def test_missing_source_folder_is_a_clear_failure(tmp_path):
    result = dg.materialize(
        [ingest_transcripts],
        raise_on_error=False,
        resources={
            "warehouse_db": DuckDBResource(database=str(tmp_path / "w.duckdb")),
            "transcript_source": TranscriptSource(source_dir=str(tmp_path / "nowhere")),
        },
        tags={"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2025-10"},
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "SESSIONLAB_SOURCE_DIR" in str(failure.event_specific_data.error)
