"""How far the offline heuristic backend agrees with the planted labels of the sample corpus.

    python benchmarks/heuristic_agreement.py [--sessions 3000] [--seed 20260601]

Builds a sample corpus in a temporary folder, runs ingest and every classifier measure with the
heuristic backend through Dagster into a temporary warehouse, joins the labels to the planted ground
truth on session id, and prints per classifier: sessions compared, accuracy, Cohen's kappa, and for
ordinal scales adjacent agreement and quadratic-weighted kappa. Planted labels the text carries no
signal for (expertise or profession "unclear") are compared as their own category.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets.classify import agreement
from sessionlab_assets.classify.assets import classify_measures
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.ingest.assets import ingest_transcripts
from sessionlab_assets.labels import CODEBASE_RELATIONSHIPS, OUTCOMES, SIGNAL_LEVELS, WORK_MODES
from sessionlab_assets.resources import TranscriptSource
from sessionlab_assets.sample import corpus

LABELS_SQL = """
SELECT wm.session_id, wm.work_mode, ex.expertise, ou.occupation_user, ow.occupation_work, oc.outcome,
       ss.success_signal, fs.failure_signal, de.user_planning_share, de.user_execution_share, tv.value_tier
FROM work_mode wm
JOIN expertise ex USING (session_id) JOIN occupation_user ou USING (session_id)
JOIN occupation_work ow USING (session_id)
JOIN outcome oc USING (session_id) JOIN success_signal ss USING (session_id) JOIN failure_signal fs USING (session_id)
JOIN decisions de USING (session_id) JOIN task_value tv USING (session_id)
WHERE wm.status <> 'error'
"""


def run(sessions: int, seed: int) -> pl.DataFrame:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        corpus.build(root / "sample", sessions=sessions, seed=seed)
        db = root / "w.duckdb"
        started = time.perf_counter()
        result = dg.materialize(
            [ingest_transcripts, classify_measures],
            resources={
                "warehouse_db": DuckDBResource(database=str(db)),
                "transcript_source": TranscriptSource(source_dir=str(root / "sample" / corpus.TRANSCRIPTS)),
                "classifier_settings": ClassifierSettings(backend_name="heuristic"),
            },
            tags={"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-04"},
        )
        assert result.success
        print(f"ingest + heuristic classification of {sessions} sessions: {time.perf_counter() - started:.1f}s")
        with duckdb.connect(str(db), read_only=True) as conn:
            labels = conn.sql(LABELS_SQL).pl()
        truth = corpus.read_ground_truth(root / "sample")
    return truth.join(labels, on="session_id", suffix="_label")


def rows(joined: pl.DataFrame) -> list[dict]:
    out = []

    def nominal(name: str, truth: pl.Series, labels: pl.Series, categories=None) -> None:
        t, lab = truth.fill_null("unclear").to_numpy(), labels.fill_null("unclear").to_numpy()
        out.append(
            {
                "classifier": name,
                "sessions": len(t),
                "accuracy": agreement.accuracy(t, lab),
                "kappa": agreement.cohen_kappa(t, lab, categories),
                "adjacent": None,
                "weighted_kappa": None,
            }
        )

    def ordinal(name: str, truth: pl.Series, labels: pl.Series, categories: list) -> None:
        keep = truth.is_not_null() & labels.is_not_null()
        t, lab = truth.filter(keep).to_numpy(), labels.filter(keep).to_numpy()
        out.append(
            {
                "classifier": name,
                "sessions": len(t),
                "accuracy": agreement.accuracy(t, lab),
                "kappa": agreement.cohen_kappa(t, lab, categories),
                "adjacent": agreement.adjacent_agreement(t, lab),
                "weighted_kappa": agreement.cohen_kappa(t, lab, categories, weights="quadratic"),
            }
        )

    j = joined
    nominal("work_mode", j["work_mode"], j["work_mode_label"], list(WORK_MODES))
    expertise_truth = pl.when(j["expertise_signalled"]).then(j["expertise"]).otherwise(None)
    ordinal(
        "expertise (signalled)", j.select(e=expertise_truth)["e"], j["expertise_label"].cast(pl.Int64), [1, 2, 3, 4, 5]
    )
    user_truth = j.select(o=pl.when(pl.col("occupation_signalled")).then(pl.col("occupation_user")))["o"]
    nominal("occupation_user", user_truth, j["occupation_user_label"])
    nominal("occupation_work", j["occupation_work"], j["occupation_work_label"])
    nominal("outcome", j["outcome"], j["outcome_label"], list(OUTCOMES))
    ordinal("success_signal", j["success_signal"], j["success_signal_label"].cast(pl.Int64), list(SIGNAL_LEVELS))
    ordinal("failure_signal", j["failure_signal"], j["failure_signal_label"].cast(pl.Int64), list(SIGNAL_LEVELS))
    ordinal(
        "value_tier (job_price)", j["value_tier"].cast(pl.Int64), j["value_tier_label"].cast(pl.Int64), [1, 2, 3, 4]
    )
    for share in ("user_planning_share", "user_execution_share"):
        keep = j[f"{share}_label"].is_not_null()
        t, lab = j[share].filter(keep).to_numpy(), j[f"{share}_label"].filter(keep).to_numpy()
        out.append(
            {
                "classifier": f"decisions: {share} (|error| <= 0.2)",
                "sessions": len(t),
                "accuracy": float(np.mean(np.abs(t - lab) <= 0.2)),
                "kappa": float(np.corrcoef(t, lab)[0, 1]),
                "adjacent": None,
                "weighted_kappa": None,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    args = parser.parse_args()
    joined = run(args.sessions, args.seed)
    table = pl.DataFrame(rows(joined)).with_columns(pl.col(pl.Float64).round(3))
    print("(for the decision shares, 'kappa' is the Pearson correlation with the planted share)")
    with pl.Config(tbl_rows=30, tbl_width_chars=140, fmt_str_lengths=50):
        print(table)
    print(
        "codebase_relationship: not planted in the sample world, so not scored; labels:",
        ", ".join(CODEBASE_RELATIONSHIPS),
    )


if __name__ == "__main__":
    main()
