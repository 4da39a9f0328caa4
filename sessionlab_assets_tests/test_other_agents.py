"""Gemini CLI, GitHub Copilot CLI, OpenCode and Cursor transcripts become sessions, with the counts an
independent plain-`json` reading of each real file gives (README, "Counting rules")."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sessionlab_assets.ingest.model import HUMAN_PROMPT, MODEL_CALL, TOOL_CALL
from sessionlab_assets.ingest.source import scan_source


def _gemini(path: Path) -> Counter:
    document = json.loads(path.read_text())
    counts = Counter()
    for message in document["messages"]:
        if message["type"] == "user":
            counts["human_turns"] += 1
        elif message["type"] == "gemini":
            counts["model_calls"] += 1
            counts["output_tokens"] += message.get("tokens", {}).get("output", 0)
            for call in message.get("toolCalls", []):
                counts["tool_calls"] += 1
                counts["tool_errors"] += call["status"] != "success"
    return counts


def _copilot(path: Path) -> Counter:
    counts = Counter()
    for line in path.read_text().splitlines():
        record = json.loads(line)
        kind, data = record["type"], record.get("data", {})
        counts["human_turns"] += kind == "user.message"
        if kind == "assistant.message":
            counts["model_calls"] += 1
            counts["output_tokens"] += data.get("outputTokens", 0)
        counts["tool_calls"] += kind == "tool.execution_start"
        counts["tool_errors"] += kind == "tool.execution_complete" and data.get("success") is False
    return counts


def _opencode(path: Path) -> Counter:
    document = json.loads(path.read_text())
    counts = Counter()
    for message in document["messages"]:
        parts = message["parts"]
        if message["info"]["role"] == "user":
            counts["human_turns"] += any(p["type"] == "text" for p in parts)
            continue
        for part in parts:
            if part["type"] == "step-finish":
                counts["model_calls"] += 1
                counts["output_tokens"] += part["tokens"]["output"]
            if part["type"] == "tool":
                counts["tool_calls"] += 1
                state = part["state"]
                counts["tool_errors"] += state["status"] == "error" or state.get("metadata", {}).get("exit", 0) != 0
    return counts


def _cursor(path: Path) -> Counter:
    counts = Counter()
    for line in path.read_text().splitlines():
        record = json.loads(line)
        blocks = record["message"]["content"]
        if record["role"] == "user":
            counts["human_turns"] += any(b["type"] == "text" and b["text"].strip() for b in blocks)
        else:
            counts["model_calls"] += 1
            counts["tool_calls"] += sum(b["type"] == "tool_use" for b in blocks)
    return counts


# client -> (files of that agent in the real corpus, the independent reader)
READERS = {"gemini": (1, _gemini), "copilot": (3, _copilot), "opencode": (1, _opencode)}


def _parsed(real_corpus: Path) -> dict:
    return {s.source_file: s for s in scan_source(real_corpus).sessions}


@pytest.fixture(scope="module")
def parsed(real_corpus):
    return _parsed(real_corpus)


def _counts(session) -> Counter:
    kinds = Counter(e.kind for e in session.events)
    return Counter(
        human_turns=kinds[HUMAN_PROMPT],
        model_calls=kinds[MODEL_CALL],
        tool_calls=kinds[TOOL_CALL],
        tool_errors=sum(bool(e.is_error) for e in session.events if e.kind == TOOL_CALL),
        output_tokens=sum(e.output_tokens or 0 for e in session.events if e.kind == MODEL_CALL),
    )


def _same(ours: Counter, theirs: Counter) -> bool:
    keys = set(ours) | set(theirs)
    return all(ours.get(k, 0) == theirs.get(k, 0) for k in keys)


@pytest.mark.parametrize("client", sorted(READERS))
def test_every_real_file_of_the_format_is_a_session_with_independently_checked_counts(real_corpus, parsed, client):
    files, reader = READERS[client]
    sessions = [s for s in parsed.values() if s.client == client]
    assert len(sessions) == files
    for session in sessions:
        relative = session.source_file
        assert session.first_ts is not None
        expected = reader(real_corpus / relative)
        assert _same(_counts(session), expected), (relative, _counts(session), expected)


def test_the_cursor_transcript_is_a_session_dated_by_its_file(real_corpus, parsed):
    [session] = [s for s in parsed.values() if s.client == "cursor"]
    expected = _cursor(real_corpus / session.source_file)
    counts = _counts(session)
    for key in ("human_turns", "model_calls", "tool_calls"):
        assert counts[key] == expected[key], key
    assert session.timestamps_from == "file modification time"
    assert session.first_ts is not None


def test_what_cursor_cannot_tell_is_null_in_sessions(tmp_path, real_corpus):
    import shutil
    from datetime import datetime

    import dagster as dg
    import duckdb
    from dagster_duckdb import DuckDBResource

    from sessionlab_assets.ingest.assets import ingest_transcripts
    from sessionlab_assets.resources import TranscriptSource

    cursor_file = next(s.source_file for s in _parsed(real_corpus).values() if s.client == "cursor")
    source = tmp_path / "source" / "ana"
    source.mkdir(parents=True)
    shutil.copy(real_corpus / cursor_file, source / "chat.jsonl")
    month = datetime.fromtimestamp((source / "chat.jsonl").stat().st_mtime).strftime("%Y-%m")
    db = tmp_path / "w.duckdb"
    assert dg.materialize(
        [ingest_transcripts],
        tags={"dagster/asset_partition_range_start": month, "dagster/asset_partition_range_end": month},
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "transcript_source": TranscriptSource(source_dir=str(tmp_path / "source")),
        },
    ).success
    with duckdb.connect(str(db)) as conn:
        row = conn.sql(
            "SELECT client, source_format, timestamps_from, tool_errors, output_tokens, duration_seconds, human_turns "
            "FROM sessions"
        ).fetchall()
    assert row == [("cursor", "cursor_jsonl", "file modification time", None, None, None, 4)]
