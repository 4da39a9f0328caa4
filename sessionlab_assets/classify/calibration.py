"""The calibration set the job-price classifier prices against: real fixed-price freelance postings,
the same number from each value tier, drawn with a fixed seed.

The postings are read from a CSV of scraped marketplace jobs (columns `Job Title`, `Hourly/Fixed`,
`Budget`, `Level`, `Skills`); by default the one beside the project in
`../shared/corpus/freelance/`, or `SESSIONLAB_FREELANCE_CSV`. The file is scraped data: exact
duplicate rows are dropped before drawing, and only fixed-price rows with a dollar budget inside the
tier range are kept. The set becomes part of the job-price prompt, so its content is part of that
prompt's version.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import polars as pl

from sessionlab_assets.labels import VALUE_TIERS, value_tier

DEFAULT_POSTINGS_CSV = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "corpus"
    / "freelance"
    / "kadiroruc__UpworkProjectsPricePrediction"
    / "upwork_jobs.csv"
)
PER_TIER = 50  # 200 postings in all, as the report's calibration set
SEED = 20260601


class CalibrationUnavailable(RuntimeError):
    pass


def postings_csv() -> Path:
    return Path(os.environ.get("SESSIONLAB_FREELANCE_CSV", str(DEFAULT_POSTINGS_CSV))).expanduser()


def fixed_price_postings(path: Path) -> pl.DataFrame:
    """Distinct fixed-price postings with a dollar budget in the tier range, with their tier."""
    if not path.is_file():
        raise CalibrationUnavailable(
            f"freelance postings file {path} not found: set SESSIONLAB_FREELANCE_CSV to a CSV with columns "
            "Job Title, Hourly/Fixed, Budget, Level, Skills"
        )
    raw = pl.read_csv(path, infer_schema=False)
    missing = {"Job Title", "Hourly/Fixed", "Budget", "Level", "Skills"} - set(raw.columns)
    if missing:
        raise CalibrationUnavailable(f"{path} lacks columns {sorted(missing)}")
    low, high = VALUE_TIERS[1][0], VALUE_TIERS[4][1]
    postings = (
        raw.filter(pl.col("Hourly/Fixed") == "Fixed price")
        .unique(maintain_order=True)
        .select(
            title=pl.col("Job Title").str.strip_chars(),
            level=pl.col("Level"),
            skills=pl.col("Skills").fill_null(""),
            price_usd=pl.col("Budget")
            .str.extract(r"\$([\d,.]+)")
            .str.replace_all(",", "")
            .cast(pl.Float64, strict=False),
        )
        .filter(pl.col("price_usd").is_between(low, high, closed="left") & pl.col("title").is_not_null())
        .unique(subset=["title", "price_usd"], maintain_order=True)
    )
    return postings.with_columns(tier=pl.Series(value_tier(postings["price_usd"].to_numpy()), dtype=pl.Int8))


def calibration_set(path: Path | None = None, per_tier: int = PER_TIER, seed: int = SEED) -> pl.DataFrame:
    return _drawn((path or postings_csv()).resolve(), per_tier, seed)


@lru_cache(maxsize=8)
def _drawn(path: Path, per_tier: int, seed: int) -> pl.DataFrame:
    postings = fixed_price_postings(path)
    drawn = []
    for tier in VALUE_TIERS:
        in_tier = postings.filter(pl.col("tier") == tier)
        if in_tier.height < per_tier:
            raise CalibrationUnavailable(f"only {in_tier.height} postings in value tier {tier}; {per_tier} are needed")
        drawn.append(in_tier.sample(per_tier, seed=seed + tier))
    # Interleave tiers so the order of examples says nothing about price.
    return pl.concat(drawn).sample(fraction=1.0, shuffle=True, seed=seed)


def calibration_block(path: Path | None = None) -> str:
    rows = calibration_set(path).iter_rows(named=True)
    lines = [
        f"{i}. {row['title']} | level: {row['level']} | skills: {row['skills']} | paid: ${row['price_usd']:,.0f}"
        for i, row in enumerate(rows, start=1)
    ]
    return "<calibration_postings>\n" + "\n".join(lines) + "\n</calibration_postings>"
