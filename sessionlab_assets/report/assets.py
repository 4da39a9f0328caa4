"""The report (PNG figures and a self-contained HTML page), refreshed after the analyses, and the
snapshot that follows it (snapshot.py)."""

import base64
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.analyses.assets import ASSETS as ANALYSES
from sessionlab_assets.analyses.assets import COMPUTED_IN
from sessionlab_assets.metadata import markdown_table
from sessionlab_assets.report import figures, html
from sessionlab_assets.report.headlines import headlines_table
from sessionlab_assets.report.settings import ReportSettings
from sessionlab_assets.report.snapshot import warehouse_snapshot

GROUP = "report"


# name -> (caption, analysis table, drawing function)
FIGURES = {
    "work_mode_shares": (
        "Work mode of sessions in the first and last month (95% CIs clustered by user; by session in one "
        "person's data).",
        "analysis_mode_shares",
        figures.work_mode_shares,
    ),
    "composition_over_months": (
        "Share of each work mode by month, a panel per mode (95% CI bands).",
        "analysis_mode_shares",
        figures.composition_over_months,
    ),
    "decision_shares": (
        "Distribution of the agent's share of planning and execution decisions.",
        "analysis_decision_shares",
        figures.decision_shares,
    ),
    "activity_by_expertise": (
        "Actions and output words per prompt by expertise: boxes span the interquartile range, whiskers "
        "the 5th to 95th percentile, white dots are geometric means.",
        "analysis_activity_boxes",
        figures.activity_by_expertise,
    ),
    "adjusted_rates": (
        "Adjusted rates by expertise (recycled predictions, column 5 fixed effects, 95% CIs): all sessions, "
        "and sessions that hit trouble. A level with no sessions is left blank.",
        "analysis_adjusted_rates",
        figures.adjusted_rates,
    ),
    "occupation_success": (
        "Verified and judged success in code-producing sessions, ten largest user occupations "
        "(95% CIs clustered by user; by session in one person's data).",
        "analysis_occupation_success",
        figures.occupation_success,
    ),
}


def _computed_in() -> dict[str, str]:
    """Analysis asset -> the module computing its tables, from the code reference each asset carries."""
    root = Path(__file__).resolve().parents[2]
    modules = {}
    for asset in ANALYSES:
        for reference in asset.specs_by_key[asset.key].metadata["dagster/code_references"].code_references:
            if reference.label == COMPUTED_IN:
                modules[asset.key.to_user_string()] = Path(reference.file_path).resolve().relative_to(root).as_posix()
    return modules


def _literal(path: Path) -> str:
    """A path as an SQL string literal (ATTACH and COPY take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _image(data: bytes) -> str:
    return f"![figure](data:image/png;base64,{base64.b64encode(data).decode()})"


@dg.asset(
    deps=ANALYSES,
    group_name=GROUP,
    kinds={"duckdb", "python", "html"},
    pool="warehouse",
    description="The report: one PNG per figure and a self-contained report.html with a coverage header and "
    "Tables A1/A2, written to SESSIONLAB_REPORT_DIR (default data/report).",
)
def report(warehouse_db: DuckDBResource, report_settings: ReportSettings) -> dg.MaterializeResult:
    with warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        tables = {table: conn.sql(f"SELECT * FROM {table}").pl() for _, table, _ in FIGURES.values()}
        coverage = html.read_coverage(conn)
        table_a1 = conn.sql(f"SELECT * FROM {html.TABLE_A1} ORDER BY specification").pl()
        table_a2 = conn.sql(f"SELECT * FROM {html.TABLE_A2} WHERE panel = 'table_a2'").pl()
        headlines = headlines_table(conn)
        checks = html.read_checks(conn)
        writers = html.read_writers(conn)
    if coverage.sessions == 0:
        raise dg.Failure("The warehouse has no sessions: materialise the monthly assets and the analyses first.")
    drawn = {
        name: (caption, table, figures.png(draw(tables[table]))) for name, (caption, table, draw) in FIGURES.items()
    }
    target = Path(report_settings.report_dir).expanduser()
    (target / "figures").mkdir(parents=True, exist_ok=True)
    for name, (_, _, data) in drawn.items():
        (target / "figures" / f"{name}.png").write_bytes(data)
    page = target / "report.html"
    page.write_text(html.render(coverage, drawn, table_a1, table_a2, headlines, checks, writers, _computed_in()))
    metadata = {
        "report": dg.MetadataValue.path(str(page)),
        "sessions": dg.MetadataValue.int(coverage.sessions),
        "headless_excluded": dg.MetadataValue.int(coverage.headless),
        "cells_suppressed": dg.MetadataValue.int(coverage.suppressed_cells),
        "backends": markdown_table(coverage.backends),
        "classifier_outcomes": markdown_table(coverage.classifiers, 12),
    }
    metadata.update(
        {
            f"figure_{name}": dg.MetadataValue.md(f"{caption}\n\n{_image(data)}")
            for name, (caption, _, data) in drawn.items()
        }
    )
    return dg.MaterializeResult(metadata=metadata)


ASSETS = [report, warehouse_snapshot]
