"""The classifier ledger: one row per call key without a key index, and older keyed ledgers rebuilt."""

from __future__ import annotations

import duckdb

from sessionlab_assets import warehouse
from sessionlab_assets.classify.calls import CallKey, CallResult, Ledger

KEY = CallKey("work_mode", "p1", "heuristic-rules", "h1")
OTHER = CallKey("work_mode", "p1", "heuristic-rules", "h2")


def _ok(key: CallKey, answer: str) -> CallResult:
    return CallResult(key=key, backend="heuristic", mode="offline", status="ok", output_json=answer)


def _rows(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.sql(
        "SELECT input_hash, status, output_json, attempts FROM classifier_calls ORDER BY input_hash"
    ).fetchall()


def test_a_retried_call_keeps_one_row_and_counts_its_attempts(ledger):
    ledger.record([CallResult.error(KEY, "heuristic", "offline", "timed out"), _ok(OTHER, '"b"')])
    assert ledger.lookup([KEY, OTHER]).keys() == {OTHER}  # errors are retried, not reused
    assert ledger.lookup([KEY], reuse_errors=True)[KEY].reason == "timed out"
    ledger.record([_ok(KEY, '"a"'), _ok(KEY, '"a2"')])  # the last of a key in one write wins
    assert _rows(ledger.conn) == [("h1", "ok", '"a2"', 2), ("h2", "ok", '"b"', 1)]
    assert ledger.lookup([KEY])[KEY].output_json == '"a2"'


def test_rows_copied_in_from_another_ledger_are_read_latest_first_and_collapse_on_the_next_write(ledger):
    ledger.record([_ok(KEY, '"old"')])
    ledger.conn.execute(
        "INSERT INTO classifier_calls SELECT * REPLACE ('\"new\"' AS output_json, "
        "called_at + INTERVAL 1 HOUR AS called_at) FROM classifier_calls"
    )
    assert ledger.lookup([KEY])[KEY].output_json == '"new"'
    ledger.record([_ok(KEY, '"third"')])
    assert _rows(ledger.conn) == [("h1", "ok", '"third"', 2)]


def test_a_ledger_keyed_by_an_older_version_is_rebuilt_without_the_key_and_keeps_its_rows(tmp_path):
    conn = duckdb.connect(str(tmp_path / "old.duckdb"))
    keyed = (
        (warehouse.SCHEMA_DIR / "classifier_calls.sql")
        .read_text()
        .replace(
            "called_at           TIMESTAMP NOT NULL\n",
            "called_at           TIMESTAMP NOT NULL,\n"
            "    PRIMARY KEY (classifier, prompt_version, model, input_hash)\n",
        )
    )
    assert "PRIMARY KEY" in keyed
    conn.execute(keyed)
    Ledger(conn).record([_ok(KEY, '"a"'), _ok(OTHER, '"b"')])

    assert warehouse.drop_ledger_key(conn)
    warehouse.ensure_schema(conn)  # a second look finds nothing to do
    assert not warehouse.drop_ledger_key(conn)
    constraints = conn.sql(
        "SELECT constraint_type, count(*) FROM duckdb_constraints() WHERE table_name = 'classifier_calls' GROUP BY 1"
    ).fetchall()
    assert dict(constraints).get("PRIMARY KEY") is None and dict(constraints) == {"NOT NULL": 14, "CHECK": 1}
    assert _rows(conn) == [("h1", "ok", '"a"', 1), ("h2", "ok", '"b"', 1)]
    assert conn.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'classifier_calls_keyed'").fetchall() == [
        (0,)
    ]


def test_keys_a_lookup_found_absent_are_appended_and_replaced_once_recorded(ledger):
    ledger.record([_ok(OTHER, '"b"')])
    assert ledger.lookup([KEY, OTHER]).keys() == {OTHER} and ledger.absent == {KEY}
    ledger.record([_ok(KEY, '"a"')])  # absent: appended
    assert ledger.absent == set()
    ledger.record([_ok(KEY, '"a2"')])  # now present: replaced
    assert _rows(ledger.conn) == [("h1", "ok", '"a2"', 2), ("h2", "ok", '"b"', 1)]
