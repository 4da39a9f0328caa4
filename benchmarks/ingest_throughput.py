"""Ingest throughput beside a bare fast-JSON decode of the same lines, measured in the same run.

    python benchmarks/ingest_throughput.py [--users N] [--sample-sessions N] [--real PATH]

For each input it prints MB/s and sessions/s of the full ingest (format sniffing, tolerant line
reading, session assembly, event classification, frame building) in this process and across worker
processes (one per core), and of `orjson.loads` over every line of the same files in one process, and
the ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import orjson

from sessionlab_assets.environment import worker_count
from sessionlab_assets.fixtures.build_fixture_corpus import build
from sessionlab_assets.ingest.frames import (
    classifier_inputs_frame,
    events_frame,
    prepare_sessions,
    session_headers_frame,
)
from sessionlab_assets.ingest.source import scan_batches, scan_source
from sessionlab_assets.sample import corpus
from sessionlab_assets.workers import worker_pool

REPO_ROOT = Path(__file__).resolve().parents[1]


def bare_decode_seconds(root: Path) -> tuple[float, int]:
    blobs = [p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()]
    started = time.perf_counter()
    for blob in blobs:
        for line in blob.split(b"\n"):
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                pass
    return time.perf_counter() - started, sum(len(b) for b in blobs)


def ingest_seconds(root: Path, pool=None) -> tuple[float, int]:
    started = time.perf_counter()
    sessions = 0
    # As the ingest asset reads: events, windows and classifier inputs in one pass.
    for batch in scan_batches(root, keep_text=True, pool=pool, prepare=prepare_sessions):
        if batch.sessions:
            events_frame(batch)
            classifier_inputs_frame(batch)
        session_headers_frame(batch)
        sessions += len(batch.sessions)
    return time.perf_counter() - started, sessions


def measure(label: str, root: Path, repeats: int = 3) -> None:
    scan_source(root)  # warm the page cache so both sides read from memory
    bare = min(bare_decode_seconds(root)[0] for _ in range(repeats))
    _, size = bare_decode_seconds(root)
    runs = [ingest_seconds(root) for _ in range(repeats)]
    seconds, sessions = min(r[0] for r in runs), runs[0][1]
    workers = worker_count()
    with worker_pool(workers) as pool:
        ingest_seconds(root, pool)  # start the workers
        pooled = min(ingest_seconds(root, pool)[0] for _ in range(repeats))
    mb = size / 1e6
    print(f"{label}: {mb:.1f} MB, {sessions} sessions")
    print(f"  bare orjson decode (1 process)    : {mb / bare:8.1f} MB/s")
    print(
        f"  full ingest, 1 process            : {mb / seconds:8.1f} MB/s  {sessions / seconds:9.0f} sessions/s  "
        f"({seconds:.2f}s)"
    )
    print(
        f"  full ingest, {workers} worker processes  : {mb / pooled:8.1f} MB/s  {sessions / pooled:9.0f} sessions/s  "
        f"({pooled:.2f}s)"
    )
    print(
        f"  ingest / bare speed               : {bare / seconds:8.2f} (1 process)  {bare / pooled:.2f} ({workers} "
        "workers)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=600, help="users in the generated input (about 14 sessions each)")
    parser.add_argument("--sample-sessions", type=int, default=1000, help="sessions in the sample corpus input")
    parser.add_argument("--real", type=Path, default=REPO_ROOT.parent / "shared" / "corpus" / "real")
    args = parser.parse_args()
    if args.real.is_dir():
        measure("real corpus", args.real)
    else:
        print(f"real corpus not found at {args.real}: skipped")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        root = build(Path(tmp) / "generated", users=args.users)
        print(f"(generated input written in {time.perf_counter() - started:.1f}s)")
        measure("generated fixture corpus (many small sessions)", root)
        corpus.build(Path(tmp) / "sample", sessions=args.sample_sessions)
        measure(
            f"sample corpus ({args.sample_sessions:,} sessions, the end-to-end benchmark's input)",
            Path(tmp) / "sample" / corpus.TRANSCRIPTS,
        )


if __name__ == "__main__":
    main()
