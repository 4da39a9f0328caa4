"""What leaks where, and what a damaged warehouse does (the hardening list in the README)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.fixtures.transcripts import ClaudeCodeTranscript
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.metadata import markdown_table
from sessionlab_assets.resources import TranscriptSource

MONTHS = {"dagster/asset_partition_range_start": "2026-01", "dagster/asset_partition_range_end": "2026-01"}
IMAGE = "![i](http://example.invalid/x.png)"


def _ingest(db: Path, source: Path) -> dg.ExecuteInJobResult:
    return dg.materialize(
        [ingest_transcripts],
        tags=MONTHS,
        raise_on_error=False,
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "transcript_source": TranscriptSource(source_dir=str(source)),
        },
    )


def test_transcript_text_in_markdown_metadata_is_escaped(tmp_path):
    source = tmp_path / "source"
    main = ClaudeCodeTranscript("8e2f0000-0000-4000-8000-000000000001", datetime(2026, 1, 5, 9))
    main.prompt("Tidy the imports.")
    main.say("Done.")
    main.write(source / "ana" / "projects" / "app" / f"{main.session_id}.jsonl")
    orphan = ClaudeCodeTranscript(IMAGE, datetime(2026, 1, 5, 9), is_sidechain=True, agent_id="a1")
    orphan.prompt("Look around.")
    orphan.write(source / "ana" / "projects" / "app" / "agent-a1.jsonl")
    result = _ingest(tmp_path / "w.duckdb", source)
    assert result.success
    markdown = [
        str(value.value)
        for event in result.get_asset_materialization_events()
        for value in event.materialization.metadata.values()
        if isinstance(value, dg.MarkdownMetadataValue)
    ]
    assert any("example.invalid" in text for text in markdown)  # the reason is shown ...
    assert not any(IMAGE in text or "](" in text for text in markdown)  # ... as text, not as an image


def test_table_cells_are_escaped():
    import polars as pl

    text = str(markdown_table(pl.DataFrame({"model": [IMAGE], "note": ["<script>x</script> | a"]})).value)
    assert IMAGE not in text and "<script>" not in text and "\\| a" in text


def test_a_truncated_warehouse_is_refused_with_what_to_do(tmp_path):
    import duckdb
    import pytest

    from sessionlab_assets.resources import WarehouseResource

    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE t AS SELECT range AS i, repeat('x', 100) AS s FROM range(200000)")
    resource = WarehouseResource(database=str(path), lock_timeout_seconds=1)
    with resource.get_connection() as conn:  # a whole file opens
        assert conn.sql("SELECT count(*) FROM t").fetchall() == [(200_000,)]
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - 100_000)
    with pytest.raises(dg.Failure, match="is damaged .* Move the file aside"):
        with resource.get_connection():
            pass


def test_the_export_is_swapped_whole_and_a_killed_run_leaves_nothing_behind(tmp_path):
    from sessionlab_assets.report.settings import ReportSettings
    from sessionlab_assets.report.snapshot import warehouse_snapshot

    db = tmp_path / "w.duckdb"
    source = tmp_path / "source"
    session = ClaudeCodeTranscript("8e2f0000-0000-4000-8000-000000000002", datetime(2026, 1, 6, 9))
    session.prompt("Add a flag.")
    session.say("Added.")
    session.write(source / "ana" / "projects" / "app" / "s.jsonl")
    assert _ingest(db, source).success
    export = tmp_path / "data" / "export"
    export.mkdir(parents=True)
    (export / "snapshot.duckdb").write_text("an export folder from an older version")
    # What a run killed during the copy or the swap leaves behind.
    (tmp_path / "data" / ".export-staging-999-1").mkdir()
    (tmp_path / "data" / ".export-link-999").symlink_to("nowhere")
    settings = ReportSettings(report_dir=str(tmp_path / "report"), export_dir=str(export))
    resources = {"warehouse_db": DuckDBResource(database=str(db)), "report_settings": settings}
    for _ in range(3):
        assert dg.materialize([warehouse_snapshot], resources=resources).success
        assert export.is_symlink() and (export / "snapshot.duckdb").is_file()
        leftovers = sorted(p.name for p in (tmp_path / "data").iterdir() if p.name != "export")
        # The current version, and the one before it (a reader may still hold it) until the next run.
        assert len(leftovers) <= 2 and not any("staging" in n or "link" in n for n in leftovers), leftovers
    import duckdb

    with duckdb.connect(str(export / "snapshot.duckdb"), read_only=True) as conn:
        assert conn.sql("SELECT count(*) FROM sessions").fetchall() == [(1,)]


def test_a_tiny_warehouse_gives_every_analysis_with_notes_not_errors(tmp_path):
    """Six sessions of two people: every analysis materialises; what cannot be estimated is a row with
    its reason (suppressed under the user threshold), never a KeyError or a NOT NULL violation."""
    import duckdb

    from sessionlab_assets.analyses.assets import ASSETS, AnalysisSettings
    from sessionlab_assets.classify.assets import classify_measures, session_measures
    from sessionlab_assets.classify.settings import ClassifierSettings

    source = tmp_path / "source"
    for n in range(6):
        s = ClaudeCodeTranscript(f"9a9a0000-0000-4000-8000-{n:012d}", datetime(2026, 1 + n % 3, 3 + n, 9))
        s.prompt("Fix the failing test in parser.py; the date parsing is off by one day.")
        call = s.tool("Bash", {"command": "pytest -q"})
        s.tool_result(call, "1 failed" if n % 2 else "5 passed", n % 2 == 1)
        s.prompt("Thanks, works." if n % 2 == 0 else "Still broken.")
        s.write(source / f"u{n % 2}" / "projects" / "p" / f"s{n}.jsonl")
    db = tmp_path / "w.duckdb"
    resources = {
        "warehouse_db": DuckDBResource(database=str(db)),
        "transcript_source": TranscriptSource(source_dir=str(source)),
        "classifier_settings": ClassifierSettings(backend_name="heuristic"),
        "analysis_settings": AnalysisSettings(),
    }
    tags = {"dagster/asset_partition_range_start": "2026-01", "dagster/asset_partition_range_end": "2026-03"}
    assert dg.materialize(
        [ingest_transcripts, classify_measures, session_measures], resources=resources, tags=tags
    ).success
    assert dg.materialize(ASSETS, resources=resources).success
    with duckdb.connect(str(db)) as conn:
        slopes = conn.sql(
            "SELECT count(*), count(note), bool_and(suppressed) FROM analysis_expertise_slopes"
        ).fetchall()
        rates = conn.sql("SELECT count(*), count(note), bool_and(suppressed) FROM analysis_adjusted_rates").fetchall()
    assert slopes == [(6, 6, True)]
    assert rates[0][0] > 0 and rates[0][1] > 0 and rates[0][2]  # notes among them; two people: all suppressed


def test_the_closing_summary_reads_the_snapshot(tmp_path):
    """What `make run` prints last: sessions, agents, files not read and why, where the report is."""
    import duckdb

    from sessionlab_assets.summary import summary_lines

    source = tmp_path / "source"
    session = ClaudeCodeTranscript("8e2f0000-0000-4000-8000-000000000003", datetime(2026, 1, 7, 9))
    session.prompt("Rename a function.")
    session.say("Renamed.")
    session.write(source / "ana" / "projects" / "app" / "s.jsonl")
    (source / "ana" / "notes.md").write_text("# notes\n")
    db = tmp_path / "w.duckdb"
    assert _ingest(db, source).success
    with duckdb.connect(str(db)) as conn:
        lines = summary_lines(conn, tmp_path / "report", tmp_path / "export" / "snapshot.duckdb")
    text = "\n".join(lines)
    assert "sessions      1 (0 headless" in text and "from 1 person" in text
    assert "claude-code 1" in text and "1 × not JSON lines" in text
    assert str(tmp_path / "report" / "report.html") in text
    assert "not written" not in text
    # Headless sessions are counted on the sessions line, not as the classifier abstaining.
    from sessionlab_assets import warehouse
    from sessionlab_assets.classify.inputs import HEADLESS_NOT_CLASSIFIED

    with duckdb.connect(str(db)) as conn:
        warehouse.ensure_schema(conn)
        conn.execute(
            "INSERT INTO work_mode (month, session_id, user_key, status, reason, backend, model, prompt_version, "
            "input_hash, work_mode) VALUES ('2026-01-01', 'a', 'u', 'ok', NULL, 'heuristic', 'heuristic', 'v', 'h', "
            "'build'), ('2026-01-01', 'b', 'u', 'abstained', ?, 'heuristic', 'heuristic', 'v', 'h', NULL)",
            [HEADLESS_NOT_CLASSIFIED],
        )
        lines = summary_lines(conn, tmp_path / "report", tmp_path / "export" / "snapshot.duckdb")
    assert any(line.endswith("work mode: 1 labelled, 0 abstained, 0 errors") for line in lines)
    # A few people under the default threshold: most cells hidden, and the setting that shows them is named.
    with duckdb.connect(str(db)) as conn:
        conn.execute("UPDATE sessions SET user_key = 'someone else'")
        conn.execute(
            "INSERT INTO sessions SELECT * REPLACE ('a third' AS user_key, 'another' AS session_id) FROM sessions"
        )
        conn.execute(
            "INSERT INTO analysis_suppressions VALUES ('composition_trends', 'analysis_mode_shares', 9, 8, 10)"
        )
        lines = summary_lines(conn, tmp_path / "report", tmp_path / "export" / "snapshot.duckdb")
    assert "privacy       8 of 9 published cells suppressed (fewer than 10 people)" in lines
    assert any(line.startswith("  most hidden SESSIONLAB_MIN_CELL_USERS=2") for line in lines)


def _january_of(tmp_path: Path, starts: list[datetime]) -> Path:
    """A warehouse with January 2026 written, from one person's one-prompt sessions started at `starts`."""
    source = tmp_path / "source"
    for number, started in enumerate(starts):
        session = ClaudeCodeTranscript(f"8e2f0000-0000-4000-8000-00000000001{number}", started)
        session.prompt("Rename a function.")
        session.say("Renamed.")
        session.write(source / "ana" / "projects" / "app" / f"s{number}.jsonl")
    db = tmp_path / "w.duckdb"
    assert _ingest(db, source).success
    return db


def test_the_closing_summary_names_sessions_in_months_not_written(tmp_path):
    """Sessions read but not written are named with their months, never only counted in a log line; those
    before the first month with partitions say which setting brings them in."""
    import duckdb

    from sessionlab_assets.summary import summary_lines

    db = _january_of(tmp_path, [datetime(2025, 6, 2, 9), datetime(2026, 1, 7, 9), datetime(2026, 3, 4, 9)])
    with duckdb.connect(str(db)) as conn:
        lines = summary_lines(conn, tmp_path / "report", tmp_path / "export" / "snapshot.duckdb")
    assert "not written   2 sessions in months this warehouse has not written: 2025-06 1, 2026-03 1" in lines
    assert any(
        line.startswith("  before      1 of them are dated before 2025-10") and "SESSIONLAB_FIRST_MONTH=2025-06" in line
        for line in lines
    )
    # Nothing in January: the analyses stop saying which months to run rather than "materialise some months".
    from sessionlab_assets.analyses.publication import _why_no_sessions

    with duckdb.connect(str(db)) as conn:
        conn.execute("DELETE FROM source_files WHERE month = '2026-01-01'")
        why = _why_no_sessions(conn)
    assert why == (
        "the 2 sessions read are in months no run has written (2025-06 1, 2026-03 1): set "
        "SESSIONLAB_FIRST_MONTH=2025-06 and run those months (make run MONTHS=2025-06...2026-03, or a backfill "
        "in the UI)."
    )


def test_sessions_dated_after_the_current_month_are_named_not_offered_to_run(tmp_path):
    """A session whose clock ran ahead has no partition yet: the summary and the analyses say so, and a
    MONTHS range past the current month stops before Dagster with one line."""
    import duckdb

    from sessionlab_assets.analyses.publication import _why_no_sessions
    from sessionlab_assets.partitions import check_range, last_month
    from sessionlab_assets.summary import summary_lines

    ahead = date.today().replace(day=1) + timedelta(days=400)
    db = _january_of(tmp_path, [datetime(2026, 1, 7, 9), datetime(ahead.year, ahead.month, 3, 9)])
    with duckdb.connect(str(db)) as conn:
        lines = summary_lines(conn, tmp_path / "report", tmp_path / "export" / "snapshot.duckdb")
        conn.execute("DELETE FROM source_files WHERE month = '2026-01-01'")
        why = _why_no_sessions(conn)
    assert any(
        line.startswith(f"  later       1 of them are dated after the current month, {last_month()}") for line in lines
    )
    assert why == (
        f"the 1 sessions read are in months no run has written ({ahead:%Y-%m} 1); 1 dated after the current month "
        f"({last_month()}) have no partition until their month comes."
    )
    with pytest.raises(ValueError, match=f"the last month with partitions is {last_month()}, the current month"):
        check_range(f"2026-01...{ahead:%Y-%m}")
    assert check_range(f"2026-01...{last_month()}") == f"2026-01...{last_month()}"


def test_make_run_with_your_own_transcripts_covers_every_month_to_the_current_one(monkeypatch):
    """A first `make run` over one's own transcripts (no MONTHS given) finds them wherever they fall: every
    month from the first partition to the current one (in UTC, the partitions' last month). The sample
    corpus keeps the report's months."""
    from sessionlab_assets.partitions import FIRST_MONTH, SAMPLE_MONTHS, default_range, last_month, monthly_partitions

    december = datetime(2026, 12, 5, tzinfo=UTC)
    monkeypatch.delenv("SESSIONLAB_SOURCE_DIR", raising=False)
    assert default_range(december) == SAMPLE_MONTHS == "2025-10...2026-04"
    monkeypatch.setenv("SESSIONLAB_SOURCE_DIR", "/home/dev/.claude/projects")
    assert default_range(december) == f"{FIRST_MONTH}...2026-12"
    # Late on 31 December west of Greenwich it is already January in UTC, and so in the partitions.
    assert last_month(datetime(2027, 1, 1, 1, tzinfo=UTC)) == "2027-01"
    assert last_month() == monthly_partitions.get_last_partition_key()


def test_any_selection_materialises_including_session_measures_and_its_parents(tmp_path):
    """`+key:"session_measures"` (the asset and its parents) materialises: the ingest no longer refuses a
    selection of some of its tables; it writes them all in its one transaction and reports the selected."""
    import duckdb

    from sessionlab_assets.classify.assets import classify_measures, session_measures
    from sessionlab_assets.classify.settings import ClassifierSettings

    source = tmp_path / "source"
    session = ClaudeCodeTranscript("8e2f0000-0000-4000-8000-000000000004", datetime(2026, 1, 8, 9))
    session.prompt("Add a --verbose flag to the CLI.")
    session.say("Added.")
    session.write(source / "ana" / "projects" / "app" / "s.jsonl")
    db = tmp_path / "w.duckdb"
    result = dg.materialize(
        [ingest_transcripts, classify_measures, session_measures],
        selection=dg.AssetSelection.from_string('+key:"session_measures"'),
        tags=MONTHS,
        resources={
            "warehouse_db": DuckDBResource(database=str(db)),
            "transcript_source": TranscriptSource(source_dir=str(source)),
            "classifier_settings": ClassifierSettings(backend_name="heuristic"),
        },
    )
    assert result.success
    reported = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert {"sessions", "work_mode", "session_measures"} <= reported
    with duckdb.connect(str(db)) as conn:
        assert conn.sql("SELECT count(*) FROM session_measures").fetchall() == [(1,)]
        assert conn.sql("SELECT count(*) FROM events").fetchall()[0][0] > 0  # written all the same


def test_a_headline_that_cannot_be_measured_says_why():
    from sessionlab_assets.report.headlines import _measured

    assert _measured(None, "share", 10)[1].startswith("no rows")
    assert _measured({"value": None, "suppressed": True}, "share", 10)[1] == "suppressed: fewer than 10 people"
    # One person's sessions (k = 1): only an empty cell is hidden, and the reason says so.
    assert _measured({"value": None, "suppressed": True}, "share", 1)[1] == "no sessions in the cell"
    assert (
        "too few" in _measured({"value": None, "suppressed": False, "note": "not estimated: too few"}, "points", 10)[1]
    )
    shown, why = _measured({"value": 0.125, "ci_low": 0.1, "ci_high": 0.15, "suppressed": False}, "share", 10)
    assert shown == "12.5% [10.0, 15.0]" and why == ""
    # A value without an interval says why there is none.
    shown, why = _measured(
        {"value": -0.5, "suppressed": False, "note": "no CI: 2026-06 has a single cluster"}, "change", 1
    )
    assert shown == "-50.0%" and why == "no CI: 2026-06 has a single cluster"


def test_a_user_rule_that_matches_no_path_is_refused(tmp_path):
    source = tmp_path / "source"
    session = ClaudeCodeTranscript("8e2f0000-0000-4000-8000-000000000005", datetime(2026, 1, 9, 9))
    session.prompt("Sort the imports.")
    session.say("Sorted.")
    session.write(source / "ana" / "projects" / "app" / "s.jsonl")
    result = dg.materialize(
        [ingest_transcripts],
        tags=MONTHS,
        raise_on_error=False,
        resources={
            "warehouse_db": DuckDBResource(database=str(tmp_path / "w.duckdb")),
            "transcript_source": TranscriptSource(source_dir=str(source), user_rule="regex:^people/([^/]+)/"),
        },
    )
    assert not result.success
    assert "matched none of the 1 sessions' paths" in str(result.all_events)


def test_one_persons_projects_folder_is_not_read_as_a_team(tmp_path):
    """Pointed at ~/.claude/projects with the default rule, each project would count as a person (and
    every cell under ten projects would be suppressed): the ingest stops, says to set
    SESSIONLAB_USER_RULE=single, and changes nothing. With `single` the same folder is one person."""
    import duckdb

    source = tmp_path / "projects"
    for number, project in enumerate(["-Users-ana-code-app", "-Users-ana-code-site", "C--Users-ana-notes"]):
        session = ClaudeCodeTranscript(f"8e2f0000-0000-4000-8000-00000000002{number}", datetime(2026, 1, 9, 9))
        session.prompt("Sort the imports.")
        session.say("Sorted.")
        session.write(source / project / f"s{number}.jsonl")

    def ingest(rule: str) -> dg.ExecuteInJobResult:
        return dg.materialize(
            [ingest_transcripts],
            tags=MONTHS,
            raise_on_error=False,
            resources={
                "warehouse_db": DuckDBResource(database=str(tmp_path / "w.duckdb")),
                "transcript_source": TranscriptSource(source_dir=str(source), user_rule=rule),
            },
        )

    refused = ingest("top_folder")
    assert not refused.success
    assert "set SESSIONLAB_USER_RULE=single" in str(refused.all_events).replace("Set", "set")
    assert "-Users-ana" not in str(refused.all_events)  # the folder names (a person's) are not repeated
    assert ingest("single").success
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        assert conn.sql("SELECT count(*), count(DISTINCT user_key) FROM sessions").fetchall() == [(3, 1)]
