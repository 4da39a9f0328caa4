from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
REAL_CORPUS = SHARED / "corpus" / "real"


@pytest.fixture(scope="session")
def real_corpus() -> Path:
    """The real transcripts beside the checkout. Skipped when absent, except in CI where they must be there."""
    if not (REAL_CORPUS / "MANIFEST.tsv").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the real corpus is missing at {REAL_CORPUS}")
        pytest.skip(f"real corpus not found at {REAL_CORPUS}")
    return REAL_CORPUS


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` (spec, real transcripts, freelance postings). Skipped when absent, except in CI."""
    if not (SHARED / "corpus" / "freelance" / "MANIFEST.tsv").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {SHARED} is missing")
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture
def dagster_home(tmp_path) -> Path:
    """A Dagster instance folder with the project's instance settings (the `warehouse` pool of one), as
    `make setup` makes it."""
    import shutil

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "instance" / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture
def freelance_postings(tmp_path) -> Path:
    """A postings file for the pricer's holdout check: the calibration set's postings (which the check
    must leave out) and ten fabricated postings a tier, each priced inside its tier."""
    import polars as pl

    from sessionlab_assets.classify.calibration import calibration_set

    fabricated = [
        (f"Fabricated job {tier}-{i}", base + step * i, "Intermediate", "Python, SQL")
        for tier, (base, step) in enumerate(((15, 3), (250, 12), (1_500, 50), (8_000, 500)), start=1)
        for i in range(10)
    ]
    used = calibration_set().select("title", "price_usd", "level", "skills").rows()
    path = tmp_path / "postings.csv"
    pl.DataFrame(
        {
            "Job Title": [r[0] for r in [*used, *fabricated]],
            "Hourly/Fixed": "Fixed price",
            "Budget": [f"Est. budget: ${r[1]:,.2f}" for r in [*used, *fabricated]],
            "Level": [r[2] for r in [*used, *fabricated]],
            "Skills": [r[3] for r in [*used, *fabricated]],
        }
    ).write_csv(path)
    return path


@pytest.fixture
def ledger(tmp_path):
    """A classifier ledger on a fresh warehouse."""
    import duckdb

    from sessionlab_assets import warehouse
    from sessionlab_assets.classify.calls import Ledger

    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.ensure_schema(conn)
    yield Ledger(conn)
    conn.close()
