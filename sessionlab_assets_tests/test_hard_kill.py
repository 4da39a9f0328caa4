"""A real `dagster asset materialize` killed with SIGKILL mid-ingest and then mid-classify: its workers end
with it, the next `make run` step (`python -m sessionlab_assets.runs`) frees what the dead run held in the
`warehouse` pool, and the run after completes by itself, with every month written once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from sessionlab_assets.resources import REPO_ROOT
from sessionlab_assets.sample import corpus

BIN = Path(sys.executable).parent
SELECT = ["--select", "group:ingest or group:classify", "--partition-range", "2025-10...2026-04"]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _gone(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(pid)
        if not alive:
            return True
        time.sleep(0.2)
    return False


def _kill_when(env: dict, log: Path, marker: str) -> list[int]:
    """Start the monthly run, SIGKILL its process (only it) once `marker` is in its log; its workers' pids."""
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(BIN / "dagster"), "asset", "materialize", "-m", "sessionlab_assets.definitions", *SELECT],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 240
        while marker not in log.read_text():
            assert process.poll() is None, f"the run ended before {marker!r}: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"no {marker!r} in the log"
            time.sleep(0.05)
        # The pool starts its processes with the first task, a moment after the marker: wait for them.
        while len(workers := _children(process.pid)) < 2 and time.monotonic() < deadline:
            assert process.poll() is None, f"the run ended before its workers started: {log.read_text()[-2000:]}"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    return workers


def _free(env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sessionlab_assets.runs"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_run_killed_mid_ingest_and_mid_classify_is_recovered_without_a_hand(tmp_path, dagster_home):
    sample = tmp_path / "sample"
    corpus.build(sample, sessions=1200, seed=21, workers=2)
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "SESSIONLAB_SOURCE_DIR": str(sample / corpus.TRANSCRIPTS),
        "SESSIONLAB_WAREHOUSE": str(warehouse),
        "SESSIONLAB_CLASSIFIER_BACKEND": "heuristic",
        "SESSIONLAB_WORKERS": "2",
        "SESSIONLAB_SESSIONS_PER_ROUND": "100",  # many rounds: the classify step is long enough to kill
        "SESSIONLAB_LOCK_TIMEOUT_SECONDS": "30",
    }

    workers = _kill_when(env, tmp_path / "first.log", "full read:")  # parsing under way
    assert workers and _gone(workers, 10), "a worker outlived its killed run"
    assert "marked failed, its slot freed" in _free(env)

    _kill_when(env, tmp_path / "second.log", "months to label:")  # the ingest finished, labelling under way
    assert "marked failed, its slot freed" in _free(env)
    assert _free(env) == ""  # nothing left to free

    started = time.monotonic()
    done = subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "-m", "sessionlab_assets.definitions", *SELECT],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert time.monotonic() - started < 300
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        sessions = conn.sql("SELECT count(*), count(DISTINCT session_id) FROM sessions").fetchall()[0]
        labelled = conn.sql("SELECT count(*) FROM work_mode WHERE status = 'ok'").fetchall()[0][0]
        staging = conn.sql("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staging'").fetchall()[0][0]
    assert sessions == (1200, 1200) and labelled == 1200 and staging == 0
