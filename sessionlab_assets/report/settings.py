"""Where the report and the export go, and whether the export carries the classifier windows."""

import dagster as dg

from sessionlab_assets import environment
from sessionlab_assets.resources import DATA_DIR


class ReportSettings(dg.ConfigurableResource):
    report_dir: str = str(DATA_DIR / "report")  # figures/*.png and report.html
    export_dir: str = str(DATA_DIR / "export")  # snapshot.duckdb and one Parquet file per view
    # The redacted classifier windows stay in the warehouse unless the user shares them on purpose.
    export_windows: bool = False


def report_settings() -> ReportSettings:
    return ReportSettings(
        report_dir=environment.text_field("SESSIONLAB_REPORT_DIR", str(DATA_DIR / "report")),
        export_dir=environment.text_field("SESSIONLAB_EXPORT_DIR", str(DATA_DIR / "export")),
        export_windows=environment.flag("SESSIONLAB_EXPORT_WINDOWS"),
    )
