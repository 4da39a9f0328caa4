"""Runs that died without a word (kill -9, out of memory) and still hold the `warehouse` pool.

Dagster keeps a killed run STARTED, and its step keeps its slot in the `warehouse` pool, so every later
run waits for it ("blocked by limit for pool warehouse"). Each step that opens the warehouse tags its
run with the process and host running it (`record_process`, from `WarehouseResource`); `free_dead_runs`
marks a run whose process is gone as failed and frees its slots. `make run` calls it before each
materialisation: `python -m sessionlab_assets.runs`.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

from sessionlab_assets import environment

PID_TAG = "sessionlab/pid"
HOST_TAG = "sessionlab/host"


def record_process(context: dg.InitResourceContext) -> None:
    """Tag the run with the process that runs this step (once a run has started a step)."""
    if context.instance is None or context.run is None:
        return
    context.instance.add_run_tags(context.run.run_id, {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()})


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def free_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the started runs of this host whose process has ended, and free their pool slots."""
    freed = []
    started = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
    )
    for run in started:
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if pid is None or host != socket.gethostname() or _alive(int(pid)):
            continue
        instance.report_run_failed(run, f"its process {pid} ended without finishing the run (killed?); slots freed")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        freed.append(run.run_id)
    return freed


def main() -> None:
    if not environment.is_set("DAGSTER_HOME"):
        return  # no instance on disk, so no run to have died
    freed = free_dead_runs(dg.DagsterInstance.get())
    for run_id in freed:
        print(f"sessionlab: run {run_id} had died holding the warehouse: marked failed, its slot freed")


if __name__ == "__main__":
    main()
