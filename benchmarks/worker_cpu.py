"""Where the CPU of a session goes: seconds of CPU per 1,000 sessions of the sample corpus, step by step,
in one process (the steps the worker processes run, plus the parent's frames).

    python benchmarks/worker_cpu.py [--sessions 1000] [--seed 20260601]

Two layouts are measured in the same run on the same corpus. The baseline reads every transcript
twice, as sessionlab did before the classifier inputs were stored: the ingest's parse (events
frames), then the classify step's parse keeping text, then the windows. The current layout reads each
transcript once: the ingest parses keeping text and renders the redacted window in the same pass
(`prepare_sessions`), and the classify step reads the stored windows. The offline rules (in tasks of
250 calls) are the same in both. CPU is `time.process_time`, which counts every thread of this
process (polars runs some steps on its threads). Divide a total by the number of cores for the best
wall time two workers can reach.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sessionlab_assets.classify import heuristic
from sessionlab_assets.classify.transcript import session_windows
from sessionlab_assets.ingest.frames import classifier_inputs_frame, prepare_sessions, sessions_events_frames
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
        baseline: dict[str, float] = {}
        baseline["ingest: parse + events frames"], _ = cpu_seconds(
            lambda: scan_source(root, prepare=sessions_events_frames)
        )
        baseline["classify: parse again, keeping text"], parsed = cpu_seconds(lambda: scan_source(root, keep_text=True))
        sessions = parsed.sessions
        baseline["classify: windows (redacted)"], windows = cpu_seconds(
            lambda: [
                window
                for i in range(0, len(sessions), WINDOWS_PER_TASK)
                for window in session_windows(sessions[i : i + WINDOWS_PER_TASK])
            ]
        )
        del parsed, sessions
        current: dict[str, float] = {}
        current["ingest: parse + events + windows, one pass"], one_pass = cpu_seconds(
            lambda: scan_source(root, keep_text=True, prepare=prepare_sessions)
        )
        current["ingest: classifier_inputs rows"], _ = cpu_seconds(lambda: classifier_inputs_frame(one_pass))
        facts = {"tool_calls": 5, "lines_added": 10, "test_runs": 1, "human_turns": 2}
        calls = [(name, window.text, facts) for window in windows for name in heuristic.WINDOW_RULES]
        tasks = [
            calls[i : i + heuristic.HeuristicBackend.CALLS_PER_TASK]
            for i in range(0, len(calls), heuristic.HeuristicBackend.CALLS_PER_TASK)
        ]
        rules, _ = cpu_seconds(lambda: [heuristic._evaluate_many(task) for task in tasks])
        baseline["classify: offline rules"] = current["classify: offline rules"] = rules
        sessions = one_pass.sessions
    per_1k = 1000 / len(sessions)
    print(f"CPU seconds per 1,000 sessions ({len(sessions):,} sessions of the sample corpus, one process):")
    totals = {}
    for label, steps in (("baseline: two reads", baseline), ("current: one read", current)):
        print(label)
        for name, seconds in steps.items():
            print(f"  {name:<45} {seconds * per_1k:6.2f}")
        totals[label] = sum(steps.values()) * per_1k
        print(f"  {'total':<45} {totals[label]:6.2f}   (on 2 cores at best {totals[label] / 2:.2f} s of wall time)")
    ratio = totals["current: one read"] / totals["baseline: two reads"]
    print(f"current / baseline: {ratio:.2f}")


if __name__ == "__main__":
    main()
