"""Derived measures (MEASURES.md, "Derived measures"): the one definition of each, as polars
expressions over a frame with the classifier labels and telemetry of a session."""

from __future__ import annotations

import polars as pl

from sessionlab_assets.labels import SOFTWARE_OCCUPATION

succeeded = pl.col("outcome") == "succeeded"
failed = pl.col("outcome") == "failed"

at_least_partial_success = (
    pl.col("outcome").is_in(["succeeded", "partially_succeeded"]).alias("at_least_partial_success")
)
judged_success = succeeded.alias("judged_success")
# Judged failure: did not even partially succeed (the report's Figure 5, right panel).
judged_failure = failed.alias("judged_failure")
verified_success = (succeeded & (pl.col("success_signal") >= 4)).alias("verified_success")
verified_failure = (failed & (pl.col("failure_signal") >= 4)).alias("verified_failure")
hit_trouble = (pl.col("failure_signal") >= 3).alias("hit_trouble")
# "Lines added = 0" is not wrote_code (sql/telemetry/sessions.sql: lines added >= 1).
abandoned = ((pl.col("failure_signal") >= 3) & failed & ~pl.col("wrote_code")).alias("abandoned")
# Software occupation: user-profile group 15-0000 against any other known group; unclear stays null.
software_occupation = (
    pl.when(pl.col("occupation_user").is_null())
    .then(None)
    .otherwise(pl.col("occupation_user") == SOFTWARE_OCCUPATION)
    .alias("software_occupation")
)

# `wrote_code` (lines added >= 1) is telemetry, defined in sql/telemetry/sessions.sql.
ALL = (
    at_least_partial_success,
    judged_success,
    judged_failure,
    verified_success,
    verified_failure,
    hit_trouble,
    abandoned,
    software_occupation,
)
