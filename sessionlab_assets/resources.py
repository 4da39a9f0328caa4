"""Resources, configured from environment variables (environment.py) with defaults that work on a fresh
clone: the data folder is `data/` in the project folder, or in the current folder when the package is
installed rather than run from its project."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from sessionlab_assets import environment, runs
from sessionlab_assets.ingest.identity import DEFAULT_PSEUDONYM_KEY, IdentityRule, IdentityRuleError
from sessionlab_assets.sample import corpus as sample_corpus
from sessionlab_assets.sample.corpus import DEFAULT_SESSIONS as DEFAULT_SAMPLE_SESSIONS

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = (REPO_ROOT if (REPO_ROOT / "pyproject.toml").is_file() else Path.cwd()) / "data"
DEFAULT_WAREHOUSE = DATA_DIR / "warehouse.duckdb"
# The bundled sample corpus, generated on first use (sessionlab_assets/sample/corpus.py).
DEFAULT_SAMPLE_DIR = DATA_DIR / "sample"
DEFAULT_SOURCE_DIR = DEFAULT_SAMPLE_DIR / "transcripts"


class TranscriptSource(dg.ConfigurableResource):
    """Where transcripts are read from, and how sessions are attributed to users."""

    source_dir: str
    user_rule: str = "top_folder"
    pseudonym_key: str = DEFAULT_PSEUDONYM_KEY
    sample_sessions: int = DEFAULT_SAMPLE_SESSIONS  # size of the sample corpus when it is built
    workers: int = 1  # processes parsing transcripts (and rendering windows) side by side
    # Sessions whose transcripts are gone from the source are removed (a month emptied if need be) only when
    # this is set; otherwise they are kept as last read (coding agents delete their own transcripts).
    allow_emptying_months: bool = False

    def is_default_sample(self) -> bool:
        return self.root().resolve() == DEFAULT_SOURCE_DIR.resolve()

    def identity(self) -> IdentityRule:
        return IdentityRule(rule=self.user_rule, key=self.pseudonym_key)

    def uses_default_key(self) -> bool:
        return self.pseudonym_key == DEFAULT_PSEUDONYM_KEY

    def root(self) -> Path:
        return Path(self.source_dir).expanduser()

    def prepared_root(self, log: Callable[[str], None]) -> Path:
        """The source folder; with no source configured, the sample corpus is built there on first use."""
        if self.is_default_sample() and not (DEFAULT_SAMPLE_DIR / sample_corpus.MANIFEST).exists():
            log(
                f"No source configured: building the sample corpus ({self.sample_sessions} sessions) "
                f"at {DEFAULT_SAMPLE_DIR}"
            )
            sample_corpus.build(DEFAULT_SAMPLE_DIR, sessions=self.sample_sessions, workers=self.workers)
        return self.root()


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse, opened for writing. DuckDB allows one process to hold a file that is
    being written: while another process holds it (a run, or a reader left open), this waits up to
    `lock_timeout_seconds` and then fails with what to do, instead of hanging or failing obscurely."""

    lock_timeout_seconds: float = 120.0
    retry_seconds: float = 0.5
    # DuckDB's buffer cap. Its default (80% of RAM) lets a month range's uncommitted inserts sit in
    # memory; with a cap it writes them out and spills to disk instead.
    memory_limit: str = "1GB"

    def path(self) -> Path:
        return Path(self.database).expanduser()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # A run killed hard keeps its pool slot; the tag lets the next run find it dead (runs.py).
        runs.record_process(context)

    @contextmanager
    def get_connection(self):
        self.path().parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout_seconds
        while True:
            try:
                conn = duckdb.connect(
                    str(self.path()),
                    read_only=False,
                    config={
                        "custom_user_agent": "sessionlab",
                        "memory_limit": self.memory_limit,
                        **self.connection_config,
                    },
                )
                break
            except duckdb.IOException as error:
                if "lock" not in str(error).lower():
                    raise dg.Failure(description=_damaged(self.database, str(error).splitlines()[0])) from error
                if time.monotonic() >= deadline:
                    holder = re.search(r"PID (\d+)", str(error))
                    raise dg.Failure(
                        description=(
                            f"The warehouse {self.database} is held by another process"
                            f"{f' (PID {holder.group(1)})' if holder else ''} and stayed locked for "
                            f"{self.lock_timeout_seconds:.0f}s. "
                            "Close any open connection to it (query data/export/snapshot.duckdb instead, which runs "
                            "never "
                            "lock), or wait for the other run to finish, then materialise again. Nothing was written."
                        ),
                        metadata={"database": self.database, "duckdb_error": str(error)},
                    ) from error
                time.sleep(self.retry_seconds)
        try:
            _check_size(conn, self.database)
            yield conn
        finally:
            conn.close()


DUCKDB_HEADER_BYTES = 3 * 4096  # the file header and the two database headers before the first block


def _damaged(database: str, what: str) -> str:
    return (
        f"The warehouse {database} is damaged ({what}). Nothing was written. Move the file aside and run again "
        "to build a new warehouse (the classifier ledger goes with it), or put back a copy: "
        "snapshot.duckdb in the export folder (SESSIONLAB_EXPORT_DIR, data/export by default) holds every table of "
        "the last good run but the classifier windows."
    )


def _check_size(conn: duckdb.DuckDBPyConnection, database: str) -> None:
    """Refuse a file too short to hold the blocks in use its header lists (a copy cut short, a full disk):
    DuckDB opens it and fails later, half-way through a run, on the first block it cannot read. (Free
    blocks at the end may be cut off the file legitimately, so only the used ones are counted.)"""
    if database == ":memory:" or not Path(database).is_file():
        return
    block_size, used_blocks = conn.sql("SELECT block_size, used_blocks FROM pragma_database_size()").fetchall()[0]
    expected = DUCKDB_HEADER_BYTES + block_size * used_blocks
    size = Path(database).stat().st_size
    if size < expected:
        raise dg.Failure(
            description=_damaged(database, f"{size:,} bytes, too few for the {used_blocks:,} blocks in use")
        )


def warehouse_resource() -> WarehouseResource:
    environment.memory_size("SESSIONLAB_DUCKDB_MEMORY_LIMIT", "1GB")
    return WarehouseResource(
        database=environment.text_field("SESSIONLAB_WAREHOUSE", str(DEFAULT_WAREHOUSE)),
        lock_timeout_seconds=environment.number("SESSIONLAB_LOCK_TIMEOUT_SECONDS", 120.0, low=0.0),
        memory_limit=environment.text_field("SESSIONLAB_DUCKDB_MEMORY_LIMIT", "1GB"),
    )


def transcript_source() -> TranscriptSource:
    rule = environment.text("SESSIONLAB_USER_RULE", "top_folder")
    try:
        IdentityRule(rule=rule).user_key("a/b")  # checks the rule now, not half-way through a run
    except IdentityRuleError as error:
        raise environment.SettingError(f"SESSIONLAB_USER_RULE: {error}") from None
    return TranscriptSource(
        source_dir=environment.text_field("SESSIONLAB_SOURCE_DIR", str(DEFAULT_SOURCE_DIR)),
        user_rule=environment.text_field("SESSIONLAB_USER_RULE", "top_folder"),
        pseudonym_key=environment.text_field("SESSIONLAB_PSEUDONYM_KEY", DEFAULT_PSEUDONYM_KEY),
        sample_sessions=environment.integer_field("SESSIONLAB_SAMPLE_SESSIONS", DEFAULT_SAMPLE_SESSIONS, minimum=1),
        workers=environment.integer_field("SESSIONLAB_WORKERS", environment.DEFAULT_WORKERS, minimum=1),
        allow_emptying_months=environment.flag("SESSIONLAB_ALLOW_EMPTYING_MONTHS"),
    )
