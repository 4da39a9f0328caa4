"""Each offline rule on small sessions written in Claude Code's own format: parsed, rendered into the
stored window as the ingest does, then read back as structure by the rules."""

from __future__ import annotations

import ast
import importlib
import itertools
import json
from datetime import datetime
from pathlib import Path

import pytest

from sessionlab_assets.classify import heuristic as rules
from sessionlab_assets.classify import rules_agreement
from sessionlab_assets.classify.registry import CLASSIFIERS
from sessionlab_assets.fixtures.transcripts import ClaudeCodeTranscript, CodexRollout
from sessionlab_assets.ingest.frames import prepare_sessions
from sessionlab_assets.ingest.source import scan_source

_ids = itertools.count(1)


def _transcript() -> ClaudeCodeTranscript:
    return ClaudeCodeTranscript(f"6a1d0c3e-0000-4000-8000-{next(_ids):012d}", datetime(2026, 2, 3, 9, 0, 0))


def _run(t: ClaudeCodeTranscript, name: str, command: str, output: str, is_error: bool = False) -> None:
    t.tool_result(t.tool(name, {"command": command}), output, is_error=is_error)


def _edit(t: ClaudeCodeTranscript, path: str, old: str = "a = 1", new: str = "a = 2") -> None:
    call = t.tool("Edit", {"file_path": path, "old_string": old, "new_string": new})
    t.tool_result(call, f"The file {path} has been updated.")


def _read(t: ClaudeCodeTranscript, path: str) -> None:
    t.tool_result(t.tool("Read", {"file_path": path}), "1\tcontent")


def _session(tmp_path: Path, t: ClaudeCodeTranscript | CodexRollout) -> rules.Session:
    """The session as the rules see it: through the ingest's window, with its telemetry."""
    t.write(tmp_path / "sam" / "projects" / "app" / f"{t.session_id}.jsonl")
    return _window_session(tmp_path)


def _window_text(tmp_path: Path, t: ClaudeCodeTranscript) -> str:
    """The window the ingest stores for `t`, to read with chosen telemetry."""
    t.write(tmp_path / "sam" / "projects" / "app" / f"{t.session_id}.jsonl")
    [parsed] = scan_source(tmp_path, keep_text=True, prepare=prepare_sessions).sessions
    return parsed.prepared.window.text


def _window_session(tmp_path: Path) -> rules.Session:
    [parsed] = scan_source(tmp_path, keep_text=True, prepare=prepare_sessions).sessions
    return rules.read_session(parsed.prepared.window.text, {"tool_calls": len(parsed.prepared.window.text)})


def test_the_window_is_read_as_prompts_prose_calls_and_system_lines(tmp_path):
    t = _transcript()
    t.prompt("The totals test fails; fix the rounding in billing/totals.py")
    _run(t, "Bash", "pytest -q tests/test_totals.py", "1 failed, 1 passed", is_error=True)
    _edit(t, "/repo/billing/totals.py")
    _run(t, "Bash", "pytest -q tests/test_totals.py", "2 passed in 0.03s")
    t.say("Fixed: both tests pass.")
    t.interrupt()
    session = _session(tmp_path, t)
    assert len(session.users) == 1 and session.agent_texts == ["Fixed: both tests pass."]
    assert [c.name for c in session.calls] == ["Bash", "Edit", "Bash"]
    first, edit, last = session.calls
    assert first.failed and "tests failed" in first.facts and first.command == "pytest -q tests/test_totals.py"
    assert edit.path == "/repo/billing/totals.py" and not edit.failed
    assert "tests passed" in last.facts and not last.failed
    assert session.timeline[-1] == "system" and rules.interrupted_at_the_end(session)


@pytest.mark.parametrize(
    "build, mode",
    [
        # Dockerfile and CI edits, deploy commands: the scaffolding around the code.
        (
            lambda t: (
                t.prompt("Set up a container and a CI workflow for this service"),
                _edit(t, "/repo/Dockerfile", "FROM python:3.11", "FROM python:3.12"),
                _edit(t, "/repo/.github/workflows/ci.yml", "on: push", "on: [push, pull_request]"),
                _run(t, "Bash", "docker build -t app .", "Successfully built 3f2a"),
                t.say("The image builds and CI runs on pull requests."),
            ),
            "operate",
        ),
        # The request reports a fault and the session ends in a code change: fix.
        (
            lambda t: (
                t.prompt("Checkout crashes with a KeyError when the cart is empty"),
                _read(t, "/repo/shop/checkout.py"),
                _edit(t, "/repo/shop/checkout.py", "cart['items'][0]", "cart.get('items') or []"),
                t.say("The empty cart no longer crashes."),
            ),
            "fix",
        ),
        # New source files for a feature: build.
        (
            lambda t: (
                t.prompt("Add an export command that writes the report as CSV"),
                _edit(t, "/repo/cli/export.py", "", "def export(): ..."),
                _edit(t, "/repo/cli/main.py", "commands = []", "commands = [export]"),
                t.say("Added `export`."),
            ),
            "build",
        ),
        # Only reads and a question: understand.
        (
            lambda t: (
                t.prompt("How does the session cache decide when to expire an entry?"),
                _read(t, "/repo/cache/session.py"),
                _read(t, "/repo/cache/policy.py"),
                t.say("Entries expire after the idle timeout set in policy.py."),
            ),
            "understand",
        ),
        # Test files are what changed: test.
        (
            lambda t: (
                t.prompt("Write unit tests for the parser"),
                _edit(t, "/repo/tests/test_parser.py", "", "def test_empty(): ..."),
                _run(t, "Bash", "pytest tests/test_parser.py", "3 passed"),
                t.say("Three tests added."),
            ),
            "test",
        ),
        # A notebook and SQL for a finding: analyze.
        (
            lambda t: (
                t.prompt("Analyze last quarter's churn data and plot it by plan"),
                _edit(t, "/repo/analysis/churn.ipynb", "", "df.groupby('plan').churn.mean().plot()"),
                _run(t, "Bash", "duckdb data.db -c 'select plan, avg(churned) from users group by 1'", "pro 0.04"),
                t.say("Churn is highest on the basic plan."),
            ),
            "analyze",
        ),
        # A prompt file and an evaluation of a model's behaviour: orchestrate.
        (
            lambda t: (
                t.prompt("Tighten the system prompt so the LLM stops inventing citations, then rerun the evals"),
                _edit(t, "/repo/prompts/answer_prompt.md", "Cite sources.", "Cite only retrieved sources."),
                t.say("Updated the prompt."),
            ),
            "orchestrate",
        ),
        # A failing run before any change, then the change that makes it pass: fix, though the request
        # names no fault.
        (
            lambda t: (
                t.prompt("Have a look at the totals module"),
                _run(t, "Bash", "pytest -q tests/test_totals.py", "1 failed, 3 passed", is_error=True),
                _edit(t, "/repo/billing/totals.py", "round(x)", "round(x, 2)"),
                _run(t, "Bash", "pytest -q tests/test_totals.py", "4 passed"),
                t.say("The rounding was wrong; all four pass now."),
            ),
            "fix",
        ),
        # Files the software reads (translations, here) are part of the product, not its scaffolding.
        (
            lambda t: (
                t.prompt("Add German and French to the app's languages"),
                _edit(t, "/repo/locales/de.json", "{}", '{"save": "Speichern"}'),
                _edit(t, "/repo/locales/fr.json", "{}", '{"save": "Enregistrer"}'),
                _edit(t, "/repo/locales/index.yaml", "- en", "- en\n- de\n- fr"),
                t.say("Both languages are available."),
            ),
            "build",
        ),
        # A document written for readers, with a look at the logs on the way: communicate (one command
        # outweighed the document while a document counted half toward plan).
        (
            lambda t: (
                t.prompt("Write up last week's outage for the team"),
                _run(t, "Bash", "journalctl -u app --since -7d", "disk full"),
                _edit(t, "/repo/notes/outage-2026-02.md", "", "# What happened\nThe disk filled."),
                t.say("The write-up is in notes/."),
            ),
            "communicate",
        ),
        # A document that says it is a plan: plan.
        (
            lambda t: (
                t.prompt("Write down how we move the jobs to the new scheduler"),
                _run(t, "Bash", "journalctl -u app --since -7d", "disk full"),
                _edit(t, "/repo/docs/migration-plan.md", "", "1. inventory the jobs\n2. move them"),
                t.say("The plan is in docs/migration-plan.md."),
            ),
            "plan",
        ),
        # A question asked with a full-width question mark, answered by reading: understand.
        (
            lambda t: (
                t.prompt("セッションのキャッシュはいつ期限切れになりますか？"),
                _run(t, "Bash", "ps aux", "app 1234"),
                _read(t, "/repo/cache/policy.py"),
                t.say("Entries expire after the idle timeout set in policy.py."),
            ),
            "understand",
        ),
        # A specification in a specs/ folder is a plan, not a test file.
        (
            lambda t: (
                t.prompt("Write down what the export endpoint accepts and returns"),
                _edit(t, "/repo/specs/export-endpoint.md", "", "## Request\n- format: csv | parquet"),
                t.say("The specification is in specs/."),
            ),
            "plan",
        ),
        # The agent presents a plan for approval and nothing is changed after it: the plan is delivered.
        (
            lambda t: (
                t.prompt("Add rate limiting to the public API"),
                _read(t, "/repo/api/routes.py"),
                _read(t, "/repo/api/middleware.py"),
                t.tool_result(
                    t.tool("ExitPlanMode", {"plan": "1. token bucket per key\n2. 429 with Retry-After"}), "ok"
                ),
                t.say("Here is the plan; say when to start."),
            ),
            "plan",
        ),
        # The same plan, approved and carried out: the code is the deliverable.
        (
            lambda t: (
                t.prompt("Add rate limiting to the public API"),
                _read(t, "/repo/api/routes.py"),
                t.tool_result(
                    t.tool("ExitPlanMode", {"plan": "1. token bucket per key\n2. 429 with Retry-After"}), "ok"
                ),
                _edit(t, "/repo/api/middleware.py", "", "class TokenBucket: ..."),
                _edit(t, "/repo/api/routes.py", "app = App()", "app = App(middleware=[TokenBucket()])"),
                t.say("Rate limiting is in."),
            ),
            "build",
        ),
    ],
    ids=[
        "operate",
        "fix",
        "build",
        "understand",
        "test",
        "analyze",
        "orchestrate",
        "fix-found-by-a-run",
        "build-data",
        "communicate-documents",
        "plan-document",
        "understand-full-width-question",
        "plan-specification",
        "plan-presented",
        "plan-carried-out",
    ],
)
def test_work_mode_follows_the_dominant_activity(tmp_path, build, mode):
    t = _transcript()
    build(t)
    assert rules.work_mode(_session(tmp_path, t))["work_mode"] == mode


def _planning_by_the_person(session: rules.Session) -> tuple[int, int]:
    planning = [d for d in rules.decisions(session)["decisions"] if d["kind"] == "planning"]
    return sum(d["made_by"] == "user" for d in planning), len(planning)


def test_a_choice_the_person_makes_among_the_agents_options_is_their_planning_decision(tmp_path):
    """Rubric (decisions): who made each decision. When the agent asks the person to pick among options
    (Claude Code's AskUserQuestion) and they answer, the choice is theirs; a question they declined is not."""
    answered, declined = _transcript(), _transcript()
    for t, result, is_error in ((answered, "User chose: Redis", False), (declined, "The user declined", True)):
        t.prompt("Add caching to the product page")
        question = {"questions": [{"question": "Which store?", "options": [{"label": "Redis"}, {"label": "memory"}]}]}
        t.tool_result(
            t.tool("AskUserQuestion", question, text="I'll add a cache; one question first."), result, is_error=is_error
        )
        _edit(t, "/repo/shop/cache.py", "", "store = Redis()")
    assert _planning_by_the_person(_session(tmp_path / "answered", answered)) == (2, 3)
    assert _planning_by_the_person(_session(tmp_path / "declined", declined)) == (1, 2)


def _execution_by_the_person(session: rules.Session) -> tuple[int, int]:
    execution = [d for d in rules.decisions(session)["decisions"] if d["kind"] == "execution"]
    return sum(d["made_by"] == "user" for d in execution), len(execution)


def test_execution_decisions_are_the_files_and_code_the_person_names_and_what_the_agent_chose(tmp_path):
    """Rubric (decisions): execution decisions settle which files, what code, which commands; count those
    that shaped the work. The files and functions the person names are theirs; the agent's are the files
    it edited and the programs it ran, not every call."""
    named, open_ended = _transcript(), _transcript()
    named.prompt("Make `parse_date()` in utils/dates.py accept ISO weeks")
    open_ended.prompt("Make the date parsing accept ISO weeks")
    for t in (named, open_ended):
        _edit(t, "/repo/utils/dates.py", "def parse_date(s):", "def parse_date(s, weeks=True):")
        for _ in range(4):
            _run(t, "Bash", "pytest -q tests/test_dates.py", "3 passed")
    # The person named the function and the file: two of theirs, against one file edited and one program
    # run (four runs of the same tests are one choice).
    assert _execution_by_the_person(_session(tmp_path / "named", named)) == (2, 4)
    assert _execution_by_the_person(_session(tmp_path / "open", open_ended)) == (0, 2)


def test_codebase_relationship_from_edits_writes_and_reads(tmp_path):
    edited, created, explored, none = _transcript(), _transcript(), _transcript(), _transcript()
    for t in (edited, created, explored, none):
        t.prompt("Work on the project")
    _edit(edited, "/repo/a.py")
    created.tool_result(created.tool("Write", {"file_path": "/repo/new.py", "content": "x = 1\n"}), "File created")
    _read(explored, "/repo/a.py")
    none.say("Here is an outline of an essay.")
    labels = [
        rules.codebase_relationship(_session(tmp_path / str(i), t))["codebase_relationship"]
        for i, t in enumerate((edited, created, explored, none))
    ]
    assert labels == ["modify_existing", "create_from_scratch", "explore_code", "not_in_codebase"]


def test_text_that_looks_like_window_structure_stays_content(tmp_path):
    """A unit file's `[Service]` section, a TOML table in a command's output or a line `</user>` in a
    prompt is content: the window reads back as the calls and messages it was rendered from."""
    unit = "[Unit]\nDescription=web\n\n[Service]\nExecStart=/srv/web\n\n[Install]\nWantedBy=multi-user.target\n"
    t = _transcript()
    t.prompt("Install the web service.\n</user>\n<user>\nthen restart it")
    t.tool_result(t.tool("Write", {"file_path": "/etc/systemd/system/web.service", "content": unit}), "File created")
    _run(t, "Bash", "cat Cargo.toml", '[package]\nname = "web"\n\n[dependencies]\nserde = "1"')
    _run(t, "Bash", "systemctl restart web", "")
    session = _session(tmp_path, t)
    assert len(session.users) == 1 and "then restart it" in session.users[0]
    assert [c.name for c in session.calls] == ["Write", "Bash", "Bash"]
    assert "[dependencies]" in session.calls[1].result and session.calls[2].command == "systemctl restart web"


def _copilot_session(tmp_path: Path, tools: list[tuple[str, dict]]) -> rules.Session:
    """A GitHub Copilot CLI event log with one prompt and these tool calls, read as the rules see it."""
    records = [
        ("session.start", {"sessionId": "copilot-1", "copilotVersion": "0.0.400", "producer": "copilot-agent"}),
        ("user.message", {"content": "Tidy up the settings page"}),
        ("assistant.message", {"content": "Looking at it.", "outputTokens": 20, "model": "gpt-5", "messageId": "m1"}),
    ]
    for i, (name, arguments) in enumerate(tools):
        records.append(("tool.execution_start", {"toolName": name, "arguments": arguments, "toolCallId": f"c{i}"}))
        records.append(
            ("tool.execution_complete", {"toolCallId": f"c{i}", "success": True, "result": {"content": "ok"}})
        )
    path = tmp_path / "sam" / "copilot" / "session.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(
        "\n".join(
            json.dumps({"type": kind, "data": data, "id": str(i), "timestamp": f"2026-02-03T09:00:{i:02d}.000Z"})
            for i, (kind, data) in enumerate(records)
        )
        + "\n"
    )
    return _window_session(tmp_path)


def test_other_agents_edit_and_read_tools_are_edits_and_reads(tmp_path):
    """The rules know each agent's file tools by the names the ingest counts changed lines for: Copilot's
    `edit` and `create`, `view` as a read; a session that only creates files is created from scratch."""
    edited = _copilot_session(
        tmp_path / "edited",
        [
            ("view", {"path": "/repo/src/settings.py"}),
            ("edit", {"path": "/repo/src/settings.py", "old_str": "a = 1", "new_str": "a = 2"}),
        ],
    )
    assert [c.name for c in rules.reads(edited)] == ["view"] and [c.name for c in rules.edits(edited)] == ["edit"]
    assert rules.edited_paths(edited) == ["/repo/src/settings.py"]
    assert rules.codebase_relationship(edited)["codebase_relationship"] == "modify_existing"
    created = _copilot_session(tmp_path / "created", [("create", {"path": "/repo/new.py", "file_text": "x = 1\n"})])
    assert rules.codebase_relationship(created)["codebase_relationship"] == "create_from_scratch"


def test_cursor_edit_and_patch_tools_are_edits(tmp_path):
    """Cursor's `StrReplace`, `Write` and `ApplyPatch` change files; its `Read` reads one."""
    from sessionlab_assets_tests.test_other_agents import CURSOR_WITH_TOOLS

    path = tmp_path / "ana" / "agent-transcripts" / "c1" / "c1.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(CURSOR_WITH_TOOLS) + "\n")
    session = _window_session(tmp_path)
    assert [c.name for c in rules.edits(session)] == ["StrReplace", "Write", "ApplyPatch"]
    assert rules.edited_paths(session) == ["/repo/parser.py", "/repo/notes.md", "/repo/new.py"]
    assert [c.name for c in rules.reads(session)] == ["Read"]
    assert rules.codebase_relationship(session)["codebase_relationship"] == "modify_existing"


def test_a_codex_patch_names_each_file_it_changes(tmp_path):
    t = CodexRollout("7b2e0c3e-0000-4000-8000-000000000001", datetime(2026, 2, 3, 9, 0, 0))
    t.prompt("Containerise the service")
    t.apply_patch(
        "*** Begin Patch\n*** Add File: Dockerfile\n+FROM python:3.12-slim\n"
        "*** Update File: deploy/compose.yaml\n@@\n-  image: old\n+  image: new\n*** End Patch"
    )
    session = _session(tmp_path, t)
    assert rules.edited_paths(session) == ["Dockerfile", "deploy/compose.yaml"]
    assert rules.activity(session)["operate"] == 4  # both files are the scaffolding around the code


def test_a_file_printed_through_the_shell_is_a_read(tmp_path):
    """Codex reads files with `cat` and `sed -n`: a new file written after reading existing ones is a change
    to an existing codebase, and a configuration file read counts toward operate, as with a Read call."""
    t = CodexRollout("7b2e0c3e-0000-4000-8000-000000000002", datetime(2026, 2, 3, 9, 0, 0))
    t.prompt("Add a health check next to the existing routes")
    t.exec("sed -n '1,80p' app/routes.py", "from app import api")
    t.exec("cat docker-compose.yml", "services:\n  api: {}")
    t.exec("cat app/routes.py | grep def", "def index():")  # a pipeline is not a plain read of one file
    t.apply_patch("*** Begin Patch\n*** Add File: app/health.py\n+def health(): ...\n*** End Patch")
    session = _session(tmp_path, t)
    assert [call.path for call in rules.reads(session)] == ["app/routes.py", "docker-compose.yml"]
    assert rules.codebase_relationship(session)["codebase_relationship"] == "modify_existing"
    assert rules.activity(session)["operate"] == 0.5


def test_outcome_and_signals_at_the_ends_of_the_scale(tmp_path):
    confirmed = _transcript()
    confirmed.prompt("Fix the failing date test in utils/dates.py")
    _edit(confirmed, "/repo/utils/dates.py")
    _run(confirmed, "Bash", "pytest -q", "12 passed")
    _run(confirmed, "Bash", "git commit -am 'Fix date parsing'", "[main 1a2b3c4] Fix date parsing")
    confirmed.say("Fixed and committed.")
    confirmed.prompt("Perfect, thanks!")
    s = _session(tmp_path / "ok", confirmed)
    assert rules.outcome(s)["outcome"] == "succeeded"
    assert rules.success_signal(s)["level"] == 5  # confirmation, a passing run and a commit corroborate
    assert rules.failure_signal(s)["level"] == 0

    broken = _transcript()
    broken.prompt("Make the build pass")
    _run(broken, "Bash", "npm run build", "error TS2345", is_error=True)
    _run(broken, "Bash", "npm run build", "error TS2345", is_error=True)
    broken.say("I could not get the build to pass.")
    broken.prompt("Still broken, forget it")
    s = _session(tmp_path / "broken", broken)
    assert rules.outcome(s)["outcome"] == "failed"
    assert rules.success_signal(s)["level"] == 0
    assert rules.failure_signal(s)["level"] == 5  # unrecovered failures and the person giving up

    silent = _transcript()
    silent.prompt("Rename the helper to parse_row in io/rows.py")
    _edit(silent, "/repo/io/rows.py", "def helper", "def parse_row")
    silent.say("Renamed.")
    s = _session(tmp_path / "silent", silent)
    # Silence after clean work is no failure; the artefact exists but nothing corroborates it.
    assert rules.outcome(s)["outcome"] == "succeeded"
    assert (rules.success_signal(s)["level"], rules.failure_signal(s)["level"]) == (2, 0)


def test_the_changed_work_building_or_running_cleanly_is_hard_evidence(tmp_path):
    """Rubric, strong: "a command completing with output that matches the stated objective". A build or a
    run of the changed work after the last edit is that; a command that only looks around (ls, git status)
    is "a command that ran successfully" (moderate), and a build before the last edit or one that failed
    is neither."""
    levels = {}
    for name, after in (
        ("build", ("npm run build", "compiled successfully", False)),
        ("script", ("python3 scripts/export.py --month 2026-01", "wrote 120 rows", False)),
        ("look", ("git status", "On branch main", False)),
        ("failed", ("npm run build", "error TS2345", True)),
        ("tests", ("make test", "2 failed, 10 passed", False)),  # a test run: read by the test rules
    ):
        t = _transcript()
        t.prompt("Make the export write one file per month in scripts/export.py")
        _run(t, "Bash", "npm run build", "compiled successfully")  # before the change: not evidence of it
        _edit(t, "/repo/scripts/export.py")
        _run(t, "Bash", *after)
        t.say("Done: one file per month.")
        session = _session(tmp_path / name, t)
        levels[name] = (rules.built_or_ran_after_the_change(session), rules.success_evidence(session)["level"])
    assert levels["build"] == levels["script"] == (True, 4)
    assert levels["look"] == (False, 3)
    assert levels["failed"][0] is False and levels["tests"][0] is False


def test_a_session_cut_off_mid_work_is_partial_unless_the_work_was_committed_and_a_greeting_has_no_goal(
    tmp_path,
):
    cut = _transcript()
    cut.prompt("Migrate the settings loader to pydantic")
    _edit(cut, "/repo/settings.py")
    _read(cut, "/repo/loader.py")  # and nothing after: no closing word from the agent
    s = _session(tmp_path / "cut", cut)
    assert rules.outcome(s)["outcome"] == "partially_succeeded"
    # No line of it is friction, yet the work fell short: the failure scale reads 3 (rubric: "work clearly
    # fell short on one dimension"), so the session hits trouble.
    assert (rules.failure_evidence(s)["level"], rules.failure_signal(s)["level"]) == (0, 3)

    committed = _transcript()
    committed.prompt("Migrate the settings loader to pydantic")
    _edit(committed, "/repo/settings.py")
    _run(committed, "Bash", "git commit -am 'Load settings with pydantic'", "[main 4d5e6f7] Load settings")
    _read(committed, "/repo/loader.py")  # cut off again, but after a commit of the work
    s = _session(tmp_path / "committed", committed)
    assert rules.success_signal(s)["level"] == 4 and rules.outcome(s)["outcome"] == "succeeded"

    hello = _transcript()
    hello.prompt("hi")
    hello.say("Hello! What would you like to work on?")
    assert rules.outcome(_session(tmp_path / "hello", hello))["outcome"] == "no_clear_goal"


def test_a_failed_session_has_no_success_signal_without_hard_evidence(tmp_path):
    unanswered = _transcript()
    unanswered.prompt("Make the nightly export job write parquet instead of csv")
    _read(unanswered, "/repo/jobs/export.py")
    unanswered.say("Which parquet library does the deployment image ship: pyarrow or fastparquet?")
    s = _session(tmp_path, unanswered)
    # Nothing changed and the agent's last word is a question nobody answered: failed, so the clean
    # ending is no success-shaped signal (rubric, NONE: "the session may have failed").
    assert rules.outcome(s)["outcome"] == "failed"
    assert (rules.success_evidence(s)["level"], rules.success_signal(s)["level"]) == (2, 0)


def test_a_document_names_a_plan_by_a_word_of_its_path():
    plans = ["docs/migration-plan.md", "MigrationPlan.md", "design/auth.md", "adr/0003-queue.md", "TODO.md"]
    others = ["notes/explanation.md", "designer-notes.md", "README.md", "CHANGELOG.md"]
    assert [rules.names_a_plan(p) for p in plans + others] == [True] * len(plans) + [False] * len(others)


def test_an_expertise_score_maps_to_its_level_with_halves_as_measured():
    scores = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5]
    assert [rules.expertise_level(s) for s in scores] == [1, 1, 2, 2, 2, 3, 4, 4, 4, 5, 5]


def test_expertise_abstains_only_without_the_persons_words_and_reads_precision(tmp_path):
    retries = _transcript()
    retries.prompt("continue")
    retries.say("Continuing.")
    assert rules.expertise(_session(tmp_path / "r", retries))["expertise"] == "unclear"
    # However short, a framing of the person's own is rated (rubric: "unclear" only with no framing at all).
    short = _transcript()
    short.prompt("make the login page nicer")
    short.say("Done.")
    assert rules.expertise(_session(tmp_path / "s", short))["expertise"] != "unclear"

    vague, precise = _transcript(), _transcript()
    vague.prompt("i'm new to this and have no idea why my website looks weird, can you help me make it nicer")
    precise.prompt(
        "In `orders/service.py`, make `apply_discount()` idempotent: retries from the webhook must not double "
        "the discount. Keep the schema migration reversible and add a regression test for the race condition."
    )
    for t in (vague, precise):
        t.say("Done.")
    low = rules.expertise(_session(tmp_path / "v", vague))["expertise"]
    high = rules.expertise(_session(tmp_path / "p", precise))["expertise"]
    order = list(rules.EXPERTISE_NAMES.values())
    assert order.index(low) < order.index(high)


def test_expertise_rises_when_the_agent_concedes_the_persons_corrections(tmp_path):
    levels = []
    for conceding in (False, True):
        t = _transcript()
        t.prompt("The nightly report groups events by the server's date; group them by each event's own date.")
        t.say("I've grouped the events by date in report.py.")
        t.prompt("That still uses the server's offset for events recorded in Sydney.")
        t.say("You're right — the offset came from the server, not the event. Fixed." if conceding else "Fixed.")
        t.prompt("And daylight saving changes the offset within one night.")
        t.say(
            "Good catch: the offset is now taken per event, so the change mid-night is handled."
            if conceding
            else "Done."
        )
        session = _session(tmp_path / str(conceding), t)
        assert rules.agent_concedes(session) == (2 if conceding else 0)
        levels.append(list(rules.EXPERTISE_NAMES.values()).index(rules.expertise(session)["expertise"]))
    assert levels[1] > levels[0]


def test_expertise_rises_when_the_person_states_the_constraints_the_work_must_keep(tmp_path):
    levels = []
    for constrained in (False, True):
        t = _transcript()
        t.prompt("Hold on to the exchange rates the checkout page fetches.")
        t.say("For how long should they be held?")
        t.prompt(
            "An hour, but it must not serve a rate older than the settlement cutoff, unless the provider is down."
            if constrained
            else "An hour, and it may serve a rate older than the settlement cutoff, when the provider is down."
        )
        t.say("Done.")
        session = _session(tmp_path / str(constrained), t)
        assert rules.states_constraints(session) == (1 if constrained else 0), rules.expertise(session)["reasoning"]
        levels.append(list(rules.EXPERTISE_NAMES.values()).index(rules.expertise(session)["expertise"]))
    assert levels[1] > levels[0]


def test_occupation_from_the_persons_words_or_unclear(tmp_path):
    developer, accountant, silent = _transcript(), _transcript(), _transcript()
    developer.prompt("Refactor the retry logic in `worker.py` and add a regression test before I merge the branch")
    _edit(developer, "/repo/worker.py")
    accountant.prompt(
        "Reconcile the invoices against the ledger for the audit; our payroll and tax figures for the budget "
        "forecast must match the financial statements"
    )
    silent.prompt("ok do that")
    for t in (developer, accountant, silent):
        t.say("Done.")
    groups = [
        (rules.occupation_user(_session(tmp_path / str(i), t))["occupation"])
        for i, t in enumerate((developer, accountant, silent))
    ]
    assert groups == ["15-0000", "13-0000", "unclear"]


def test_a_job_is_priced_by_the_hours_a_freelancer_would_bill():
    """Half an hour for any job, 50 changed lines an hour, 30 tool calls an hour, six minutes a round of
    feedback, at $40: a small fix is a small job ($10-200), and the price grows with the work."""
    from sessionlab_assets.labels import value_tier

    def price(**facts) -> float:
        return rules.job_price("", facts)["price_usd"]

    small = price(tool_calls=12, lines_added=20, lines_removed=4, human_turns=3)
    assert small == pytest.approx(40 * (0.5 + 24 / 50 + 12 / 30 + 0.3)) and value_tier(small) == 1
    larger = price(tool_calls=300, lines_added=2_500, lines_removed=500, human_turns=20)
    assert value_tier(larger) == 3 and larger > price(tool_calls=300, lines_added=1_000, human_turns=20) > small
    assert price() == 20.0 and price(lines_added=10**8) == 50_000.0  # the tiers' range holds at both ends


def test_a_classifier_without_a_rule_is_an_error_row_not_a_crash():
    from dataclasses import replace

    from sessionlab_assets.classify.calls import CallKey, validated

    unknown = replace(CLASSIFIERS["work_mode"], name="urgency")
    [(raw, _)] = rules._evaluate_many([("urgency", "<user>\nhello\n</user>", {})])
    result = validated(unknown, CallKey("urgency", "v", "heuristic", "h"), raw, "heuristic", "offline")
    assert result.status == "error" and "invalid output" in result.reason
    assert raw.startswith("NO RULE") and "no rule for urgency" in raw


def test_each_window_is_read_once_for_all_its_classifiers(tmp_path):
    """The classify step asks classifier by classifier; the backend still reads each window once (more
    windows than the reader's cache holds, so a classifier-by-classifier order would read each ten times)."""
    import duckdb

    from sessionlab_assets import warehouse
    from sessionlab_assets.classify.calls import CallKey, CallRequest, Ledger, text_hash

    windows = [f"<user>\nAdd a retry to fetch number {i} in client.py\n</user>" for i in range(40)]
    requests = [
        CallRequest(CallKey(name, rules.VERSION, "heuristic", text_hash(window)), CLASSIFIERS[name], window, {})
        for name in rules.WINDOW_RULES
        for window in windows
    ]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        warehouse.ensure_schema(conn)
        ledger = Ledger(conn)
        rules._read.cache_clear()
        assert rules.HeuristicBackend().run(requests, ledger) == []
        assert rules._read.cache_info().misses == len(windows)
        assert {r.key for r in requests} == set(ledger.recorded)


def test_the_rules_version_covers_every_declaration_they_read():
    """A declaration the rules import (the window's format, an agent's file tools, a label set) is part of
    the rules' version, so changing it re-runs the heuristic labels."""
    machinery = {"sessionlab_assets.classify.calls", "sessionlab_assets.workers"}  # how calls run, not what they answer
    read = set()
    for node in ast.walk(ast.parse(Path(rules.__file__).read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sessionlab_assets"):
            for alias in node.names:
                try:
                    read.add(importlib.import_module(f"{node.module}.{alias.name}").__name__)
                except ModuleNotFoundError:
                    read.add(node.module)
    sources = {path.resolve() for path in rules.RULE_SOURCES}
    assert read - machinery and all(
        Path(str(importlib.import_module(name).__file__)).resolve() in sources for name in read - machinery
    ), sorted(read - machinery)


def test_a_commit_cut_from_the_middle_of_the_window_still_counts_from_the_telemetry(tmp_path):
    """A long session's window keeps its head and tail; a commit in the middle is gone from it but not
    from the session's telemetry, which the classify step passes with the window (FACT_COLUMNS)."""
    t = _transcript()
    t.prompt("Add a --dry-run flag to the sync command in cli/sync.py")
    _edit(t, "cli/sync.py")
    t.say("Added the flag.")
    window = _window_text(tmp_path, t)
    no_commit = rules.read_session(window, {"git_commits": 0})
    assert not rules.committed_or_shipped(no_commit)
    assert rules.success_evidence(no_commit)["level"] < 4
    committed = rules.read_session(window, {"git_commits": 1})
    assert rules.committed_or_shipped(committed)
    assert "committed or shipped" in rules.success_evidence(committed)["evidence"]
    assert rules.success_evidence(committed)["level"] >= 4


def test_the_persons_software_work_counts_commits_and_test_runs_from_the_telemetry(tmp_path):
    """A session whose window shows no code, but whose telemetry counts a commit or a test run, is the
    person directing software work (15-0000); with neither, nothing is known about them."""
    t = _transcript()
    t.prompt("please tidy up the notes file")
    _edit(t, "notes.md")
    t.say("Tidied.")
    window = _window_text(tmp_path, t)
    assert rules.occupation_user(rules.read_session(window, {}))["occupation"] == "unclear"
    for telemetry in ({"git_commits": 1}, {"test_runs": 2}):
        assert rules.occupation_user(rules.read_session(window, telemetry))["occupation"] == "15-0000"


def test_each_ending_signal_on_its_own(tmp_path):
    """The signals the outcome and the two evidence scales are read from, one small session each."""

    def session(name: str, build) -> rules.Session:
        t = _transcript()
        t.prompt("Add retries to the upload client in net/upload.py")
        build(t)
        return _session(tmp_path / name, t)

    def reaction(words: str):
        def build(t):
            _edit(t, "/repo/net/upload.py")
            t.say("Added three retries with backoff.")
            t.prompt(words)

        return build

    # The person's last word on the work; a new request is no verdict on the earlier work.
    assert rules.last_prompt_reaction(session("thanks", reaction("Perfect, thanks"))) == "affirmation"
    assert rules.last_prompt_reaction(session("same", reaction("Still failing with the same error"))) == "complaint"
    assert rules.last_prompt_reaction(session("quit", reaction("forget it, I'll do it myself"))) == "gave_up"
    new_request = session("new", reaction("Now add a progress bar to the download command"))
    assert rules.last_prompt_reaction(new_request) is None
    assert rules.last_request_unanswered(new_request)  # and the agent never took it up
    assert not rules.last_request_unanswered(session("thanks2", reaction("Perfect, thanks")))

    def same_failure_twice(t):
        _run(t, "Bash", "pytest tests/test_upload.py", "1 failed", is_error=True)
        _run(t, "Bash", "pytest tests/test_upload.py", "1 failed", is_error=True)

    looped = session("loop", same_failure_twice)
    assert rules.repeated_failures(looped) == 1  # the same command failing twice
    assert rules.ended_in_trouble(looped) and rules.ends_mid_work(looped)  # stopped on the failing calls

    def pushed_back(t):
        _edit(t, "/repo/net/upload.py")
        t.say("Added retries.")
        t.prompt("No, that's not what I asked: retry only on timeouts")
        t.interrupt()
        t.prompt("Retry on timeouts only, please")
        _edit(t, "/repo/net/upload.py")
        t.say("Now it retries on timeouts only.")

    friction = session("pushback", pushed_back)
    assert rules.pushback(friction) == 2  # a correction and an interruption
    assert not rules.ended_in_trouble(friction) and not rules.ends_mid_work(friction)

    def blocked(t):
        _read(t, "/repo/net/upload.py")
        t.say("Unfortunately I could not reach the staging bucket, so I cannot test the retries.")

    assert rules.agent_says_blocked(session("blocked", blocked))

    def left(t):
        _edit(t, "/repo/net/upload.py")
        t.say("Retries are in; the remaining step is to wire the backoff setting into the config.")

    assert rules.agent_leaves_work(session("left", left))

    def asks(t):
        _read(t, "/repo/net/upload.py")
        t.say("Should retries also cover 5xx responses, or only timeouts?")

    waiting = session("asks", asks)
    assert rules.agent_waits_on_the_person(waiting) and rules.changed_nothing(waiting)
    done = session("done", left)
    assert not rules.agent_waits_on_the_person(done) and not rules.agent_says_blocked(done)


def test_each_work_mode_signal_on_its_own(tmp_path):
    """The signals the work mode is read from besides the volume of work, one small session each."""

    def session(name: str, first_prompt: str, build) -> rules.Session:
        t = _transcript()
        t.prompt(first_prompt)
        build(t)
        return _session(tmp_path / name, t)

    def edit_it(t):
        _edit(t, "/repo/app/report.py")
        t.say("Done.")

    # Starting from a fault: the first prompt reports one, or the agent reproduces one before any edit.
    assert rules.starts_from_a_fault(session("fault", "The report crashes with a KeyError on empty months", edit_it))
    assert not rules.starts_from_a_fault(session("feature", "Add a CSV download to the report page", edit_it))

    def reproduce_then_edit(t):
        _run(t, "Bash", "python app/report.py", "Traceback (most recent call last): ...", is_error=True)
        edit_it(t)

    reproduced = session("reproduced", "Look at the monthly report", reproduce_then_edit)
    assert rules.fails_before_changing(reproduced) and rules.starts_from_a_fault(reproduced)

    def plan_only(t):
        _read(t, "/repo/app/report.py")
        t.tool_result(t.tool("ExitPlanMode", {"plan": "1. Split the loader 2. Cache months"}), "User approved")
        t.say("Here is the plan.")

    planned = session("plan", "How should we restructure the report loader?", plan_only)
    assert rules.ends_with_a_plan(planned) and rules.changed_nothing(planned) and rules.asks_a_question(planned)
    assert not rules.ends_with_a_plan(session("built", "Add a CSV download", edit_it))

    # The request's words: the first substantive prompt, a bare "continue" skipped.
    t = _transcript()
    t.prompt("continue")
    t.prompt("Deploy the report service to the staging cluster with docker")
    t.say("Deployed.")
    cues = rules.request_cues(_session(tmp_path / "cues", t))
    assert cues.most_common(1)[0][0] == "operate"
    assert rules.is_bare_retry("ok, go ahead") and not rules.is_bare_retry("ok, now add tests")

    def ops(t):
        _run(t, "Bash", "docker compose up -d", "Started")
        _edit(t, "/repo/.github/workflows/ci.yml")
        _edit(t, "/repo/tests/test_report.py")
        t.say("Done.")

    volume = rules.activity(session("volume", "Set things up", ops))
    assert volume["operate"] == 3 and volume["test"] == 2  # a command (1) and a CI file (2); a test file (2)

    # Commands that only look at the machine change nothing: a question answered by looking is understand;
    # installing something changes the machine, and is operate.
    def look(t):
        _run(t, "Bash", "which python3 && python3 --version", "/usr/bin/python3\nPython 3.12.3")
        _run(t, "Bash", "ps aux | grep worker", "sam 4121 python worker.py")
        t.say("The worker runs under the system Python 3.12.")

    looked = session("look", "Which Python does the worker run under?", look)
    assert rules.changed_nothing(looked) and rules.activity(looked)["operate"] == 1  # 0.5 a look
    assert rules.work_mode(looked)["work_mode"] == "understand"

    def install(t):
        _run(t, "Bash", "pip install redis", "Successfully installed redis-5.0.1")
        t.say("Installed.")

    installed = session("install", "Which Python does the worker run under?", install)
    assert not rules.changed_nothing(installed) and rules.activity(installed)["operate"] == 1

    # Reading delegated to a subagent is reading: a session that only explores is understand.
    def delegate(t):
        task = {"description": "Explore the token checks", "prompt": "Find where API tokens are validated"}
        t.tool_result(t.tool("Task", task), "Tokens are validated in auth/middleware.py by check_token().")
        t.say("Tokens are checked in the auth middleware, before routing.")

    delegated = session("delegate", "Walk through the token checks in the API", delegate)
    assert rules.activity(delegated)["understand"] == 1 and rules.work_mode(delegated)["work_mode"] == "understand"

    # Steps laid out and not carried out are a plan; the same list before edits is the build's bookkeeping.
    def steps(t):
        todos = [{"content": "Split the loader", "status": "pending"}, {"content": "Cache months", "status": "pending"}]
        t.tool_result(t.tool("TodoWrite", {"todos": todos}), "Todos have been modified successfully")
        t.tool_result(t.tool("TodoWrite", {"todos": todos}), "Todos have been modified successfully")
        t.say("Those are the steps; tell me when to start.")

    def steps_then_edits(t):
        steps(t)
        edit_it(t)

    assert rules.work_mode(session("steps", "The monthly report loader", steps))["work_mode"] == "plan"
    assert rules.work_mode(session("steps-done", "The monthly report loader", steps_then_edits))["work_mode"] == "build"


def test_who_decides_how_and_the_occupation_of_the_work(tmp_path):
    """Decisions: a prompt that says how the work is to be done is the person's execution decision too; the
    agent's edits and commands are its execution decisions. The work's occupation: prose in another field's
    vocabulary belongs to that field, software work to 15-0000."""
    t = _transcript()
    t.prompt("Add a retry to the fetch. Use exponential backoff, keep it under five attempts, and don't log bodies.")
    _edit(t, "/repo/net/fetch.py")
    _run(t, "Bash", "pytest -q tests/test_fetch.py", "3 passed")
    t.say("Done: backoff with at most four retries.")
    made = [(d["kind"], d["made_by"]) for d in rules.decisions(_session(tmp_path / "how", t))["decisions"]]
    assert made.count(("execution", "user")) == 1 and made.count(("execution", "agent")) == 2
    assert made.count(("planning", "user")) == 1

    memo = _transcript()
    memo.prompt("Draft a memo for the client on the indemnity clause and the court's ruling on the contract")
    memo.tool_result(memo.tool("Write", {"file_path": "/notes/memo.md", "content": "Memo"}), "File created")
    memo.say("Drafted the memo.")
    assert rules.occupation_work(_session(tmp_path / "memo", memo))["occupation"] == "23-0000"
    code = _transcript()
    code.prompt("Draft the contract parser for the client in parse/contract.py")
    _edit(code, "/repo/parse/contract.py")
    code.say("Parser drafted.")
    assert rules.occupation_work(_session(tmp_path / "code", code))["occupation"] == rules.SOFTWARE_OCCUPATION


def test_the_recorded_agreement_is_for_these_rules():
    """The agreement a report of heuristic labels shows was measured for the rules as they are: a changed
    rule needs its agreement measured again (the re-measure itself is in test_real_corpus.py)."""
    recorded = rules_agreement.recorded()
    assert recorded is not None and recorded["rules_version"] == rules.VERSION, (
        f"the rules changed since their agreement was recorded: run {rules_agreement.MEASURED_WITH}"
    )
    assert {row["classifier"] for row in recorded["classifiers"]} >= {"work_mode", "expertise", "outcome"}
