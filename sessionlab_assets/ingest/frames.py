"""An ingest batch as frames named like the warehouse tables. Column types come from the declared
schema in sql/schema/ at insert time; here we only name the columns."""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, fields

import polars as pl

from sessionlab_assets.classify.transcript import RENDERER_VERSION, session_windows
from sessionlab_assets.classify.window import Window
from sessionlab_assets.ingest.model import EVENT_COLUMNS, ParsedSession
from sessionlab_assets.ingest.source import IngestBatch, Quarantine, SourceFile, is_headless, month_of


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


@dataclass(frozen=True)
class PreparedSession:
    """What the ingest keeps of a session parsed in a worker, once its events are dropped."""

    events: pl.DataFrame
    window: Window | None  # None for a headless session (no human turn): it is not classified


def prepare_sessions(sessions: list[ParsedSession]) -> list[PreparedSession]:
    """Events frames and classifier windows of sessions parsed with `keep_text=True`, made in the one
    pass that reads the transcripts (`scan_batches(..., prepare=prepare_sessions)`)."""
    talking = [session for session in sessions if not is_headless(session)]
    windows = iter(session_windows(talking))
    return [
        PreparedSession(events, None if is_headless(session) else next(windows))
        for session, events in zip(sessions, sessions_events_frames(sessions), strict=True)
    ]


def events_frame(batch: IngestBatch) -> pl.DataFrame:
    """The batch's rows of `events`, from the frames made where each session was parsed
    (`scan_batches(..., prepare=prepare_sessions)`); the batch must hold a session."""
    # One chunk: DuckDB reads a frame of thousands of small chunks (one per session) about eight times
    # slower than the same rows in one.
    return pl.concat([session.prepared.events for session in batch.sessions], how="vertical_relaxed").rechunk()


CLASSIFIER_INPUT_SCHEMA = {
    "month": pl.Date,
    "session_id": pl.String,
    "renderer_version": pl.String,
    "window_hash": pl.String,
    "window_text": pl.String,
    "per_message_chars": pl.Int32,
    "total_chars": pl.Int32,
    "chars_kept": pl.Int32,
    "chars_dropped": pl.Int32,
    "messages_cut": pl.Int32,
    "window_cut": pl.Boolean,
    "redactions": pl.Int32,
    "redaction_kinds": pl.String,
}


def classifier_inputs_frame(batch: IngestBatch) -> pl.DataFrame:
    """The batch's rows of `classifier_inputs`: one per session with a window."""
    rows = [
        {
            "month": month_of(session),
            "session_id": session.session_id,
            "renderer_version": RENDERER_VERSION,
            "window_hash": window.window_hash,
            "window_text": window.text,
            "per_message_chars": window.per_turn,
            "total_chars": window.total,
            "chars_kept": window.chars_kept,
            "chars_dropped": window.chars_dropped,
            "messages_cut": window.messages_cut,
            "window_cut": window.window_cut,
            "redactions": sum(window.redactions.values()),
            "redaction_kinds": json.dumps(dict(sorted(window.redactions.items()))),
        }
        for session in batch.sessions
        if (window := session.prepared.window) is not None
    ]
    return pl.DataFrame(rows, schema=CLASSIFIER_INPUT_SCHEMA)


HEADER_FIELDS = (
    "session_id",
    "source_file",
    "source_format",
    "client",
    "user_key",
    "entrypoint",
    "client_version",
    "timestamps_from",
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


def source_files_frame(batch: IngestBatch, read_as: str) -> pl.DataFrame:
    """The files' rows, each saying how this run read it (`inventory.read_as`)."""
    return _dataclass_frame(batch.files, SourceFile).with_columns(read_as=pl.lit(read_as, pl.String))
