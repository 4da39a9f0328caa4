"""Where the CPU of a session goes: seconds of CPU per 1,000 sessions of the sample corpus, step by step,
in one process (the steps the worker processes run, plus the parent's events frames).

    python benchmarks/worker_cpu.py [--sessions 1000] [--seed 20260601]

Steps: the ingest's parse (with the events frames built where sessions are parsed), the classifier's
parse (the same transcripts read again, keeping text), rendering and redacting the windows (in tasks of
64 sessions, as the workers do), and the offline rules (in tasks of 250 calls). CPU is
`time.process_time`, which counts every thread of this process (polars runs some steps on its threads).
Divide the sum by the number of cores for the best wall time two workers can reach.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sessionlab_assets.classify import heuristic
from sessionlab_assets.classify.transcript import session_windows
from sessionlab_assets.ingest.frames import sessions_events_frames
from sessionlab_assets.ingest.source import scan_source
from sessionlab_assets.sample import corpus

WINDOWS_PER_TASK = 64


def cpu_seconds(step) -> tuple[float, object]:
    started = time.process_time()
    result = step()
    return time.process_time() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus.build(Path(tmp), sessions=args.sessions, seed=args.seed)
        root = Path(tmp) / corpus.TRANSCRIPTS
        scan_source(root)  # warm the page cache: CPU, not the disk, is measured
        steps: dict[str, float] = {}
        steps["ingest: parse + events frames"], _ = cpu_seconds(
            lambda: scan_source(root, prepare=sessions_events_frames)
        )
        steps["classify: parse again, keeping text"], parsed = cpu_seconds(lambda: scan_source(root, keep_text=True))
        sessions = parsed.sessions
        steps["classify: windows (redacted)"], windows = cpu_seconds(
            lambda: [
                window
                for i in range(0, len(sessions), WINDOWS_PER_TASK)
                for window in session_windows(sessions[i : i + WINDOWS_PER_TASK])
            ]
        )
        facts = {"tool_calls": 5, "lines_added": 10, "test_runs": 1, "human_turns": 2}
        calls = [(name, window.text, facts) for window in windows for name in heuristic.WINDOW_RULES]
        tasks = [
            calls[i : i + heuristic.HeuristicBackend.CALLS_PER_TASK]
            for i in range(0, len(calls), heuristic.HeuristicBackend.CALLS_PER_TASK)
        ]
        steps["classify: offline rules"], _ = cpu_seconds(lambda: [heuristic._evaluate_many(task) for task in tasks])
    per_1k = 1000 / len(sessions)
    print(f"CPU seconds per 1,000 sessions ({len(sessions):,} sessions of the sample corpus, one process):")
    for name, seconds in steps.items():
        print(f"  {name:<40} {seconds * per_1k:6.2f}")
    total = sum(steps.values()) * per_1k
    print(f"  {'total':<40} {total:6.2f}   (on 2 cores at best {total / 2:.2f} s of wall time per 1,000 sessions)")


if __name__ == "__main__":
    main()
