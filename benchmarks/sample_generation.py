"""Sample-corpus generation speed beside a bare write of the same bytes, measured in the same run.

    python benchmarks/sample_generation.py [--sessions 10000] [--lean-sessions 40000] [--workers 2]

For a full build and a lean build it prints seconds, sessions/s and MB/s, and the ratio of its MB/s
to writing the same bytes back to disk with no generation at all (the floor set by the disk). The
400k-session lean time is projected from the measured lean rate.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from sessionlab_assets.sample import corpus


def bare_write_seconds(root: Path, scratch: Path) -> float:
    blobs = [(p.relative_to(root), p.read_bytes()) for p in root.rglob("*.jsonl")]
    started = time.perf_counter()
    for relative, blob in blobs:
        target = scratch / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
    return time.perf_counter() - started


def measure(label: str, sessions: int, lean: bool, workers: int, tmp: Path) -> float:
    started = time.perf_counter()
    manifest = corpus.build(tmp / label, sessions=sessions, lean=lean, workers=workers)
    seconds = time.perf_counter() - started
    megabytes = manifest["bytes"] / 1e6
    bare = bare_write_seconds(tmp / label / corpus.TRANSCRIPTS, tmp / f"{label}-copy")
    print(
        f"{label:5s} {sessions:>7,} sessions, {workers} workers: {seconds:6.1f} s  {sessions / seconds:8,.0f} "
        "sessions/s  "
        f"{megabytes / seconds:6.1f} MB/s ({megabytes:,.0f} MB); bare write {megabytes / bare:6.0f} MB/s; "
        f"ratio {bare / seconds:.2f}"
    )
    shutil.rmtree(tmp / label)
    shutil.rmtree(tmp / f"{label}-copy")
    return sessions / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--lean-sessions", type=int, default=40_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        measure("full", args.sessions, False, args.workers, tmp)
        lean_rate = measure("lean", args.lean_sessions, True, args.workers, tmp)
        print(f"projected lean build of 400,000 sessions: {400_000 / lean_rate / 60:.1f} min")


if __name__ == "__main__":
    main()
