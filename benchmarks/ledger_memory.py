"""The classifier ledger's memory as it grows to the calls of a 400k-session run.

    python benchmarks/ledger_memory.py [--rounds 400] [--per-round 11000] [--memory-limit 1GB]

Writes `--rounds` rounds of `--per-round` new calls (11 classifiers × 1,000 sessions a round, as the
classify step does: 4.4M calls by default) twice, each into a fresh DuckDB file under the same
memory limit:
- baseline: the ledger as older versions declared it, with PRIMARY KEY (classifier, prompt version,
  model, input hash), upserted with INSERT … ON CONFLICT;
- current: `Ledger.record` on the declared schema (no key index). With no lookup before it, every
  write takes the replacing path (delete-then-insert by a join), the slower of its two; the classify
  step looks its keys up first and appends new ones.
Prints, every 50 rounds, seconds so far and DuckDB's memory in use (all of it, and its index part),
then the ratios current / baseline at the end.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from sessionlab_assets import warehouse
from sessionlab_assets.classify.calls import CallKey, CallResult, Ledger, text_hash

KEYED = "    PRIMARY KEY (classifier, prompt_version, model, input_hash)\n"


def _round(round_index: int, per_round: int) -> list[CallResult]:
    return [
        CallResult(
            # Hashes as the classify step makes them: random-looking, so an index shares no prefixes.
            key=CallKey(
                f"classifier_{i % 11}",
                text_hash(f"prompt {i % 11}"),
                "heuristic-rules",
                text_hash(f"{round_index}-{i}"),
            ),
            backend="heuristic",
            mode="offline",
            status="ok",
            output_json='{"work_mode": "build", "reasoning": "the session edits source files"}',
        )
        for i in range(per_round)
    ]


def _memory_mb(conn: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    total, index = conn.execute(
        "SELECT sum(memory_usage_bytes) / 1e6, sum(memory_usage_bytes) FILTER (tag = 'ART_INDEX') / 1e6 "
        "FROM duckdb_memory()"
    ).fetchall()[0]
    return total or 0.0, index or 0.0


def _keyed_upsert(conn: duckdb.DuckDBPyConnection, results: list[CallResult]) -> None:
    """How older versions wrote: an upsert checked by the PRIMARY KEY's index."""
    conn.register("incoming_calls", Ledger.rows(results))
    conn.execute(
        "INSERT INTO classifier_calls BY NAME SELECT * FROM incoming_calls ON CONFLICT DO UPDATE SET "
        "output_json = EXCLUDED.output_json, attempts = classifier_calls.attempts + 1"
    )
    conn.unregister("incoming_calls")


def _run(name: str, folder: Path, rounds: int, per_round: int, memory_limit: str) -> tuple[float, float, float]:
    conn = duckdb.connect(str(folder / f"{name}.duckdb"), config={"memory_limit": memory_limit})
    ddl = (warehouse.SCHEMA_DIR / "classifier_calls.sql").read_text()
    if name == "baseline":
        last_column = "called_at           TIMESTAMP NOT NULL"
        ddl = ddl.replace(last_column + "\n", last_column + ",\n" + KEYED)
        assert KEYED in ddl, "the declared ledger changed shape; update the baseline's DDL"
    conn.execute(ddl)
    ledger = Ledger(conn)
    started = time.perf_counter()
    peak = peak_index = 0.0
    for r in range(rounds):
        results = _round(r, per_round)
        if name == "baseline":
            _keyed_upsert(conn, results)
        else:
            ledger.record(results)
        ledger.recorded.clear()
        if r % 50 == 0 or r == rounds - 1:
            total, index = _memory_mb(conn)
            peak, peak_index = max(peak, total), max(peak_index, index)
            rows = conn.execute("SELECT count(*) FROM classifier_calls").fetchall()[0][0]
            print(
                f"  {name:8} round {r + 1:4}: {rows:>9,} calls  {time.perf_counter() - started:6.1f} s  "
                f"DuckDB memory {total:6.0f} MB (index {index:5.0f} MB)",
                flush=True,
            )
    conn.close()
    return time.perf_counter() - started, peak, peak_index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--per-round", type=int, default=11_000)
    parser.add_argument("--memory-limit", default="1GB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measured = {
            name: _run(name, Path(folder), args.rounds, args.per_round, args.memory_limit)
            for name in ("baseline", "current")
        }
    (b_s, b_mb, b_index), (c_s, c_mb, c_index) = measured["baseline"], measured["current"]
    print(f"baseline (keyed upsert): {b_s:6.1f} s, peak sampled memory {b_mb:5.0f} MB, of it index {b_index:5.0f} MB")
    print(f"current (Ledger.record): {c_s:6.1f} s, peak sampled memory {c_mb:5.0f} MB, of it index {c_index:5.0f} MB")
    print(f"current / baseline: time {c_s / b_s:.2f}, memory {c_mb / b_mb:.2f}")


if __name__ == "__main__":
    main()
