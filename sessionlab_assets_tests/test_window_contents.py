"""What the classifier window shows (README, "The classifier window"): golden windows rendered from
real-format transcripts, every element of the definition present, the cuts and their markers, and the
classify step reading stored windows without opening a transcript.

Regenerate the golden files after a deliberate change with SESSIONLAB_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import orjson
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.classify.assets import classify_measures, session_measures
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.classify.window import PER_TURN_CHARS, TOTAL_CHARS
from sessionlab_assets.fixtures.transcripts import ClaudeCodeTranscript
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.ingest.frames import prepare_sessions
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.resources import TranscriptSource

GOLDEN = Path(__file__).parent / "golden"
MONTHS = {"dagster/asset_partition_range_start": "2026-01", "dagster/asset_partition_range_end": "2026-01"}


def _claude_code_session() -> ClaudeCodeTranscript:
    """One session with every kind of element the window definition names."""
    s = ClaudeCodeTranscript("6a1d0c3e-0000-4000-8000-000000000001", datetime(2026, 1, 14, 10, 0, 0))
    s.add(
        {
            "type": "attachment",
            "attachment": {
                "type": "nested_memory",
                "path": "/home/dev/project/docs/CLAUDE.md",
                "displayPath": "docs/CLAUDE.md",
                "content": {
                    "path": "/home/dev/project/docs/CLAUDE.md",
                    "type": "Project",
                    "content": "This repo holds the billing service of a dental clinic group.",
                },
            },
        }
    )
    s.prompt("The invoice totals are off by one cent for some clinics; fix the rounding in billing/totals.py.")
    read = s.tool("Read", {"file_path": "/home/dev/project/billing/totals.py"}, text="Let me look at the totals.")
    s.tool_result(read, "1\tdef total(lines):\n2\t    return round(sum(lines), 2)\n")
    grep = s.tool("Grep", {"pattern": "round\\(", "path": "billing"})
    s.tool_result(grep, "No matches found")
    edit = s.tool(
        "Edit",
        {
            "file_path": "/home/dev/project/billing/totals.py",
            "old_string": "return round(sum(lines), 2)",
            "new_string": "return sum(lines).quantize(CENT, rounding=ROUND_HALF_UP)",
        },
    )
    s.tool_result(edit, "The file /home/dev/project/billing/totals.py has been updated.")
    tests = s.tool("Bash", {"command": "pytest -q tests/test_totals.py"})
    s.tool_result(
        tests, "F.\nFAILED tests/test_totals.py::test_half_cent - assert 10.01 == 10.02\n1 failed, 1 passed", True
    )
    fetch = s.tool("WebFetch", {"url": "https://docs.python.org/3/library/decimal.html", "prompt": "rounding modes"})
    s.tool_result(fetch, "ROUND_HALF_UP rounds away from zero on ties.")
    task = s.tool("Task", {"description": "Check callers", "prompt": "Find every caller of total() in billing/"})
    s.tool_result(task, "Two callers: invoices.py and statements.py.")
    s.add({"type": "system", "subtype": "api_error", "content": "API Error: 529 overloaded; retrying in 4s"})
    tests = s.tool("Bash", {"command": "pytest -q tests/test_totals.py"})
    s.tool_result(tests, "..\n2 passed in 0.03s")
    commit = s.tool("Bash", {"command": "git commit -am 'Round invoice totals half up to the cent'"})
    s.tool_result(commit, "[main 3f2a1bc] Round invoice totals half up to the cent\n 1 file changed")
    s.say("Fixed: totals now round half up to the cent; both tests pass and the change is committed.")
    s.prompt("<bash-input>git log --oneline -1</bash-input>")
    s.prompt("<bash-stdout>3f2a1bc Round invoice totals half up to the cent</bash-stdout><bash-stderr></bash-stderr>")
    s.prompt("Perfect, thanks.")
    s.interrupt()
    s.compact()
    s.prompt("One more: is statements.py affected?")
    s.say("No: statements.py calls total() and inherits the fix.")
    return s


def _window(tmp_path: Path, transcript: ClaudeCodeTranscript):
    transcript.write(tmp_path / "alex" / "projects" / "billing" / f"{transcript.session_id}.jsonl")
    batch = scan_source(tmp_path, keep_text=True, prepare=prepare_sessions)
    [session] = batch.sessions
    return session.prepared.window


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SESSIONLAB_UPDATE_GOLDEN") == "1" or not path.exists():
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"window differs from {path}; SESSIONLAB_UPDATE_GOLDEN=1 rewrites it"


def test_a_claude_code_window_shows_every_element_of_the_definition(tmp_path):
    window = _window(tmp_path, _claude_code_session())
    text = window.text
    expected = [
        "<user>\nThe invoice totals are off by one cent",  # the human prompt
        "Let me look at the totals.",  # the agent's text
        "[memory file loaded for the agent] docs/CLAUDE.md\nThis repo holds the billing service of a dental",
        "[Read]\n/home/[REDACTED:home_user]/project/billing/totals.py\n→ 1\tdef total(lines):",  # path + result
        "[Grep]\npattern round\\( in billing\n→ No matches found",  # a search that found nothing
        "new text: return sum(lines).quantize(CENT, rounding=ROUND_HALF_UP)",  # an edit's excerpt
        "[Bash — test run, tests failed, error]\n$ pytest -q tests/test_totals.py\n→ error: F.\nFAILED",
        "[WebFetch]\nurl https://docs.python.org/3/library/decimal.html",
        "[Task]\ntask: Check callers: Find every caller of total() in billing/",
        "[an API error was shown to the user] API Error: 529 overloaded",
        "[Bash — test run, tests passed]\n$ pytest -q tests/test_totals.py\n→ ..\n2 passed",
        "$ git commit -am 'Round invoice totals half up to the cent'\n→ [main 3f2a1bc]",
        "[the user ran a shell command] $ git log --oneline -1",
        "[output of the user's command]\n3f2a1bc Round invoice totals",
        "<user>\nPerfect, thanks.\n</user>",
        "[the user interrupted the agent]",
        "[the conversation was compacted here",
    ]
    missing = [piece for piece in expected if piece not in text]
    assert missing == []
    assert "<bash-input>" not in text and "<bash-stdout>" not in text  # shown as system lines, not as prompts
    assert window.messages_cut == 0 and not window.window_cut and window.chars_dropped == 0
    assert text.count("<assistant>") == 10  # one message per model response
    _golden("claude_code_window.txt", text)


def test_long_messages_and_long_sessions_are_cut_in_the_middle_with_markers(tmp_path):
    s = ClaudeCodeTranscript("6a1d0c3e-0000-4000-8000-000000000002", datetime(2026, 1, 15, 10, 0, 0))
    s.prompt("START " + "word " * 2_000 + "END")  # 10,010 characters: cut to 5,000
    for i in range(40):
        call = s.tool("Bash", {"command": f"make step-{i}"}, text=f"step {i} " + "x" * 6_000)  # cut to 5,000
        s.tool_result(call, "ok " * 400)  # 1,200 characters: the result excerpt keeps 800
    s.prompt("LAST REQUEST: ship it.")
    window = _window(tmp_path, s)
    assert window.messages_cut >= 1 and window.window_cut
    assert "characters cut from the middle of this turn" in window.text
    assert "characters cut from the middle of this transcript" in window.text
    assert "characters of output cut" in window.text  # the head-and-tail result excerpt
    assert window.text.startswith("<user>\nSTART ")
    assert window.text.rstrip().endswith("LAST REQUEST: ship it.\n</user>")  # the ending survives
    marker_room = 200
    assert window.chars_kept <= TOTAL_CHARS + marker_room
    first_prompt = window.text.split("</user>")[0]
    assert len(first_prompt) <= PER_TURN_CHARS + marker_room


def test_a_codex_window_shows_commands_patches_and_outputs(tmp_path):
    def line(kind: str, payload: dict, ts: str) -> str:
        return orjson.dumps({"timestamp": ts, "type": kind, "payload": payload}).decode()

    lines = [
        line(
            "session_meta",
            {"id": "0199aaaa-0000-7000-8000-000000000001", "originator": "codex_cli_rs"},
            "2026-01-20T10:00:00Z",
        ),
        line("turn_context", {"model": "gpt-5-codex"}, "2026-01-20T10:00:01Z"),
        line(
            "event_msg",
            {"type": "user_message", "message": "Add a --dry-run flag to deploy.sh"},
            "2026-01-20T10:00:02Z",
        ),
        line(
            "response_item",
            {
                "type": "function_call",
                "name": "shell",
                "call_id": "c1",
                "arguments": '{"command":["bash","-lc","cat deploy.sh"]}',
            },
            "2026-01-20T10:00:03Z",
        ),
        line(
            "response_item",
            {
                "type": "function_call_output",
                "call_id": "c1",
                "output": '{"output":"#!/bin/sh\\nrsync -a build/ prod:/srv","metadata":{"exit_code":0}}',
            },
            "2026-01-20T10:00:04Z",
        ),
        line(
            "response_item",
            {
                "type": "custom_tool_call",
                "name": "apply_patch",
                "call_id": "c2",
                "input": '*** Begin Patch\n*** Update File: deploy.sh\n+[ "$1" = --dry-run ] && echo dry\n'
                "*** End Patch",
            },
            "2026-01-20T10:00:05Z",
        ),
        line(
            "response_item",
            {
                "type": "custom_tool_call_output",
                "call_id": "c2",
                "output": "Success. Updated the following files:\nM deploy.sh",
            },
            "2026-01-20T10:00:06Z",
        ),
        line(
            "event_msg",
            {
                "type": "token_count",
                "info": {"total_token_usage": {"total_tokens": 900}, "last_token_usage": {"output_tokens": 40}},
            },
            "2026-01-20T10:00:07Z",
        ),
    ]
    path = tmp_path / "sam" / "sessions" / "2026" / "01" / "20" / "rollout-2026-01-20T10-00-00-0199aaaa.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n")
    [session] = scan_source(tmp_path, keep_text=True, prepare=prepare_sessions).sessions
    text = session.prepared.window.text
    assert "<user>\nAdd a --dry-run flag to deploy.sh\n</user>" in text
    assert "$ bash -lc cat deploy.sh\n→ #!/bin/sh\nrsync -a build/ prod:/srv" in text
    assert "apply_patch\n  *** Begin Patch\n*** Update File: deploy.sh" in text
    assert "→ Success. Updated the following files:" in text
    _golden("codex_window.txt", text)


def _materialise(assets, db: Path, source: Path, **settings):
    return dg.materialize(
        assets,
        tags=MONTHS,
        raise_on_error=False,
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "classifier_settings": ClassifierSettings(backend_name="heuristic"),
            "transcript_source": TranscriptSource(source_dir=str(source)),
            **settings,
        },
    )


def test_classify_reads_the_stored_windows_and_never_opens_a_transcript(tmp_path):
    source = tmp_path / "source"
    _claude_code_session().write(source / "alex" / "projects" / "billing" / "s1.jsonl")
    db = tmp_path / "w.duckdb"
    assert _materialise([ingest_transcripts], db, source).success
    for path in source.rglob("*.jsonl"):
        path.unlink()  # the transcripts are gone: classification must not need them
    result = _materialise([classify_measures, session_measures], db, source)
    assert result.success
    with duckdb.connect(str(db), read_only=True) as conn:
        stored, labelled = conn.sql(
            "SELECT i.window_hash, w.input_hash FROM classifier_inputs i JOIN work_mode w USING (session_id)"
        ).fetchall()[0]
        status = conn.sql("SELECT status FROM work_mode").fetchall()[0][0]
    assert stored == labelled and status == "ok"


@pytest.mark.parametrize("export_windows", [False, True])
def test_the_snapshot_holds_window_text_and_paths_only_when_asked(tmp_path, export_windows):
    from sessionlab_assets.report.settings import ReportSettings
    from sessionlab_assets.report.snapshot import warehouse_snapshot

    source = tmp_path / "source"
    _claude_code_session().write(source / "alex" / "projects" / "billing" / "s1.jsonl")
    db = tmp_path / "w.duckdb"
    assert _materialise([ingest_transcripts], db, source).success
    export = tmp_path / "export"
    settings = ReportSettings(
        report_dir=str(tmp_path / "report"), export_dir=str(export), export_windows=export_windows
    )
    result = dg.materialize(
        [warehouse_snapshot], resources={"warehouse_db": DuckDBResource(database=str(db)), "report_settings": settings}
    )
    assert result.success
    marker = "dental clinic group"  # text of the memory file, in the window only
    with duckdb.connect(str(export / "snapshot.duckdb"), read_only=True) as conn:
        tables = {t for (t,) in conn.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
        columns = conn.sql(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR'"
        ).fetchall()
        holding = [
            f"{s}.{t}.{c}"
            for s, t, c in columns
            if conn.sql(f'SELECT count(*) FROM "{s}"."{t}" WHERE contains("{c}", $m)', params={"m": marker}).fetchall()[
                0
            ][0]
        ]
        parquet = [
            p.name
            for p in export.glob("*.parquet")
            if conn.sql(
                f"SELECT count(*) FROM read_parquet('{p}') t WHERE contains(CAST(columns(*) AS VARCHAR), $m)",
                params={"m": marker},
            ).fetchall()[0][0]
        ]
        # The person's folder ("alex") is in every path under the root: the snapshot shows paths as pseudonyms.
        named = [
            f"{s}.{t}.{c}"
            for s, t, c in columns
            if conn.sql(f'SELECT count(*) FROM "{s}"."{t}" WHERE contains("{c}", \'alex/\')').fetchall()[0][0]
        ]
        paths = {p for (p,) in conn.sql("SELECT source_file FROM main.sessions").fetchall()}
        answers = conn.sql("SELECT count(output_json) FROM main.classifier_calls").fetchall()[0][0]
    assert ("classifier_inputs" in tables) is export_windows
    assert bool(holding) is export_windows
    assert bool(named) is export_windows
    assert all(p.startswith("file-") for p in paths) is not export_windows
    assert answers == 0  # no classifier ran here; the column is there, NULL unless shared
    assert parquet == []  # the Parquet files are the views: no window text in any of them


def test_the_snapshot_hides_mcp_server_names():
    from sessionlab_assets.report.snapshot import PRIVATE_COLUMNS

    with duckdb.connect() as conn:
        shown = conn.sql(
            f"SELECT {PRIVATE_COLUMNS['tool_name']} FROM (VALUES ('mcp__acme-notion__search'), ('Bash')) t(tool_name)"
        ).fetchall()
    assert [s for (s,) in shown] == ["mcp__(server)__search", "Bash"]
