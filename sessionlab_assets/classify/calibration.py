"""The calibration set the job-price classifier prices against: real fixed-price freelance postings,
the same number from each value tier, drawn with a fixed seed.

The set is part of the job-price prompt, so it is kept beside the prompt, in
`prompts/job_price_calibration.csv`, and its content is part of that prompt's version: classifying
needs no postings file. It was drawn from a CSV of scraped marketplace jobs (columns `Job Title`,
`Hourly/Fixed`, `Budget`, `Level`, `Skills`), by default the one beside the project in
`../shared/corpus/freelance/`; `python -m sessionlab_assets.classify.calibration [CSV]` draws it again.
The file is scraped data: exact duplicate rows are dropped before drawing, and only fixed-price rows
with a dollar budget inside the tier range are kept. The pricer's holdout check reads the whole
postings file (`SESSIONLAB_FREELANCE_CSV`, through the classifier settings).
"""

from __future__ import annotations

import argparse
from functools import lru_cache
from pathlib import Path

import polars as pl

from sessionlab_assets.labels import VALUE_TIERS, value_tier
from sessionlab_assets.paths import PROMPTS_DIR

DEFAULT_POSTINGS_CSV = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "corpus"
    / "freelance"
    / "kadiroruc__UpworkProjectsPricePrediction"
    / "upwork_jobs.csv"
)
CALIBRATION_CSV = PROMPTS_DIR / "job_price_calibration.csv"
PER_TIER = 50  # 200 postings in all, as the report's calibration set
SEED = 20260601
COLUMNS = {"title": pl.String, "level": pl.String, "skills": pl.String, "price_usd": pl.Float64, "tier": pl.Int8}


class CalibrationUnavailable(RuntimeError):
    pass


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


def drawn_set(path: Path, per_tier: int = PER_TIER, seed: int = SEED) -> pl.DataFrame:
    """`per_tier` postings of each value tier of the postings file at `path`, in an order that says
    nothing about price."""
    postings = fixed_price_postings(path)
    drawn = []
    for tier in VALUE_TIERS:
        in_tier = postings.filter(pl.col("tier") == tier)
        if in_tier.height < per_tier:
            raise CalibrationUnavailable(f"only {in_tier.height} postings in value tier {tier}; {per_tier} are needed")
        drawn.append(in_tier.sample(per_tier, seed=seed + tier))
    # Interleave tiers so the order of examples says nothing about price.
    return pl.concat(drawn).sample(fraction=1.0, shuffle=True, seed=seed)


@lru_cache(maxsize=1)
def calibration_set() -> pl.DataFrame:
    """The calibration set the job-price prompt carries."""
    if not CALIBRATION_CSV.is_file():
        raise CalibrationUnavailable(
            f"{CALIBRATION_CSV} not found: draw it with `python -m sessionlab_assets.classify.calibration`"
        )
    return pl.read_csv(CALIBRATION_CSV, schema=COLUMNS)


def calibration_block() -> str:
    rows = calibration_set().iter_rows(named=True)
    lines = [
        f"{i}. {row['title']} | level: {row['level']} | skills: {row['skills']} | paid: ${row['price_usd']:,.0f}"
        for i, row in enumerate(rows, start=1)
    ]
    return "<calibration_postings>\n" + "\n".join(lines) + "\n</calibration_postings>"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Draw the job-price calibration set into " + str(CALIBRATION_CSV))
    parser.add_argument("postings_csv", type=Path, nargs="?", default=DEFAULT_POSTINGS_CSV)
    args = parser.parse_args(argv)
    drawn_set(args.postings_csv.expanduser()).select(list(COLUMNS)).write_csv(CALIBRATION_CSV)
    print(f"wrote {CALIBRATION_CSV}")


if __name__ == "__main__":
    main()
