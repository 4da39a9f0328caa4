"""An ingest batch as frames named like the warehouse tables. Column types come from the declared
schema in sql/schema/ at insert time; here we only name the columns."""

from __future__ import annotations

import itertools
from dataclasses import asdict, fields

import polars as pl

from sessionlab_assets.ingest.model import EVENT_COLUMNS, ParsedSession
from sessionlab_assets.ingest.source import IngestBatch, Quarantine, SourceFile, month_of


def _frame(columns: dict[str, list]) -> pl.DataFrame:
    return pl.DataFrame(columns, strict=False, infer_schema_length=None)


def sessions_events_frames(sessions: list[ParsedSession]) -> list[pl.DataFrame]:
    """Each session's rows of `events`: built where the sessions were parsed (a worker process), they
    travel back as Arrow buffers instead of one pickled object per event. One frame is built for all
    the sessions and cut into a slice per session (building a frame per session cost more)."""
    columns: dict[str, list] = {"month": [], "session_id": [], **{name: [] for name in EVENT_COLUMNS}}
    for session in sessions:
        n = len(session.events)
        columns["month"] += [month_of(session)] * n
        columns["session_id"] += [session.session_id] * n
        for name in EVENT_COLUMNS:
            columns[name] += [getattr(event, name) for event in session.events]
    frame = _frame(columns)
    offsets = itertools.accumulate((len(session.events) for session in sessions), initial=0)
    return [frame.slice(offset, len(session.events)) for offset, session in zip(offsets, sessions, strict=False)]


def events_frame(batch: IngestBatch) -> pl.DataFrame:
    """The batch's rows of `events`, from the frames made where each session was parsed
    (`scan_batches(..., prepare=sessions_events_frames)`); the batch must hold a session."""
    return pl.concat([session.prepared for session in batch.sessions], how="vertical_relaxed")


HEADER_FIELDS = (
    "session_id",
    "source_file",
    "source_format",
    "client",
    "user_key",
    "entrypoint",
    "client_version",
    "first_ts",
    "last_ts",
    "subagents",
    "compactions",
    "duplicate_records",
    "quarantined_lines",
    "concatenated_lines",
)


def session_headers_frame(batch: IngestBatch) -> pl.DataFrame:
    columns: dict[str, list] = {"month": [month_of(s) for s in batch.sessions]}
    for name in HEADER_FIELDS:
        columns[name] = [getattr(s, name) for s in batch.sessions]
    return _frame(columns)


def _dataclass_frame(rows: list, cls: type) -> pl.DataFrame:
    names = [f.name for f in fields(cls)]
    dicts = [asdict(row) for row in rows]
    return _frame({name: [d[name] for d in dicts] for name in names})


def ingest_errors_frame(batch: IngestBatch) -> pl.DataFrame:
    return _dataclass_frame(batch.quarantine, Quarantine)


def source_files_frame(batch: IngestBatch) -> pl.DataFrame:
    return _dataclass_frame(batch.files, SourceFile)
