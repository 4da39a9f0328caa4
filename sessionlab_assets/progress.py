"""Progress of long steps: counts and rates to the Dagster log every few seconds, and a bar on stderr
when stderr is a terminal (the `dagster asset materialize` command line)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        log: Callable[[str], None] = lambda message: None,
        every_seconds: float = 10.0,
        stream: TextIO | None = None,
    ):
        self.label, self.total, self.unit, self.log = label, total, unit, log
        self.every_seconds = every_seconds
        self.stream = stream if stream is not None else sys.stderr
        self.bar = self.stream.isatty()
        self.done = 0
        self.started = self.last_logged = time.monotonic()

    def status(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        remaining = f", about {(self.total - self.done) / rate:.0f}s left" if rate and self.total > self.done else ""
        return f"{self.label}: {self.done:,}/{self.total:,} {self.unit}{share}, {rate:,.1f} {self.unit}/s{remaining}"

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.bar:
            filled = int(30 * self.done / self.total) if self.total else 30
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.status()}\033[K")
            self.stream.flush()
        if now - self.last_logged >= self.every_seconds:
            self.last_logged = now
            self.log(self.status())

    def finish(self) -> None:
        if self.bar:
            self.stream.write("\n")
        self.log(self.status().replace(", about 0s left", "") + f" in {time.monotonic() - self.started:.1f}s")


def console_log_level(level: str) -> dict:
    """Run config that keeps Dagster's console log at `level` ("INFO": progress and warnings, as `make run`
    shows them; "WARNING": warnings only), instead of a DEBUG line per event."""
    return {"loggers": {"console": {"config": {"log_level": level}}}}
