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
