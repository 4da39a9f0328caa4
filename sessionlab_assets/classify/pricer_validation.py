"""How well the job-price classifier prices real postings: the report's holdout check.

Holdout postings are drawn from the same postings file as the calibration set, disjoint from it, up to
250 per value tier with a fixed seed. Each is priced by the configured backend through the ledger
(a re-run is free, the budget and the dry run apply) and compared with the price its client set:

- log R²: squared Pearson correlation of log actual and log predicted price;
- level R²: the same in dollars;
- bias: the geometric mean of predicted / actual (1 is unbiased; above 1 over-prices);
- median predicted and median actual price;

overall and per tier, with percentile intervals from 1,000 bootstrap draws of postings (within tier
for the tier rows, within each tier for the overall row, so every draw keeps the tier balance). A
correlation is undefined when the predictions do not vary (the offline rules price from session
telemetry, which a posting does not have): it is then NULL and the note says why.
"""

from collections import Counter
from pathlib import Path

import dagster as dg
import numpy as np
import polars as pl
from dagster_duckdb import DuckDBResource

from sessionlab_assets import warehouse
from sessionlab_assets.classify import calibration, plan
from sessionlab_assets.classify.calls import CallKey, CallRequest, CallResult, Ledger, text_hash
from sessionlab_assets.classify.outputs import JobPosting, JobPrice
from sessionlab_assets.classify.registry import CLASSIFIERS, chained_input
from sessionlab_assets.classify.run import RunCounts, run_calls
from sessionlab_assets.classify.settings import ClassifierSettings
from sessionlab_assets.labels import VALUE_TIERS
from sessionlab_assets.metadata import markdown_table

HOLDOUT_PER_TIER = 250
BOOTSTRAP_DRAWS = 1_000
SEED = 20260602  # not the calibration seed


def holdout_postings(postings_csv: Path, per_tier: int = HOLDOUT_PER_TIER, seed: int = SEED) -> pl.DataFrame:
    """Fixed-price postings of `postings_csv` outside the calibration set, up to `per_tier` of each tier."""
    postings = calibration.fixed_price_postings(postings_csv)
    used = calibration.calibration_set().select("title", "price_usd")
    rest = postings.join(used, on=["title", "price_usd"], how="anti")
    drawn = []
    for tier in VALUE_TIERS:
        in_tier = rest.filter(pl.col("tier") == tier)
        drawn.append(in_tier.sample(min(per_tier, in_tier.height), seed=seed + tier))
    return pl.concat(drawn)


def posting_text(row: dict) -> str:
    """A holdout posting as the price classifier reads a session's posting (registry.chained_input)."""
    skills = [s.strip() for s in str(row["skills"] or "").split(",") if s.strip()]
    posting = JobPosting.model_construct(
        title=row["title"][:80],
        description=f"Fixed-price job. Experience level asked for: {row['level']}.",
        skills=skills,
    )
    return chained_input(CLASSIFIERS["job_price"], posting)


def price_requests(holdout: pl.DataFrame, backend) -> list[CallRequest]:
    classifier = CLASSIFIERS["job_price"]
    version, model = backend.version_of(classifier), backend.model_for(classifier)
    requests = []
    for row in holdout.iter_rows(named=True):
        text = posting_text(row)
        requests.append(CallRequest(CallKey(classifier.name, version, model, text_hash(text)), classifier, text))
    return requests


def priced(holdout: pl.DataFrame, backend, ledger: Ledger) -> tuple[pl.DataFrame, RunCounts, Counter]:
    """The holdout with a `predicted_usd` column (NULL where the call failed) and the failures by reason."""
    requests = price_requests(holdout, backend)
    counts = RunCounts()
    outcomes = run_calls({r.key: r for r in requests}, backend, ledger, counts, reuse_errors=False)
    predicted, failures = [], Counter()
    for request in requests:
        outcome = outcomes[request.key]
        if isinstance(outcome, CallResult) and outcome.status == "ok":
            predicted.append(JobPrice.model_validate_json(outcome.output_json).price_usd)
        else:
            predicted.append(None)
            failures[outcome if isinstance(outcome, str) else (outcome.reason or outcome.status)] += 1
    return holdout.with_columns(predicted_usd=pl.Series(predicted, dtype=pl.Float64)), counts, failures


def _r2(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1] ** 2)


def _metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    return {
        "log_r2": _r2(np.log(actual), np.log(predicted)),
        "level_r2": _r2(actual, predicted),
        "bias": float(np.exp(np.mean(np.log(predicted / actual)))) if len(actual) else None,
    }


def _interval(values: list[float | None]) -> tuple[float | None, float | None]:
    kept = np.array([v for v in values if v is not None])
    if len(kept) < len(values) * 0.9:  # undefined in too many draws to give an interval
        return None, None
    return float(np.percentile(kept, 2.5)), float(np.percentile(kept, 97.5))


TABLE_SCHEMA = {
    "tier": pl.String,
    "price_range": pl.String,
    "postings": pl.Int64,
    "priced": pl.Int64,
    **{f"{m}{end}": pl.Float64 for m in ("log_r2", "level_r2", "bias") for end in ("", "_low", "_high")},
    "median_predicted": pl.Float64,
    "median_actual": pl.Float64,
    "note": pl.String,
}


def validation_table(frame: pl.DataFrame, draws: int = BOOTSTRAP_DRAWS, seed: int = SEED) -> pl.DataFrame:
    """One row per tier and one overall: n, the three metrics with bootstrap intervals, medians."""
    rng = np.random.default_rng(seed)
    ok = frame.filter(pl.col("predicted_usd").is_not_null())
    groups = {str(tier): ok.filter(pl.col("tier") == tier) for tier in VALUE_TIERS}
    rows = []
    for name, members in [("overall", ok), *groups.items()]:
        actual, predicted = members["price_usd"].to_numpy(), members["predicted_usd"].to_numpy()
        point = _metrics(actual, predicted) if len(actual) else {"log_r2": None, "level_r2": None, "bias": None}
        parts = list(groups.values()) if name == "overall" else [members]
        samples: dict[str, list] = {metric: [] for metric in point}
        for _ in range(draws if len(actual) else 0):
            picks = [part[rng.integers(0, part.height, part.height)] for part in parts if part.height]
            drawn = pl.concat(picks)
            for metric, value in _metrics(drawn["price_usd"].to_numpy(), drawn["predicted_usd"].to_numpy()).items():
                samples[metric].append(value)
        low, high = VALUE_TIERS[int(name)] if name != "overall" else (VALUE_TIERS[1][0], VALUE_TIERS[4][1])
        row = {
            "tier": name,
            "price_range": f"${low:,.0f}–{high:,.0f}",
            "postings": frame.filter(pl.col("tier") == int(name)).height if name != "overall" else frame.height,
            "priced": len(actual),
        }
        for metric, value in point.items():
            row[metric] = value
            row[f"{metric}_low"], row[f"{metric}_high"] = (
                _interval(samples[metric]) if samples[metric] else (None, None)
            )
        row["median_predicted"] = float(np.median(predicted)) if len(predicted) else None
        row["median_actual"] = float(np.median(actual)) if len(actual) else None
        constant = len(predicted) and np.ptp(predicted) == 0
        row["note"] = "predictions do not vary: correlations are undefined" if constant else None
        rows.append(row)
    return pl.DataFrame(rows, schema=TABLE_SCHEMA)


@dg.asset(
    group_name="validation",
    kinds={"duckdb", "python"},
    pool="warehouse",
    description="The job-price classifier on real holdout postings disjoint from its calibration set: log and "
    "level R², bias and medians per value tier with bootstrap intervals (sql/schema/analysis_pricer_validation.sql).",
)
def pricer_validation(
    context: dg.AssetExecutionContext, warehouse_db: DuckDBResource, classifier_settings: ClassifierSettings
) -> dg.MaterializeResult:
    backend = classifier_settings.backend(log=context.log.info)
    holdout = holdout_postings(classifier_settings.postings_csv())
    if classifier_settings.dry_run:
        projection = plan.project(
            [
                plan.planned_call(r.classifier, r.key.model, r.input_text, r.key.input_hash)
                for r in price_requests(holdout, backend)
            ],
            batch=classifier_settings.mode == "batch",
            caching=True,
        )
        dollars = projection["dollars"].sum()
        raise dg.Failure(
            description=f"Dry run: pricing {holdout.height} holdout postings would cost about ${dollars:.2f}; "
            "nothing was called or written.",
            metadata={"projection": markdown_table(projection.with_columns(pl.col("dollars").round(4)), 5)},
        )
    with warehouse_db.get_connection() as conn:
        warehouse.ensure_schema(conn)
        frame, counts, failures = priced(holdout, backend, Ledger(conn))
        table = validation_table(frame).with_columns(
            backend=pl.lit(backend.name), model=pl.lit(backend.model_for(CLASSIFIERS["job_price"]))
        )
        warehouse.replace_analysis(conn, "pricer_validation", {"analysis_pricer_validation": table}, {})
    shown = table.select(
        "tier",
        "priced",
        *(pl.col(c).round(3) for c in ("log_r2", "level_r2", "bias")),
        "median_predicted",
        "median_actual",
    )
    return dg.MaterializeResult(
        metadata={
            "backend": dg.MetadataValue.text(f"{backend.name} ({backend.model_for(CLASSIFIERS['job_price'])})"),
            "holdout_postings": dg.MetadataValue.int(holdout.height),
            "calls_made": dg.MetadataValue.int(counts.called.total()),
            "calls_from_ledger": dg.MetadataValue.int(counts.cached.total()),
            "failed_calls": dg.MetadataValue.json(dict(failures)),
            "table": markdown_table(shown, 6),
            "report_figures": dg.MetadataValue.text(
                "log R² 0.38 overall; bias 2.39 ($10–200) and 0.14 ($5,000–50,000)"
            ),
        }
    )
