"""Resources, configured from environment variables with defaults that work on a fresh clone."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from sessionlab_assets.ingest.identity import DEFAULT_PSEUDONYM_KEY, IdentityRule
from sessionlab_assets.sample.corpus import DEFAULT_SESSIONS as DEFAULT_SAMPLE_SESSIONS

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WAREHOUSE = REPO_ROOT / "data" / "warehouse.duckdb"
# The bundled sample corpus, generated on first use (sessionlab_assets/sample/corpus.py).
DEFAULT_SAMPLE_DIR = REPO_ROOT / "data" / "sample"
DEFAULT_SOURCE_DIR = DEFAULT_SAMPLE_DIR / "transcripts"


class TranscriptSource(dg.ConfigurableResource):
    """Where transcripts are read from, and how sessions are attributed to users."""

    source_dir: str
    user_rule: str = "top_folder"
    pseudonym_key: str = DEFAULT_PSEUDONYM_KEY
    sample_sessions: int = DEFAULT_SAMPLE_SESSIONS  # size of the sample corpus when it is built

    def is_default_sample(self) -> bool:
        return self.root().resolve() == DEFAULT_SOURCE_DIR.resolve()

    def identity(self) -> IdentityRule:
        return IdentityRule(rule=self.user_rule, key=self.pseudonym_key)

    def uses_default_key(self) -> bool:
        return self.pseudonym_key == DEFAULT_PSEUDONYM_KEY

    def root(self) -> Path:
        return Path(self.source_dir).expanduser()


def warehouse_resource() -> DuckDBResource:
    path = Path(os.environ.get("SESSIONLAB_WAREHOUSE", str(DEFAULT_WAREHOUSE))).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(path))


def transcript_source() -> TranscriptSource:
    return TranscriptSource(
        source_dir=os.environ.get("SESSIONLAB_SOURCE_DIR", str(DEFAULT_SOURCE_DIR)),
        user_rule=os.environ.get("SESSIONLAB_USER_RULE", "top_folder"),
        pseudonym_key=os.environ.get("SESSIONLAB_PSEUDONYM_KEY", DEFAULT_PSEUDONYM_KEY),
        sample_sessions=int(os.environ.get("SESSIONLAB_SAMPLE_SESSIONS", DEFAULT_SAMPLE_SESSIONS)),
    )
