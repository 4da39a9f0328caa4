"""The package as a wheel: built from the project, installed into a fresh virtualenv, it loads the code
location, reads every prompt, finds the rules' recorded agreement and builds the warehouse schema from
its own files (no project folder beside it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from sessionlab_assets.resources import REPO_ROOT

CHECK = """
import sessionlab_assets, duckdb
from sessionlab_assets import warehouse
from sessionlab_assets.classify.registry import CLASSIFIERS
from sessionlab_assets.definitions import defs

assert "site-packages" in sessionlab_assets.__file__, sessionlab_assets.__file__
keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
assert {"sessions", "classifier_inputs", "work_mode", "session_measures", "report"} <= keys, keys
assert all(c.instructions() for c in CLASSIFIERS.values())
from sessionlab_assets.classify import heuristic, rules_agreement
assert rules_agreement.recorded()["rules_version"] == heuristic.VERSION  # the report's caveat ships with it
conn = duckdb.connect()
warehouse.ensure_schema(conn)
print(len(keys), len(CLASSIFIERS), len(conn.sql("SHOW TABLES").fetchall()))
"""


def test_a_wheel_installed_in_a_fresh_virtualenv_loads_the_definitions(tmp_path):
    # Built from a copy: a build writes build/ and *.egg-info beside the sources.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    for name in ("sessionlab_assets", "prompts", "sql"):
        shutil.copytree(REPO_ROOT / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("sessionlab-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=300)
    # The dependencies come from this environment's site-packages (appended after the venv's own, so
    # `sessionlab_assets` can only be the installed wheel); installing them again would only take time.
    venv_site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (venv_site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    done = subprocess.run(
        [python, "-c", CHECK], cwd=workdir, capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"}
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assets, classifiers, tables = map(int, done.stdout.split())
    assert classifiers == 11 and tables > 20
    assert not (workdir / "data").exists()  # loading creates no folder
