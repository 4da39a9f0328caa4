"""A pool of worker processes for the CPU-bound steps (parsing transcripts, rendering windows, the
offline rules), and an ordered map over it that keeps only a few tasks in flight, so results arrive in
input order and memory holds a bounded number of them; `read_ahead` makes the next item of a stream
(the next round of windows) in a thread while the caller works on this one, so the pool stays busy.

Workers are started with `spawn`: the parent holds DuckDB connections and Dagster's threads, which a
forked child must not inherit. One process per core is the default (`SESSIONLAB_WORKERS`).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def worker_pool(workers: int) -> Iterator[Executor | None]:
    """A process pool of `workers`, or None (work runs in this process) when `workers` is 1."""
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        yield pool


def _exit_with_parent(parent: int) -> None:
    """In a worker: end this process once its parent is gone. A parent killed hard (kill -9, out of
    memory) cannot tell its workers, which would otherwise wait for work forever, holding their memory."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class WorkerDied(RuntimeError):
    pass


def _result(future: Future) -> Any:
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise WorkerDied(
            "A worker process died without an answer (killed, most often for lack of memory). Nothing was "
            "written; run again with fewer workers (SESSIONLAB_WORKERS=1 runs everything in one process)."
        ) from error


def ordered_map(pool: Executor | None, function: Callable[..., R], items: Iterable[T], *args: Any) -> Iterator[R]:
    """`function(item, *args)` for each item, in input order; at most two tasks per worker in flight.
    An exception raised in a worker is raised here, with the worker's traceback attached."""
    if pool is None:
        for item in items:
            yield function(item, *args)
        return
    in_flight: deque[Future] = deque()
    limit = 2 * getattr(pool, "_max_workers", 2)
    for item in items:
        in_flight.append(pool.submit(function, item, *args))
        if len(in_flight) >= limit:
            yield _result(in_flight.popleft())
    while in_flight:
        yield _result(in_flight.popleft())


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """`items`, each produced in a background thread while the caller works on the one before, so the
    work behind the next item (the tasks it submits to the worker pool) overlaps with the caller's
    work on this one, and the workers are not left idle between the two. Memory holds up to three
    items: the caller's, the one waiting, the one being made. An exception raised while making an
    item is raised here; leaving early stops the thread before its next item."""
    end = object()
    waiting: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(entry: tuple[Any, BaseException | None]) -> None:
        while not stop.is_set():
            try:
                waiting.put(entry, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for item in items:
                offer((item, None))
                if stop.is_set():
                    return
            offer((end, None))
        except BaseException as error:  # handed to the caller, raised there
            offer((end, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = waiting.get()
            if item is end:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()
