"""Progress lines: counts, share and rate in the log at intervals, a bar only on a terminal."""

from __future__ import annotations

import io

from sessionlab_assets.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_logs_counts_and_rates_and_draws_a_bar_only_on_a_terminal():
    lines: list[str] = []
    piped = io.StringIO()
    progress = Progress("reading transcripts", 200, "files", lines.append, every_seconds=0.0, stream=piped)
    for _ in range(100):
        progress.advance()
    assert (
        lines[-1].startswith("reading transcripts: 100/200 files (50%)")
        and "files/s" in lines[-1]
        and "left" in lines[-1]
    )
    progress.finish()
    assert lines[-1].startswith("reading transcripts: 100/200 files") and lines[-1].endswith("s")
    assert piped.getvalue() == ""  # no bar into a pipe or a log file

    terminal = Terminal()
    bar = Progress("classifier calls", 10, "calls", stream=terminal)
    bar.advance(10)
    bar.finish()
    assert "[" + "#" * 30 + "]" in terminal.getvalue() and "10/10 calls (100%)" in terminal.getvalue()
