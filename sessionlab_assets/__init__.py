"""sessionlab: measures of coding-agent sessions as Dagster assets over a DuckDB warehouse."""

import warnings

from dagster import BetaWarning

# Every partitioned asset uses Dagster's single-run backfill policy and every asset carries code
# references, both beta in Dagster 1.13; the README says so once ("Months and backfills"), instead of a
# warning per asset in every run's output.
warnings.filterwarnings("ignore", category=BetaWarning)
