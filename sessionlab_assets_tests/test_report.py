"""The report and the snapshot, materialised after the whole pipeline on a small sample: figures as PNG
files, a self-contained HTML page with its coverage header and tables, the page rendered in headless
Chromium, and a snapshot that can be read while the warehouse is open for writing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from sessionlab_assets.analyses.assets import ASSETS as ANALYSES
from sessionlab_assets.analyses.assets import AnalysisSettings
from sessionlab_assets.classify.assets import classify_measures, session_measures
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.report.assets import ASSETS as REPORT
from sessionlab_assets.report.assets import FIGURES
from sessionlab_assets.report.settings import ReportSettings
from sessionlab_assets.resources import TranscriptSource
from sessionlab_assets.sample import corpus

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _whole_pipeline(root: Path, source: TranscriptSource, first: str, last: str, min_users: int) -> None:
    """Ingest and classify the months `first`..`last` offline, then every analysis, the report and the
    snapshot, into `root` (w.duckdb, report/, export/)."""
    db = DuckDBResource(database=str(root / "w.duckdb"))
    months = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    assert dg.materialize(
        [ingest_transcripts, classify_measures, session_measures],
        tags=months,
        resources={
            "warehouse_db": db,
            "transcript_source": source,
            "classifier_settings": ClassifierSettings(backend_name="heuristic"),
        },
    ).success
    result = dg.materialize(
        [*ANALYSES, *REPORT],
        resources={
            "warehouse_db": db,
            "analysis_settings": AnalysisSettings(min_users=min_users),
            "report_settings": ReportSettings(report_dir=str(root / "report"), export_dir=str(root / "export")),
        },
    )
    assert result.success


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    corpus.build(root / "sample", sessions=200, seed=5, workers=1)
    source = TranscriptSource(source_dir=str(root / "sample" / corpus.TRANSCRIPTS))
    _whole_pipeline(root, source, "2025-10", "2026-04", min_users=5)
    return root


def test_figures_and_page_are_written(built):
    for name in FIGURES:
        assert (built / "report" / "figures" / f"{name}.png").read_bytes().startswith(PNG_MAGIC), name
    page = (built / "report" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(FIGURES)  # self-contained: every figure embedded
    assert 'src="http' not in page and "src='http" not in page
    with duckdb.connect(str(built / "w.duckdb"), read_only=True) as conn:
        sessions = conn.sql("SELECT count(*) FROM sessions").fetchall()[0][0]
    assert f"<b>{sessions}</b>" in page  # coverage header: sessions found
    for text in (
        "headless, excluded",
        "cells suppressed",
        "Classifier outcomes per measure",
        "heuristic",
        "Prompt versions",
        "Table A1",
        "Table A2",
        "work mode × task-value band FE",  # the report's words, not a column name
        "Sessions by agent",
        "Your data beside the report",
        "Validation and samples",
        "Sample exclusions, step by step",
        "Verified success per expertise level (Table A1, column 5)",
        "Files not read, and why",
        # An empty check says why and how to fill it: `make run` leaves the label checks out.
        "(not run yet: these checks call the classifiers again",
        "--select &#x27;group:validation&#x27;",
        "(no labelled set: point SESSIONLAB_GOLD_LABELS",
        # Heuristic labels, made by the rules whose agreement is recorded: the figures are shown.
        "these rules agree with the labels",
    ):
        assert text in page, text


def test_every_table_and_figure_names_where_its_numbers_come_from(built):
    """A reader finds the code behind a number in one step: the page names the warehouse table, the asset
    that wrote it and the module that computed it (the asset's code reference in the UI says the same)."""
    page = (built / "report" / "report.html").read_text()
    with duckdb.connect(str(built / "w.duckdb"), read_only=True) as conn:
        writers = dict(conn.sql("SELECT DISTINCT table_name, analysis FROM analysis_suppressions").fetchall())
    root = Path(__file__).parents[1]
    for _, table, _ in FIGURES.values():
        line = page.split(f"Source: table <code>{table}</code>, written by the asset <code>{writers[table]}</code>")[1]
        module = line.split("(computed in <code>")[1].split("</code>")[0]
        assert (root / module).is_file() and module.startswith("sessionlab_assets/analyses/"), module
    assert (
        "Source: table <code>analysis_expertise_slopes</code>, written by the asset "
        "<code>adjusted_success_rates</code> (computed in <code>sessionlab_assets/analyses/adjusted_rates.py</code>)."
        in page
    )
    assert "Source: table <code>analysis_samples</code>." in page  # every analysis writes it
    # The headline table says which table each of its numbers is read from.
    assert "<th>source</th>" in page and "<td>analysis_composition_change</td>" in page


def test_classifier_outcomes_count_headless_sessions_apart_from_abstentions(tmp_path):
    """A headless session is not classified: the report's table and the measure's metadata count its rows
    apart, as the closing summary does, not as the classifier abstaining."""
    from sessionlab_assets.fixtures.build_fixture_corpus import build
    from sessionlab_assets.report.html import read_coverage

    db = DuckDBResource(database=str(tmp_path / "w.duckdb"))
    result = dg.materialize(
        [ingest_transcripts, classify_measures, session_measures],
        tags={"dagster/asset_partition_range_start": "2026-01", "dagster/asset_partition_range_end": "2026-03"},
        resources={
            "warehouse_db": db,
            "transcript_source": TranscriptSource(source_dir=str(build(tmp_path / "corpus"))),
            "classifier_settings": ClassifierSettings(backend_name="heuristic"),
        },
    )
    assert result.success
    work_mode = [  # one materialisation per month of the range, each with the range's counts
        m.metadata
        for m in result.asset_materializations_for_node("classify_measures")
        if m.asset_key.path == ["work_mode"]
    ]
    assert work_mode and all(m["headless_not_classified"].value == 1 and m["abstained"].value == 0 for m in work_mode)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
        sessions, headless = conn.sql("SELECT count(*), count(*) FILTER (WHERE headless) FROM sessions").fetchall()[0]
        outcomes = read_coverage(conn).classifiers
    assert headless > 0
    assert outcomes["headless, not classified"].to_list() == [headless] * outcomes.height
    counted = outcomes.select(pl.sum_horizontal("ok", "abstained", "error", "headless, not classified"))
    assert counted.to_series().to_list() == [sessions] * outcomes.height


def test_snapshot_is_readable_while_the_warehouse_is_being_written(built):
    writer = duckdb.connect(str(built / "w.duckdb"))  # holds the write lock, as a running materialisation would
    try:
        with duckdb.connect(str(built / "export" / "snapshot.duckdb"), read_only=True) as reader:
            assert reader.sql("SELECT count(*) FROM views.table_a1").fetchall()[0][0] == 6
            assert reader.sql("SELECT count(*) FROM session_measures").fetchall()[0][0] > 0
    finally:
        writer.close()
    parquet = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{built / 'export' / 'figure5_adjusted_rates.parquet'}')"
    ).fetchall()[0][0]
    assert parquet > 0


def test_snapshot_holds_every_table_and_view_of_the_warehouse_but_the_windows(built):
    # The redacted windows stay in the warehouse unless SESSIONLAB_EXPORT_WINDOWS is set (test_window_contents.py).
    catalog = (
        "SELECT schema_name, table_name, estimated_size FROM duckdb_tables() WHERE schema_name <> 'staging' "
        "AND table_name <> 'classifier_inputs' ORDER BY ALL",
        "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL",
    )
    with duckdb.connect(str(built / "w.duckdb"), read_only=True) as conn:
        tables, views = (conn.sql(query).fetchall() for query in catalog)
        counts = {(s, t): conn.sql(f'SELECT count(*) FROM "{s}"."{t}"').fetchall()[0][0] for s, t, _ in tables}
        columns = conn.sql(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' "
            "AND table_name <> 'classifier_inputs' ORDER BY ALL"
        ).fetchall()
    with duckdb.connect(str(built / "export" / "snapshot.duckdb"), read_only=True) as copy:
        assert [(s, t) for s, t, _ in copy.sql(catalog[0]).fetchall()] == [(s, t) for s, t, _ in tables]
        assert copy.sql(catalog[1]).fetchall() == views and ("views", "session_measures") in views
        assert {(s, t): copy.sql(f'SELECT count(*) FROM "{s}"."{t}"').fetchall()[0][0] for s, t, _ in tables} == counts
        assert (
            copy.sql(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' "
                "ORDER BY ALL"
            ).fetchall()
            == columns
        )
        assert copy.sql("SELECT count(*) FROM views.session_measures").fetchall() == [
            (counts[("main", "session_measures")],)
        ]


def test_the_report_renders_in_headless_chromium(built, tmp_path):
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium not installed")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,3000",
            f"--screenshot={shot}",
            (built / "report" / "report.html").as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    from PIL import Image

    image = Image.open(shot).convert("L")
    assert image.size == (1200, 3000)
    # A rendered page, not a blank one: many distinct grey levels (text, tables, plots).
    grey_levels = image.getcolors(maxcolors=256)  # [(count, level)]: a greyscale image has at most 256
    assert grey_levels is not None and len(grey_levels) > 50


def test_suppressed_cells_are_marked_in_the_figures():
    from datetime import date

    import polars as pl

    from sessionlab_assets.labels import WORK_MODES
    from sessionlab_assets.report import figures

    shares = pl.DataFrame(
        {
            "month": [date(2026, 1, 1), date(2026, 1, 1), date(2026, 4, 1)],
            "work_mode": ["fix", "plan", "fix"],
            "share": [0.4, None, 0.3],
            "ci_low": [0.3, None, 0.2],
            "ci_high": [0.5, None, 0.4],
            "suppressed": [False, True, False],
        }
    )
    figure = figures.work_mode_shares(shares)
    marks = [t.get_text() for axis in figure.axes for t in axis.texts]
    assert marks.count(figures.SUPPRESSED_MARK) == 1
    # On the month lines: an x at the foot of the axis for the suppressed point, and a word saying what it is.
    lines = figures.composition_over_months(shares)
    assert [axis.get_title() for axis in lines.axes] == list(WORK_MODES)  # a panel per mode
    axis = lines.axes[WORK_MODES.index("plan")]
    crosses = [c for c in axis.collections if c.get_offsets().shape[0] and c.get_paths()]
    at = axis.xaxis.convert_units(date(2026, 1, 1))
    assert any(len(c.get_offsets()) == 1 and tuple(c.get_offsets()[0]) == (at, 0.015) for c in crosses)
    assert any(figures.SUPPRESSED_MARK in t.get_text() for panel in lines.axes for t in panel.texts)


def test_log_axes_read_as_plain_numbers():
    import polars as pl

    from sessionlab_assets.report import figures

    boxes = pl.DataFrame(
        {
            "measure": ["actions_per_prompt"] * 2 + ["output_words_per_prompt"] * 2,
            "expertise": [2, 4, 2, 4],
            "p5": [1.0, 2.0, 10.0, 20.0],
            "p25": [2.0, 4.0, 30.0, 60.0],
            "p50": [4.0, 8.0, 100.0, 200.0],
            "p75": [8.0, 16.0, 300.0, 600.0],
            "p95": [20.0, 40.0, 1000.0, 2000.0],
            "geometric_mean": [4.0, 8.0, 110.0, 210.0],
        }
    )
    figure = figures.activity_by_expertise(boxes)
    figure.canvas.draw()
    labels = [t.get_text() for axis in figure.axes for t in axis.get_yticklabels() if t.get_text()]
    assert labels and not any("10^" in label or "times" in label or "$" in label for label in labels)


def test_a_panel_with_nothing_to_draw_says_why():
    """One person's sessions that hit trouble are too few for column 5's fixed effects: the panels say the
    analysis's note instead of standing empty."""
    import polars as pl

    from sessionlab_assets.report import figures

    why = "not estimated: absorbed by the fixed effects in these rows: const"
    rates = pl.DataFrame(
        {
            "panel": ["all", "trouble", "trouble"],
            "outcome": ["verified_success", "verified_success", "abandoned"],
            "expertise": [3, 3, 3],
            "rate": [0.3, None, None],
            "ci_low": [0.2, None, None],
            "ci_high": [0.4, None, None],
            "suppressed": [False, False, False],
            "note": [None, why, why],
        }
    )
    figure = figures.adjusted_rates(rates)
    texts = [" ".join(t.get_text().split()) for t in figure.axes[1].texts + figure.axes[2].texts]
    assert texts == [why, why]
    assert not figure.axes[0].texts


def test_every_figure_draws_from_an_empty_table():
    """A figure whose analysis produced no rows (one person's few sessions: none in a month, none that
    wrote code) says so in its panel instead of failing the report."""
    from sessionlab_assets import warehouse

    with duckdb.connect() as conn:
        warehouse.ensure_schema(conn)
        for name, (_, table, draw) in FIGURES.items():
            figure = draw(conn.sql(f"SELECT * FROM {table}").pl())
            texts = [t.get_text() for axis in figure.axes for t in axis.texts]
            assert figure.axes, name
            if name in ("work_mode_shares", "occupation_success"):
                assert texts and texts[0].startswith("no "), name


def test_one_persons_single_session_gets_a_report(tmp_path):
    """The smallest warehouse a person can have: one session that reads files and changes nothing (no
    code written, so no occupation rates). The whole pipeline runs to the report and the snapshot."""
    from datetime import datetime

    from sessionlab_assets.fixtures.transcripts import ClaudeCodeTranscript

    session = ClaudeCodeTranscript("5f0c4d1e-1111-4222-8333-444455556666", datetime(2026, 3, 2, 9, 0))
    session.prompt("why does the parser drop the last line of a file? look at src/parser.py")
    read = session.tool("Read", {"file_path": "/home/dev/project/src/parser.py"})
    session.tool_result(read, "def parse(text):\n    return text.splitlines()[:-1]\n")
    session.say("It slices off the last line: `[:-1]` drops it whether or not the file ends with a newline.")
    session.write(tmp_path / "projects" / "-home-dev-project" / f"{session.session_id}.jsonl")
    source = TranscriptSource(source_dir=str(tmp_path / "projects"), user_rule="single")
    _whole_pipeline(tmp_path, source, "2026-03", "2026-03", min_users=AnalysisSettings().min_users)
    assert (tmp_path / "report" / "report.html").stat().st_size > 0
    assert any((tmp_path / "export").iterdir())
    for name in FIGURES:
        assert (tmp_path / "report" / "figures" / f"{name}.png").read_bytes().startswith(PNG_MAGIC)


def test_an_adjusted_rate_beyond_zero_or_one_is_marked_not_drawn_as_the_edge():
    """A linear probability model's adjusted rate can fall below 0 on few sessions: the figure draws a
    hollow triangle at the edge and says so, instead of a point that reads as a rate of 0."""
    import polars as pl

    from sessionlab_assets.report import figures

    rates = pl.DataFrame(
        {
            "panel": ["all"] * 3,
            "outcome": ["verified_success"] * 3,
            "expertise": [2, 3, 4],
            "rate": [0.3, -0.05, 1.08],
            "ci_low": [0.2, -0.2, 0.9],
            "ci_high": [0.4, 0.1, 1.2],
            "suppressed": [False, False, False],
            "note": [None, None, None],
        }
    )
    from matplotlib.collections import PathCollection

    figure = figures.adjusted_rates(rates)
    triangles = sorted(tuple(c.get_offsets()[0]) for c in figure.axes[0].collections if isinstance(c, PathCollection))
    assert triangles == [(3.0, 0.0), (4.0, 1.0)]
    assert figures.BEYOND_NOTE in [t.get_text() for t in figure.texts]
    inside = figures.adjusted_rates(rates.with_columns(pl.col("rate").clip(0.0, 1.0)))
    assert figures.BEYOND_NOTE not in [t.get_text() for t in inside.texts]


def test_heuristic_labels_come_with_the_rules_measured_agreement():
    from sessionlab_assets.classify import heuristic, rules_agreement
    from sessionlab_assets.report.html import heuristic_caveat

    recorded = rules_agreement.recorded()
    page = heuristic_caveat(recorded, {heuristic.VERSION})
    work_mode = next(row for row in recorded["classifiers"] if row["classifier"] == "work_mode")
    assert f"On {recorded['sessions']} real sessions of {recorded['people']} people" in page
    assert f"{work_mode['accuracy']:.2f} [{work_mode['accuracy_low']:.2f}, {work_mode['accuracy_high']:.2f}]" in page
    # Labels made by other rules than those measured: the figures are not theirs.
    older = "rules-0000000000000000"
    stale = heuristic_caveat(recorded, {older})
    assert (
        f"measured for other rules ({heuristic.VERSION}), not for those that labelled these sessions ({older})" in stale
    )
    assert "measured never" in heuristic_caveat(None, {heuristic.VERSION})


def test_figures_are_written_with_their_intervals_in_their_place():
    from sessionlab_assets.report.html import with_intervals

    frame = pl.DataFrame(
        {
            "label": ["a", "b", "c"],
            "exact": [0.5234, 0.9, None],
            "exact_low": [0.41, None, None],
            "exact_high": [0.63, None, None],
            "adjacent": [0.8, 0.9, 1.0],
        }
    )
    shown = with_intervals(frame)
    assert shown.columns == ["label", "exact [95% CI]", "adjacent"]
    assert shown["exact [95% CI]"].to_list() == ["0.52 [0.41, 0.63]", "0.90", None]
