"""The code location: assets, jobs and resources."""

from __future__ import annotations

import sys

import dagster as dg

from sessionlab_assets.analyses.assets import ASSETS as ANALYSES
from sessionlab_assets.analyses.publication import analysis_settings
from sessionlab_assets.classify.assets import classify_measures, session_measures
from sessionlab_assets.classify.label_checks import ASSETS as LABEL_CHECKS
from sessionlab_assets.classify.pricer_validation import pricer_validation
from sessionlab_assets.classify.settings import classifier_settings
from sessionlab_assets.environment import SettingError
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.report.assets import ASSETS as REPORT
from sessionlab_assets.report.settings import report_settings
from sessionlab_assets.resources import transcript_source, warehouse_resource

monthly_job = dg.define_asset_job(
    "monthly_pipeline",
    selection=dg.AssetSelection.assets(ingest_transcripts, classify_measures, session_measures),
    description="Every monthly asset for the selected months; a backfill of several months runs as one run.",
)

analyses_job = dg.define_asset_job(
    "analyses",
    selection=dg.AssetSelection.groups("analyses", "report"),
    description="The report's analyses over every month in session_measures, then the report and the warehouse "
    "snapshot.",
)


def _resources() -> dict:
    """The resources, set from the environment; a bad setting stops the code location with one line."""
    try:
        return {
            "warehouse_db": warehouse_resource(),
            "transcript_source": transcript_source(),
            "classifier_settings": classifier_settings(),
            "analysis_settings": analysis_settings(),
            "report_settings": report_settings(),
        }
    except SettingError as error:
        print(f"sessionlab: {error}", file=sys.stderr)
        raise SystemExit(2) from None


defs = dg.Definitions(
    # Each asset links to the file and line of its code in the UI (the asset's "Code" reference).
    assets=dg.with_source_code_references(
        [
            ingest_transcripts,
            classify_measures,
            session_measures,
            *ANALYSES,
            *REPORT,
            pricer_validation,
            *LABEL_CHECKS,
        ]
    ),
    jobs=[monthly_job, analyses_job],
    # Steps share one DuckDB file behind the `warehouse` pool, so they run one at a time anyway; in one
    # process they skip a Python start-up and import (seconds each) per step.
    executor=dg.in_process_executor,
    resources=_resources(),
)
