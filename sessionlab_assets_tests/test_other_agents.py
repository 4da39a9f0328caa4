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


def _cursor_line(role: str, *blocks: dict) -> str:
    return json.dumps({"role": role, "message": {"content": list(blocks)}})


def _text(text: str) -> dict:
    return {"type": "text", "text": text}


CURSOR_WITH_TOOLS = [
    _cursor_line(
        "user",
        _text(
            "<timestamp>Friday, Jul 31, 2026, 11:10 PM (UTC-5)</timestamp>\n<user_query>\nfix the parser\n</user_query>"
        ),
    ),
    _cursor_line(
        "assistant",
        _text("Looking."),
        {"type": "tool_use", "id": "t1", "name": "Read", "input": {"path": "/repo/parser.py"}},
        {
            "type": "tool_use",
            "id": "t2",
            "name": "StrReplace",
            "input": {"path": "/repo/parser.py", "old_string": "a", "new_string": "b\nc"},
        },
        {
            "type": "tool_use",
            "id": "t3",
            "name": "Write",
            "input": {"path": "/repo/notes.md", "contents": "one\ntwo\nthree"},
        },
        {
            "type": "tool_use",
            "id": "t4",
            "name": "ApplyPatch",
            "input": "*** Begin Patch\n*** Add File: /repo/new.py\n+x = 1\n+y = 2\n*** End Patch",
        },
        {
            "type": "tool_use",
            "id": "t5",
            "name": "Shell",
            "input": {"command": "pytest -q", "working_directory": "/repo"},
        },
    ),
    _cursor_line("user", {"type": "tool_result", "tool_use_id": "t5", "content": "1 failed", "is_error": True}),
    json.dumps({"type": "turn_ended", "status": "success"}),
    _cursor_line(
        "user", _text("<timestamp>Saturday, Aug 1, 2026, 12:20 AM (UTC-5)</timestamp>\n<user_query>thanks</user_query>")
    ),
]


def test_cursor_tools_count_their_lines_and_prompts_their_time(tmp_path):
    """Cursor's own tool names (as its agent transcripts write them) are edits, patches and commands like
    every other agent's; its newer prompts carry their local time, which dates the session in UTC."""
    from datetime import datetime

    from sessionlab_assets.ingest.commands import TEST_RUN
    from sessionlab_assets.ingest.formats import CURSOR, sniff

    path = tmp_path / "ana" / "agent-transcripts" / "c1" / "c1.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(CURSOR_WITH_TOOLS) + "\n")
    assert sniff(path.read_bytes()).format == CURSOR
    [session] = scan_source(tmp_path, keep_text=True).sessions
    calls = {e.tool_name: e for e in session.events if e.kind == TOOL_CALL}
    assert (calls["StrReplace"].lines_added, calls["StrReplace"].lines_removed) == (2, 1)
    assert (calls["Write"].lines_added, calls["ApplyPatch"].lines_added) == (3, 2)
    assert calls["Shell"].command_kind == TEST_RUN and calls["Shell"].is_error
    assert calls["Shell"].result_text == "1 failed" and calls["Read"].result_text == ""
    assert calls["ApplyPatch"].text.startswith("*** Begin Patch\n*** Add File: /repo/new.py")
    prompts = [e.text for e in session.events if e.kind == HUMAN_PROMPT]
    assert prompts == ["fix the parser", "thanks"]
    assert (session.first_ts, session.last_ts) == (datetime(2026, 8, 1, 4, 10), datetime(2026, 8, 1, 5, 20))
    assert session.timestamps_from == "events"


@pytest.mark.parametrize(
    ("stamp", "utc"),
    [
        ("Friday, Jul 31, 2026, 11:10 PM (UTC-5)", (2026, 8, 1, 4, 10)),
        ("Monday, Mar 2, 2026, 9:05 AM (UTC+5:30)", (2026, 3, 2, 3, 35)),
        ("Monday, Mar 2, 2026, 9:05 AM (UTC-0:30)", (2026, 3, 2, 9, 35)),
        ("Monday, Mar 2, 2026, 9:05 AM (UTC)", (2026, 3, 2, 9, 5)),
    ],
)
def test_a_cursor_prompt_time_is_read_in_utc(stamp, utc):
    from datetime import datetime

    from sessionlab_assets.ingest.cursor import prompt_time

    assert prompt_time(f"<timestamp>{stamp}</timestamp>\n<user_query>go</user_query>") == datetime(*utc)
    assert prompt_time("<user_query>go</user_query>") is None
