"""How far the offline rules agree with real sessions labelled with the report's rubrics, as last
measured: `benchmarks/heuristic_agreement.py --sessions 0 --record` writes `rules_agreement.json` beside
this file, with the rules' version; a report of heuristic labels shows it when the version is the one
that labelled them, and says the figures are out of date otherwise. A test re-measures them when the
labelled set is at hand, so the file cannot keep figures the rules no longer earn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from sessionlab_assets.classify import heuristic

RECORDED = Path(__file__).with_name("rules_agreement.json")
MEASURED_WITH = "python benchmarks/heuristic_agreement.py --sessions 0 --record"
# The figures kept per classifier; the intervals are 95% bootstrap intervals resampling people.
FIGURES = (
    "sessions",
    "accuracy",
    "accuracy_low",
    "accuracy_high",
    "kappa",
    "kappa_low",
    "kappa_high",
    "weighted_kappa",
    "weighted_kappa_low",
    "weighted_kappa_high",
)


def record(rows: pl.DataFrame, labelled_set: str, people: int, path: Path = RECORDED) -> dict[str, Any]:
    """Write the agreement `rows` (one per classifier, with FIGURES) measured for the current rules."""
    out = {
        "rules_version": heuristic.VERSION,
        "labelled_set": labelled_set,
        "sessions": int(rows["sessions"].max()),
        "people": people,
        "measured_with": MEASURED_WITH,
        "classifiers": [
            {"classifier": row["classifier"], **{k: _rounded(row.get(k)) for k in FIGURES}}
            for row in rows.iter_rows(named=True)
        ],
    }
    path.write_text(json.dumps(out, indent=1) + "\n")
    return out


def _rounded(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def recorded(path: Path = RECORDED) -> dict[str, Any] | None:
    """The last recorded agreement, or None when none was recorded."""
    return json.loads(path.read_text()) if path.is_file() else None
