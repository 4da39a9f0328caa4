"""`make run` with nothing changed says so and stops; anything changed and it runs."""

from __future__ import annotations

import os
import time

from sessionlab_assets import up_to_date

MONTHS = "2025-10...2026-04"


def test_nothing_changed_is_current_and_any_change_is_not(tmp_path, monkeypatch):
    source, report, export = tmp_path / "source", tmp_path / "report", tmp_path / "export"
    for folder in (source / "ana", report, export):
        folder.mkdir(parents=True)
    transcript = source / "ana" / "s1.jsonl"
    transcript.write_text("{}\n")
    (report / "report.html").write_text("<html></html>")
    (export / "snapshot.duckdb").write_bytes(b"")
    (tmp_path / "warehouse.duckdb").write_bytes(b"")
    monkeypatch.setenv("SESSIONLAB_SOURCE_DIR", str(source))
    monkeypatch.setenv("SESSIONLAB_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SESSIONLAB_REPORT_DIR", str(report))
    monkeypatch.setenv("SESSIONLAB_EXPORT_DIR", str(export))

    assert up_to_date.main(["check", MONTHS]) == 1  # never recorded
    up_to_date.main(["record", MONTHS])
    assert up_to_date.main(["check", MONTHS]) == 0
    assert up_to_date.main(["check", "2026-01...2026-04"]) == 1  # other months asked for

    later = time.time_ns() + 10**9
    os.utime(transcript, ns=(later, later))  # a transcript touched
    assert up_to_date.main(["check", MONTHS]) == 1
    up_to_date.main(["record", MONTHS])
    (source / "ana" / "s2.jsonl").write_text("{}\n")  # a new one
    assert up_to_date.main(["check", MONTHS]) == 1
    up_to_date.main(["record", MONTHS])

    monkeypatch.setenv("SESSIONLAB_MIN_CELL_USERS", "5")  # a setting
    assert up_to_date.main(["check", MONTHS]) == 1
    up_to_date.main(["record", MONTHS])
    (report / "report.html").unlink()  # an output gone
    assert up_to_date.main(["check", MONTHS]) == 1


def test_a_bad_setting_is_one_line_and_status_2(monkeypatch, capsys):
    monkeypatch.setenv("SESSIONLAB_WORKERS", "0")
    assert up_to_date.main(["check", MONTHS]) == 2
    assert capsys.readouterr().err.strip() == (
        "sessionlab: SESSIONLAB_WORKERS='0': expected a whole number of at least 1"
    )
