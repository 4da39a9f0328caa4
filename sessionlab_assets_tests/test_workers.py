"""The worker pool: results in order, a worker's exception raised in the parent, a dead worker named;
reading ahead: the next item made while the caller works on this one."""

from __future__ import annotations

import os
import threading

import pytest

from sessionlab_assets.environment import worker_count
from sessionlab_assets.workers import WorkerDied, ordered_map, read_ahead, worker_pool


def square_after_a_pause(value: int) -> int:
    import time

    time.sleep(0.01 * (value % 3))  # later items often finish first
    return value * value


def refuse_seven(value: int) -> int:
    if value == 7:
        raise ValueError("seven is refused")
    return value


def die(value: int) -> int:
    os._exit(9)


def test_results_come_back_in_input_order_with_or_without_workers():
    with worker_pool(2) as pool:
        assert list(ordered_map(pool, square_after_a_pause, range(30))) == [v * v for v in range(30)]
    with worker_pool(1) as pool:
        assert pool is None
        assert list(ordered_map(pool, square_after_a_pause, range(5))) == [0, 1, 4, 9, 16]


def test_an_exception_in_a_worker_is_raised_in_the_parent():
    with worker_pool(2) as pool, pytest.raises(ValueError, match="seven is refused"):
        list(ordered_map(pool, refuse_seven, range(10)))


def test_a_worker_that_dies_is_reported_with_what_to_do():
    with worker_pool(2) as pool, pytest.raises(WorkerDied, match="SESSIONLAB_WORKERS=1"):
        list(ordered_map(pool, die, range(4)))


def test_worker_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SESSIONLAB_WORKERS", "3")
    assert worker_count() == 3
    monkeypatch.setenv("SESSIONLAB_WORKERS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        worker_count()
    monkeypatch.delenv("SESSIONLAB_WORKERS")
    assert worker_count() == (os.cpu_count() or 1)


def test_read_ahead_makes_the_next_item_while_the_caller_holds_this_one():
    second_made = threading.Event()

    def items():
        yield "first"
        second_made.set()
        yield "second"

    received = []
    for item in read_ahead(items()):
        if item == "first":
            # Without reading ahead the second item would not exist until this loop asked for it.
            assert second_made.wait(timeout=5), "the second item was not made while the first was in use"
        received.append(item)
    assert received == ["first", "second"]
    assert list(read_ahead(iter(range(50)))) == list(range(50))
    assert list(read_ahead(iter([]))) == []


def test_read_ahead_raises_the_producers_exception_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("the source broke")

    received = []
    with pytest.raises(ValueError, match="the source broke"):
        for item in read_ahead(items()):
            received.append(item)
    assert received == [1, 2]


def test_leaving_read_ahead_early_stops_and_closes_the_producer():
    made, closed = [], threading.Event()

    def items():
        try:
            for value in range(1_000):
                made.append(value)
                yield value
        finally:
            closed.set()

    for item in read_ahead(items()):
        if item == 3:
            break
    assert closed.wait(timeout=5)
    assert len(made) <= 6, "the producer went on after the caller left"
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())


def test_workers_end_when_their_parent_is_killed(tmp_path):
    """A run killed with SIGKILL cannot stop its workers; they notice and end by themselves."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import os, time\n"
        "from sessionlab_assets.workers import worker_pool\n"
        "if __name__ == '__main__':\n"
        "    with worker_pool(2) as pool:\n"
        "        pids = {pool.submit(os.getpid).result() for _ in range(8)}\n"
        "        print(' '.join(map(str, pids)), flush=True)\n"
        "        time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in workers if _alive(pid)]
    assert alive == []


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:  # a zombie has exited; it waits only for its reaper
        return handle.read().split()[2] != "Z"
