"""The classifiers' inputs as the ingest stored them: each session's redacted window (`classifier_inputs`)
and the telemetry the offline rules read, as `SessionInput`s. No transcript is opened here."""

from collections import Counter
from collections.abc import Iterator

import orjson

from sessionlab_assets.classify.run import SessionInput
from sessionlab_assets.classify.window import Window

# The telemetry of `sessions` the offline rules read with each window.
FACT_COLUMNS = (
    "human_turns",
    "tool_calls",
    "tool_errors",
    "lines_added",
    "lines_removed",
    "git_commits",
    "git_pushes",
    "pull_requests",
    "test_runs",
    "test_runs_passed",
    "test_runs_failed",
    "interruptions",
    "output_words",
)

_SELECT = (
    "SELECT s.month, s.session_id, s.user_key, s.headless, {facts}, i.window_text, i.per_message_chars, "
    "i.total_chars, i.chars_kept, i.chars_dropped, i.messages_cut, i.window_cut, i.redaction_kinds "
    "FROM sessions s LEFT JOIN classifier_inputs i USING (session_id) "
).format(facts=", ".join(f"s.{c}" for c in FACT_COLUMNS))


def session_rounds(conn, months: list, sessions_per_round: int) -> Iterator[list[SessionInput]]:
    """The months' sessions as classifier inputs, `sessions_per_round` at a time, each with the window the
    ingest stored, read in one pass: any filtered read of the stored windows scans all of them, so
    reading a round at a time made the step's time grow with the square of the sessions. The pass runs
    on a cursor of its own, so `conn` stays free for the ledger's and the round's writes meanwhile;
    the join keeps the months' telemetry in memory and streams the windows (memory holds one round of
    them). Sessions with no stored window (headless, or not ingested with this version) come last."""
    reader = conn.cursor()
    try:
        result = reader.execute(_SELECT + "WHERE list_contains($months, s.month)", {"months": months})
        columns = [d[0] for d in result.description]
        while rows := result.fetchmany(sessions_per_round):
            yield [session_input(dict(zip(columns, row, strict=True))) for row in rows]
    finally:
        reader.close()


HEADLESS_NOT_CLASSIFIED = "headless session (no human turns): not classified"
# A measure row's status as counted for people: a headless session's row (stored as abstained, with the
# reason above) is "headless", not the classifier abstaining. SQL over a measure table's columns.
HEADLESS = "headless"
COUNTED_STATUS = f"CASE WHEN reason = '{HEADLESS_NOT_CLASSIFIED}' THEN '{HEADLESS}' ELSE status END"


def session_input(row: dict) -> SessionInput:
    common = {
        "month": row["month"],
        "session_id": row["session_id"],
        "user_key": row["user_key"],
        # Offline rules count what they see: a count the format cannot tell (NULL) counts as none.
        "facts": {c: row[c] or 0 for c in FACT_COLUMNS},
    }
    if row["headless"]:
        return SessionInput(
            **common,
            window=None,
            skip_status="abstained",
            skip_reason=HEADLESS_NOT_CLASSIFIED,
        )
    if row["window_text"] is None:
        return SessionInput(
            **common,
            window=None,
            skip_status="error",
            skip_reason="no stored classifier input for this session: re-run the ingest for this month",
        )
    window = Window(
        text=row["window_text"],
        chars_kept=row["chars_kept"],
        chars_dropped=row["chars_dropped"],
        per_turn=row["per_message_chars"],
        total=row["total_chars"],
        redactions=Counter(orjson.loads(row["redaction_kinds"])),
        messages_cut=row["messages_cut"],
        window_cut=row["window_cut"],
    )
    return SessionInput(**common, window=window)


def stored_inputs(conn, session_ids: list[str]) -> list[SessionInput]:
    """These sessions' classifier inputs, in session id order."""
    relation = conn.sql(
        _SELECT + "WHERE s.session_id IN (SELECT unnest($ids)) ORDER BY s.session_id", params={"ids": session_ids}
    )
    columns = relation.columns
    return [session_input(dict(zip(columns, row, strict=True))) for row in relation.fetchall()]
