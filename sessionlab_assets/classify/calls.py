"""Classifier calls, their results, and the ledger that records and caches them.

A call is identified by what determines its answer: (classifier, prompt version, model, input
hash). Two sessions with the same window share one call. Every result is written to the
`classifier_calls` table as soon as its backend returns it, so a run that dies half-way loses
nothing it paid for: the next run finds those rows and calls only for the rest.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import duckdb
import polars as pl

from sessionlab_assets.classify.registry import Classifier

OK, ABSTAINED, ERROR = "ok", "abstained", "error"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CallKey:
    classifier: str
    prompt_version: str
    model: str
    input_hash: str

    @property
    def custom_id(self) -> str:
        """A batch request id (at most 64 characters of [a-zA-Z0-9_-]) unique per key."""
        digest = hashlib.sha256("|".join((self.classifier, self.prompt_version, self.model, self.input_hash)).encode())
        return f"{self.classifier[:24]}-{digest.hexdigest()[:32]}"


@dataclass(frozen=True)
class CallRequest:
    key: CallKey
    classifier: Classifier
    input_text: str  # the redacted window, or the upstream output rendered as text
    facts: dict[str, Any] = field(
        default_factory=dict, compare=False, hash=False
    )  # session telemetry, for offline rules


@dataclass
class CallResult:
    key: CallKey
    backend: str
    mode: str
    status: str
    reason: str | None = None
    output_json: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float | None = None
    batch_id: str | None = None

    @classmethod
    def error(cls, key: CallKey, backend: str, mode: str, reason: str, **usage: Any) -> CallResult:
        return cls(key=key, backend=backend, mode=mode, status=ERROR, reason=reason, **usage)


def validated(classifier: Classifier, key: CallKey, raw_text: str, backend: str, mode: str, **usage: Any) -> CallResult:
    """A result from a model's raw text: ok, abstained, or an error naming what was wrong with it."""
    try:
        output = classifier.output_model.model_validate_json(raw_text)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError; so is invalid JSON
        first = str(exc).splitlines()
        reason = "invalid output: " + ("; ".join(first[:3]) if first else type(exc).__name__)
        return CallResult.error(key, backend, mode, reason[:500], **usage)
    status = ABSTAINED if classifier.abstains_when(output) else OK
    return CallResult(key=key, backend=backend, mode=mode, status=status, output_json=output.model_dump_json(), **usage)


# The ledger's columns beside `attempts` and `called_at`: a key's fields, then a result's.
_KEY_COLUMNS = tuple(f.name for f in fields(CallKey))  # what determines a call's answer
_RESULT_COLUMNS = tuple(f.name for f in fields(CallResult) if f.name != "key")
_KEY_SQL = ", ".join(_KEY_COLUMNS)
_INCOMING = "ledger_incoming"  # temporary: a write's rows with their attempt counts


class Ledger:
    """The `classifier_calls` table on one connection. Writes commit one chunk at a time.

    It also keeps what it recorded (`recorded`): the classifier makes one per round and reads the
    round's new results back from there, since a lookup scans the whole table, which grows with every
    round (4.4M calls at 400k sessions). For the same reason it remembers the keys a lookup found no
    row of (`absent`): results for those are appended, without the join that replaces earlier rows —
    the Anthropic backend records its answers a few at a time. (One writer per warehouse file, the
    `warehouse` pool's rule, is what makes that memory safe.)"""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn
        self.recorded: dict[CallKey, CallResult] = {}  # as written to the table, the last write of a key winning
        self.absent: set[CallKey] = set()  # looked up, no row of any status, not recorded since

    def lookup(self, keys: list[CallKey], reuse_errors: bool = False) -> dict[CallKey, CallResult]:
        """Recorded results for `keys`: ok and abstained always; errors only when `reuse_errors`."""
        if not keys:
            return {}
        wanted = pl.DataFrame(
            {
                "classifier": [k.classifier for k in keys],
                "prompt_version": [k.prompt_version for k in keys],
                "model": [k.model for k in keys],
                "input_hash": [k.input_hash for k in keys],
            },
            schema={c: pl.String for c in _KEY_COLUMNS},
        ).unique()
        self.conn.register("wanted_keys", wanted)
        try:
            # The latest row of a key: rows copied in from another ledger may repeat one.
            found = self.conn.sql(
                f"SELECT c.* FROM classifier_calls c JOIN wanted_keys USING ({_KEY_SQL}) "
                f"QUALIFY row_number() OVER (PARTITION BY {_KEY_SQL} ORDER BY c.called_at DESC) = 1"
            ).pl()
        finally:
            self.conn.unregister("wanted_keys")
        results = {}
        for row in found.iter_rows(named=True):
            key = CallKey(row["classifier"], row["prompt_version"], row["model"], row["input_hash"])
            results[key] = CallResult(key=key, **{k: row[k] for k in _RESULT_COLUMNS})
        self.absent.update(k for k in keys if k not in results)  # no row of any status
        if not reuse_errors:
            results = {key: result for key, result in results.items() if result.status != ERROR}
        return results

    def record(self, results: list[CallResult]) -> None:
        """Insert or replace these results, in one transaction; an earlier error row counts as an attempt."""
        if not results:
            return
        if all(result.key in self.absent for result in results):
            self._append(results)
        else:
            self._insert(results)
        self.absent.difference_update(result.key for result in results)
        self.recorded.update((result.key, result) for result in results)

    @staticmethod
    def rows(results: list[CallResult]) -> pl.DataFrame:
        """`results` as ledger rows, one per key (the last of a key winning), each a first attempt."""
        now = datetime.now(UTC).replace(tzinfo=None)
        columns = {k: [getattr(r.key, k) for r in results] for k in _KEY_COLUMNS}
        columns |= {k: [getattr(r, k) for r in results] for k in _RESULT_COLUMNS}
        return (
            pl.DataFrame(
                columns,
                schema_overrides={
                    "reason": pl.String,
                    "output_json": pl.String,
                    "cost_usd": pl.Float64,  # a backend may give a whole number
                    "latency_ms": pl.Float64,
                    "batch_id": pl.String,
                },
            )
            .with_columns(attempts=pl.lit(1, pl.Int64), called_at=pl.lit(now, pl.Datetime("us")))
            .unique(subset=list(_KEY_COLUMNS), keep="last")
        )

    def _append(self, results: list[CallResult]) -> None:
        """Results for keys with no row yet: a plain insert."""
        self.conn.register("incoming_calls", self.rows(results))
        try:
            self.conn.execute("INSERT INTO classifier_calls BY NAME SELECT * FROM incoming_calls")
        finally:
            self.conn.unregister("incoming_calls")

    def _insert(self, results: list[CallResult]) -> None:
        self.conn.register("incoming_calls", self.rows(results))
        try:
            # An upsert without a key index: count the earlier attempts, drop the earlier rows, insert.
            self.conn.execute("BEGIN TRANSACTION")
            self.conn.execute(
                f"CREATE OR REPLACE TEMP TABLE {_INCOMING} AS "
                "SELECT i.* REPLACE (coalesce(c.attempts, 0) + 1 AS attempts) "
                f"FROM incoming_calls i LEFT JOIN classifier_calls c USING ({_KEY_SQL}) "
                f"QUALIFY row_number() OVER (PARTITION BY {_KEY_SQL} ORDER BY c.attempts DESC NULLS LAST) = 1"
            )
            self.conn.execute(
                f"DELETE FROM classifier_calls c USING {_INCOMING} i WHERE "
                + " AND ".join(f"c.{k} = i.{k}" for k in _KEY_COLUMNS)
            )
            self.conn.execute(f"INSERT INTO classifier_calls BY NAME SELECT * FROM {_INCOMING}")
            self.conn.execute(f"DROP TABLE {_INCOMING}")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        finally:
            self.conn.unregister("incoming_calls")


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


class BatchRegister:
    """Submitted Message Batches, on the same connection as the ledger."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn

    def add(self, batch_id: str, keys: list[CallKey]) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        self.conn.executemany(
            "INSERT INTO classifier_batches VALUES (?, ?, ?, ?, ?, ?, ?, false)",
            [(batch_id, k.custom_id, k.classifier, k.prompt_version, k.model, k.input_hash, now) for k in keys],
        )

    def pending(self, keys: list[CallKey]) -> dict[str, list[CallKey]]:
        """Uncollected batches holding any of `keys`: batch id -> every key it holds."""
        wanted = {k.custom_id for k in keys}
        rows = self.conn.execute(
            "SELECT batch_id, classifier, prompt_version, model, input_hash FROM classifier_batches "
            "WHERE NOT collected ORDER BY batch_id"
        ).fetchall()
        batches: dict[str, list[CallKey]] = {}
        for batch_id, *key in rows:
            batches.setdefault(batch_id, []).append(CallKey(*key))
        return {b: ks for b, ks in batches.items() if any(k.custom_id in wanted for k in ks)}

    def collected(self, batch_id: str) -> None:
        self.conn.execute("UPDATE classifier_batches SET collected = true WHERE batch_id = ?", [batch_id])
