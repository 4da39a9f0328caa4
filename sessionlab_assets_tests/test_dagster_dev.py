"""A real `dagster dev` (webserver and daemon) on loopback: a three-month backfill launched through its
GraphQL API, as the UI launches one, completes in a single run and writes every month."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from sessionlab_assets.definitions import monthly_job
from sessionlab_assets.resources import REPO_ROOT
from sessionlab_assets.sample import corpus

MONTHS = ["2025-10", "2025-11", "2025-12"]
STARTUP_SECONDS = 180
BACKFILL_SECONDS = 600
FINISHED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}

LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
  }
}"""
STATUS = """
query Status($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status runs(limit: 20) { runId status tags { key value } } }
    ... on PythonError { message }
  }
}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _graphql(port: int, query: str, variables: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:  # GraphQL errors come back as HTTP 500 with the reason in the body
        raise AssertionError(f"GraphQL {error.code}: {error.read().decode()[:2000]}") from error
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture()
def dagster_dev(tmp_path, dagster_home):
    sample = tmp_path / "sample"
    corpus.build(sample, sessions=60, seed=11, workers=1)
    warehouse = tmp_path / "warehouse.duckdb"
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "SESSIONLAB_SOURCE_DIR": str(sample / corpus.TRANSCRIPTS),
        "SESSIONLAB_WAREHOUSE": str(warehouse),
        "SESSIONLAB_CLASSIFIER_BACKEND": "heuristic",
    }
    log = open(tmp_path / "dagster_dev.log", "w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "dev",
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, (tmp_path / "dagster_dev.log").read_text()[-3000:]
            try:
                data = _graphql(
                    port, "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }", {}
                )
                entries = data["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError, AssertionError):
                pass
            assert time.monotonic() < deadline, "dagster dev did not come up"
            time.sleep(1)
        yield port, warehouse, tmp_path / "dagster_dev.log"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_a_three_month_backfill_through_graphql_runs_once_and_writes_every_month(dagster_dev):
    port, warehouse, log = dagster_dev
    keys = sorted(key.path for key in monthly_job.selection.resolve(_asset_graph()))
    launched = _graphql(
        port,
        LAUNCH,
        {"params": {"partitionNames": MONTHS, "assetSelection": [{"path": k} for k in keys], "title": "test backfill"}},
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    deadline = time.monotonic() + BACKFILL_SECONDS
    while True:
        backfill = _graphql(port, STATUS, {"id": launched["backfillId"]})["partitionBackfillOrError"]
        if backfill["status"] in FINISHED and all(
            r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in backfill["runs"]
        ):
            break
        assert time.monotonic() < deadline, f"backfill still {backfill['status']}: {log.read_text()[-3000:]}"
        time.sleep(2)
    assert backfill["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), backfill
    # Single-run backfill policy: three months, one run, covering the range.
    assert len(backfill["runs"]) == 1 and backfill["runs"][0]["status"] == "SUCCESS"
    tags = {t["key"]: t["value"] for t in backfill["runs"][0]["tags"]}
    assert (tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")) == (
        "2025-10",
        "2025-12",
    )
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        months = dict(conn.sql("SELECT strftime(month, '%Y-%m'), count(*) FROM sessions GROUP BY 1").fetchall())
        measured = dict(
            conn.sql("SELECT strftime(month, '%Y-%m'), count(*) FROM session_measures GROUP BY 1").fetchall()
        )
        labelled = conn.sql("SELECT count(*) FROM work_mode WHERE status = 'ok'").fetchall()[0][0]
    assert set(months) == set(MONTHS) and all(n > 0 for n in months.values())
    assert measured == months and labelled > 0


def _asset_graph():
    from sessionlab_assets.definitions import defs

    return defs.resolve_asset_graph()
