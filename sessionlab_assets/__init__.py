"""sessionlab: measures of coding-agent sessions as Dagster assets over a DuckDB warehouse."""

import warnings

from dagster import BetaWarning

# Every partitioned asset uses Dagster's single-run backfill policy, which Dagster 1.13 still marks as
# beta; the README says so once, instead of a warning per asset in every run's output.
warnings.filterwarnings("ignore", category=BetaWarning)
