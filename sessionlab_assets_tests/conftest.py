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


@pytest.fixture(autouse=True, scope="session")
def freelance_postings(tmp_path_factory) -> Path:
    """A small fabricated postings file for the job-price prompt, so classifier tests do not depend on
    `../shared`; the calibration test reads the real file explicitly."""
    path = tmp_path_factory.mktemp("freelance") / "postings.csv"
    rows = ["Job Title,Hourly/Fixed,Budget,Level,Skills"]
    # Sixty postings a tier, each priced inside its tier (the calibration draws fifty).
    for tier, (base, step) in enumerate(((15, 3), (250, 12), (1_500, 50), (8_000, 500)), start=1):
        rows += [
            f'Fabricated job {tier}-{i},Fixed price,"Est. budget:\n${base + step * i:,}",Intermediate,"Python, SQL"'
            for i in range(60)
        ]
    path.write_text("\n".join(rows) + "\n")
    previous = os.environ.get("SESSIONLAB_FREELANCE_CSV")
    os.environ["SESSIONLAB_FREELANCE_CSV"] = str(path)
    yield path
    if previous is None:
        del os.environ["SESSIONLAB_FREELANCE_CSV"]
    else:
        os.environ["SESSIONLAB_FREELANCE_CSV"] = previous


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
