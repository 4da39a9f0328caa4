"""The whole offline pipeline at several sizes: wall time and peak memory per stage, and how each grows.

    python benchmarks/end_to_end.py [--sizes 10000,100000,400000] [--seed 20260601] [--workers N]
                                    [--corpus-dir DIR]

For each size, in a temporary folder: build the sample corpus (its own stage), then in a child process
materialise every monthly asset for 2025-10…2026-04 (ingest, heuristic classifiers, session_measures)
as one run, then the analyses, the report and the snapshot. Prints seconds per stage, seconds per
1,000 sessions, the peak RSS of the pipeline process, the peak of its RSS summed with its worker
processes' (parsing, windows and the offline rules run in `--workers` processes, default one per
core; sampled twice a second), the CPU seconds of the pipeline process and of its workers per run,
and each stage's time relative to the smallest size scaled by size (1.00 = linear). Needs about
125 KB of disk per session for the transcripts. With `--corpus-dir`, each size's corpus is kept there
and reused by the next run with the same size and seed (the pipeline is then measured alone).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

from sessionlab_assets.environment import worker_count
from sessionlab_assets.progress import console_log_level
from sessionlab_assets.sample import corpus

QUIET = console_log_level("INFO")  # not a DEBUG line per Dagster event

MONTHS = {"dagster/asset_partition_range_start": "2025-10", "dagster/asset_partition_range_end": "2026-04"}


def _pipeline(root: str, sample: str, workers: int, queue) -> None:
    import dagster as dg

    from sessionlab_assets.analyses.assets import ASSETS as ANALYSES
    from sessionlab_assets.analyses.assets import AnalysisSettings
    from sessionlab_assets.classify.assets import classify_measures, session_measures
    from sessionlab_assets.classify.settings import ClassifierSettings
    from sessionlab_assets.ingest.assets import ingest_transcripts
    from sessionlab_assets.report.assets import ASSETS as REPORT
    from sessionlab_assets.report.settings import ReportSettings
    from sessionlab_assets.resources import TranscriptSource, WarehouseResource

    base = Path(root)
    resources = {
        "warehouse_db": WarehouseResource(database=str(base / "warehouse.duckdb")),
        "transcript_source": TranscriptSource(source_dir=str(Path(sample) / corpus.TRANSCRIPTS), workers=workers),
        "classifier_settings": ClassifierSettings(backend_name="heuristic"),
        "analysis_settings": AnalysisSettings(),
        "report_settings": ReportSettings(report_dir=str(base / "report"), export_dir=str(base / "export")),
    }
    steps: dict[str, float] = {}
    cpu: dict[str, tuple[float, float]] = {}  # per run: CPU seconds of this process, of its workers
    ok = True
    for assets, tags in (
        ([ingest_transcripts, classify_measures, session_measures], MONTHS),
        ([*ANALYSES, *REPORT], {}),
    ):
        before = _cpu_seconds()
        result = dg.materialize(assets, resources=resources, tags=tags, raise_on_error=False, run_config=QUIET)
        after = _cpu_seconds()
        cpu["monthly assets" if tags else "analyses and report"] = (after[0] - before[0], after[1] - before[1])
        ok = ok and result.success
        for event in result.all_events:
            if event.event_type_value == "STEP_SUCCESS":
                steps[event.step_key] = event.event_specific_data.duration_ms / 1000
    queue.put(
        {
            "success": ok,
            "steps": steps,
            "cpu": cpu,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def _cpu_seconds() -> tuple[float, float]:
    """User + system CPU seconds of this process (all its threads, DuckDB's included) and of its ended
    child processes (the workers, counted once their pool has shut down at the end of a step)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class TreeMemory(threading.Thread):
    """Twice a second, the resident memory of a process and all its descendants (Linux /proc), summed;
    keeps the largest sum. Shared pages count once per process, so this is an upper bound. (A worker's
    own ru_maxrss is no help: a spawned process starts as a fork, so it inherits its parent's size.)"""

    PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_bytes = 0
        self.done = threading.Event()

    def tree_bytes(self) -> int:
        children: dict[int, list[int]] = {}
        resident: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/statm") as statm:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                    resident[int(entry)] = int(statm.read().split()[1]) * self.PAGE
            except (OSError, ValueError, IndexError):
                continue  # the process ended while being read
            children.setdefault(parent, []).append(int(entry))
        total, pending = 0, [self.pid]
        while pending:
            pid = pending.pop()
            total += resident.get(pid, 0)
            pending.extend(children.get(pid, []))
        return total

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.peak_bytes = max(self.peak_bytes, self.tree_bytes())


def run(size: int, seed: int, workers: int, corpus_dir: Path | None = None) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"sessionlab-e2e-{size}-"))
    try:
        kept = corpus_dir / f"{size}-{seed}" if corpus_dir else None
        started = time.perf_counter()
        if kept is not None and (kept / corpus.TRANSCRIPTS).is_dir():
            build_seconds = None  # built by an earlier run
        else:
            corpus.build(kept or root / "sample", sessions=size, seed=seed)
            build_seconds = time.perf_counter() - started
        sample = kept or root / "sample"
        megabytes = sum(p.stat().st_size for p in sample.rglob("*.jsonl")) / 1e6
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=_pipeline, args=(str(root), str(sample), workers, queue))
        started = time.perf_counter()
        child.start()
        memory = TreeMemory(child.pid)
        memory.start()
        report = queue.get()
        child.join()
        memory.done.set()
        report["tree_peak_mb"] = memory.peak_bytes / 1e6
        report["pipeline_wall"] = time.perf_counter() - started
        report["stages"] = {"build sample corpus": build_seconds, **report["steps"]}
        report["megabytes"] = megabytes
        return report
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,400000")
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=worker_count(), help="worker processes (default: one per core)")
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        help="keep each size's sample corpus here and reuse it on the next run (its build is then not timed)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    reports = {}
    for size in sizes:
        reports[size] = report = run(size, args.seed, args.workers, args.corpus_dir)
        build = report["stages"]["build sample corpus"]
        total = report["pipeline_wall"] + (build or 0)
        built = "corpus reused" if build is None else f"+ corpus build {build:.0f}s = {total:.0f}s"
        print(
            f"\n{size:,} sessions ({report['megabytes']:,.0f} MB of transcripts): success={report['success']}, "
            f"pipeline {report['pipeline_wall']:.0f}s ({built}), "
            f"peak RSS {report['peak_rss_mb']:,.0f} MB in the pipeline process, {report['tree_peak_mb']:,.0f} MB "
            "summed over it "
            f"and its {args.workers} worker processes"
        )
        for run_name, (own, workers) in report["cpu"].items():
            print(
                f"  CPU, {run_name}: {own:.0f} s in the pipeline process, {workers:.0f} s in its workers "
                f"({1000 * own / size:.2f} + {1000 * workers / size:.2f} CPU-s per 1k sessions)"
            )
        first = sizes[0]
        timed = {stage: seconds for stage, seconds in report["stages"].items() if seconds is not None}
        for stage, seconds in sorted(timed.items(), key=lambda kv: -kv[1]):
            base = reports[first]["stages"].get(stage)
            growth = (seconds / base) / (size / first) if base and size != first else float("nan")
            print(
                f"  {stage:<26}{seconds:8.1f}s  {1000 * seconds / size:7.2f}s per 1k sessions"
                + (f"  growth vs linear from {first:,}: {growth:.2f}" if size != first else "")
            )


if __name__ == "__main__":
    main()
