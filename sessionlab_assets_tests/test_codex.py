from datetime import datetime

from sessionlab_assets.fixtures.transcripts import CodexRollout
from sessionlab_assets.ingest.source import scan_source


def test_codex_rollout_counts(tmp_path):
    r = CodexRollout("019a-codex", datetime(2026, 2, 1, 8, 0))
    r.prompt("Make the tests pass.")
    r.exec("pytest -q", "2 failed, 5 passed", exit_code=1)
    r.apply_patch("*** Begin Patch\n*** Update File: a.py\n@@\n-old\n+new\n+more\n*** End Patch\n")
    r.apply_patch("*** Begin Patch\n*** Update File: b.py\n@@\n-x\n+y\n*** End Patch\n", success=False)
    r.model_response("Patched a.py.", output_tokens=70)
    r.lines.append(r.lines[-1])  # a repeated token_count without new usage is not another model call
    r.exec("git commit -am fix", "[main 1] fix")
    r.model_response("Committed.", output_tokens=10)
    r.prompt("Thanks.")
    r.write(tmp_path / "u1" / "sessions" / "rollout.jsonl")
    (session,) = scan_source(tmp_path).sessions
    calls = [e for e in session.events if e.kind == "tool_call"]
    assert session.client == "codex" and session.entrypoint == "codex_cli_rs"
    assert sum(e.kind == "human_prompt" for e in session.events) == 2
    assert sum(e.kind == "model_call" for e in session.events) == 2
    assert len(calls) == 4 and sum(bool(c.is_error) for c in calls) == 2
    assert (sum(c.lines_added for c in calls), sum(c.lines_removed for c in calls)) == (2, 1)
    assert [c.test_outcome for c in calls if c.command_kind == "test_run"] == ["fail"]
    assert [c.command_kind for c in calls if c.command_kind == "git_commit"] == ["git_commit"]
    model_calls = [e for e in session.events if e.kind == "model_call"]
    assert all(e.model == "gpt-5.4" for e in model_calls)
    assert [(e.output_tokens, e.output_words) for e in model_calls] == [(70, 2), (10, 1)]


def test_newer_rollout_events_exit_codes_errors_and_utc_months(tmp_path):
    """`exec_command_end` carries the exit code, `error` is an API error, and a session that starts just
    after midnight UTC on the first of a month belongs to that month whatever its file name says."""
    from sessionlab_assets.ingest.model import API_ERROR, TOOL_CALL
    from sessionlab_assets.ingest.source import month_of

    r = CodexRollout("0199bbbb-0000-7000-8000-000000000001", datetime(2026, 2, 1, 0, 10))
    r.prompt("run the tests")
    call = {"type": "function_call", "name": "exec_command", "call_id": "c1", "arguments": '{"cmd": "pytest -q"}'}
    r.add("response_item", call)  # no output item: the exit code comes with the event below
    r.add("event_msg", {"type": "exec_command_end", "call_id": "c1", "exit_code": 1, "aggregated_output": "1 failed"})
    r.add("event_msg", {"type": "error", "message": "stream disconnected"})
    # Written on a machine whose local time was still January 31st.
    r.write(tmp_path / "me" / ".codex" / "sessions" / "2026" / "01" / "31" / "rollout-2026-01-31T19-10-00-x.jsonl")
    [session] = scan_source(tmp_path).sessions
    [event] = [e for e in session.events if e.kind == TOOL_CALL]
    assert event.is_error and event.test_outcome == "fail"
    assert [e.kind for e in session.events].count(API_ERROR) == 1
    assert str(month_of(session)) == "2026-02-01"
