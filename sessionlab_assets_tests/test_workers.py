"""The worker pool: results in order, a worker's exception raised in the parent, a dead worker named."""

from __future__ import annotations

import os

import pytest

from sessionlab_assets.workers import WorkerDied, default_workers, ordered_map, worker_pool


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
    assert default_workers() == 3
    monkeypatch.setenv("SESSIONLAB_WORKERS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        default_workers()
    monkeypatch.delenv("SESSIONLAB_WORKERS")
    assert default_workers() == (os.cpu_count() or 1)
