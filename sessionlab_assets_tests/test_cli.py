"""The code location as users drive it: the dagster CLI, the shipped dagster.yaml, single-run backfills."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sessionlab_assets.definitions import defs
from sessionlab_assets.fixtures.build_fixture_corpus import build
from sessionlab_assets.partitions import monthly_partitions

REPO_ROOT = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).with_name("dagster"))


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "instance" / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SESSIONLAB_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SESSIONLAB_SOURCE_DIR": str(build(tmp_path / "corpus")),
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_definitions_validate(env):
    _run([DAGSTER, "definitions", "validate", "-w", "workspace.yaml"], env)


def test_three_months_backfill_from_the_cli_is_one_run(env, monkeypatch):
    _run(
        [
            DAGSTER,
            "asset",
            "materialize",
            "-m",
            "sessionlab_assets.definitions",
            "--select",
            "group:ingest",
            "--partition-range",
            "2026-01...2026-03",
        ],
        env,
    )
    with duckdb.connect(env["SESSIONLAB_WAREHOUSE"], read_only=True) as conn:
        months = [m for (m,) in conn.execute("SELECT DISTINCT month FROM sessions ORDER BY 1").fetchall()]
    assert months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert len(runs) == 1
        assert runs[0].tags["dagster/asset_partition_range_start"] == "2026-01"
        assert runs[0].tags["dagster/asset_partition_range_end"] == "2026-03"
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_partitions_and_pools():
    keys = monthly_partitions.get_partition_keys()
    assert keys[0] == "2025-10" and all(len(k) == 7 and k[4] == "-" for k in keys)
    for assets_def in defs.assets:
        if assets_def.partitions_def is not None:
            assert assets_def.backfill_policy == dg.BackfillPolicy.single_run()
            assert assets_def.op.pool == "warehouse"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_with_a_malformed_month_range_says_what_it_expects_once(env):
    """`make run MONTHS=...` checks the range before anything starts: one line naming the setting, exit 2."""
    if not (REPO_ROOT / ".venv" / "bin" / ".installed").is_file():
        pytest.skip("needs the project's .venv as `make setup` leaves it")
    result = subprocess.run(
        ["make", "--no-print-directory", "run", "MONTHS=2026-13"],
        cwd=REPO_ROOT,
        env={**env, "DAGSTER_HOME": str(REPO_ROOT / "data" / "dagster_home")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    said = [line for line in result.stderr.splitlines() if line.startswith("sessionlab:")]
    assert said == ["sessionlab: MONTHS='2026-13': expected YYYY-MM or YYYY-MM...YYYY-MM, such as 2026-01...2026-03"]
