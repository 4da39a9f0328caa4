"""The code location: assets, jobs and resources."""

from __future__ import annotations

import dagster as dg

from sessionlab_assets.classify.assets import classify_measures, session_measures
from sessionlab_assets.classify.settings import classifier_settings
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.resources import transcript_source, warehouse_resource

monthly_job = dg.define_asset_job(
    "monthly_pipeline",
    selection=dg.AssetSelection.assets(ingest_transcripts, classify_measures, session_measures),
    description="Every monthly asset for the selected months; a backfill of several months runs as one run.",
)

defs = dg.Definitions(
    assets=[ingest_transcripts, classify_measures, session_measures],
    jobs=[monthly_job],
    resources={"warehouse_db": warehouse_resource(), "transcript_source": transcript_source(),
               "classifier_settings": classifier_settings()},
)
