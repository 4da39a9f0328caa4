"""Whether `make run` has anything to do: a fingerprint of everything a complete run read and wrote.

After a complete run `make run` records, beside the warehouse, one hash over: the months asked for;
every `SESSIONLAB_*` and `ANTHROPIC_*` setting (the key itself only as a hash); the package's code,
prompts and SQL; every file under the source folder (path, size, modification time); and the
warehouse, report and snapshot files it left (size, modification time). The next `make run` computes
the same hash first: if nothing changed, the report and the snapshot are already what a run would make,
so it says so and stops, without starting Dagster. Anything that changed — a transcript touched, a
setting, a prompt, a deleted report — and the run goes ahead as always (its steps skip what is current
on their own: unchanged files are not read, current labels are not asked for again).

    python -m sessionlab_assets.up_to_date check 2025-10...2026-04    # exit 0: nothing to do
    python -m sessionlab_assets.up_to_date record 2025-10...2026-04
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from sessionlab_assets import environment
from sessionlab_assets.ingest import inventory
from sessionlab_assets.paths import PACKAGE_DIR
from sessionlab_assets.report.settings import report_settings
from sessionlab_assets.resources import transcript_source, warehouse_resource

SETTING_PREFIXES = ("SESSIONLAB_", "ANTHROPIC_")
CODE_SUFFIXES = {".py", ".md", ".sql", ".csv"}


def _code_files() -> list[Path]:
    """The package's code, prompts and SQL (the last two reached through the package's links)."""
    found = []
    for directory, folders, names in os.walk(PACKAGE_DIR, followlinks=True):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        found += [Path(directory, n) for n in sorted(names) if Path(n).suffix in CODE_SUFFIXES]
    return found


def _stat_line(path: Path, base: Path) -> str:
    try:
        status = path.stat()
    except OSError:
        return f"{path.relative_to(base)} missing"
    return f"{path.relative_to(base)} {status.st_size} {status.st_mtime_ns}"


def fingerprint(months: str) -> str:
    """One hash of what a run would read and what the last run wrote (see the module's docstring)."""
    source = transcript_source().process_config_and_initialize()
    report = report_settings().process_config_and_initialize()
    warehouse = warehouse_resource().process_config_and_initialize().path()
    digest = hashlib.sha256(f"months {months}\n".encode())
    for name, value in environment.settings(SETTING_PREFIXES):
        shown = hashlib.sha256(value.encode()).hexdigest() if "KEY" in name else value
        digest.update(f"setting {name}={shown}\n".encode())
    for path in _code_files():
        digest.update(f"code {path.relative_to(PACKAGE_DIR)} ".encode() + hashlib.sha256(path.read_bytes()).digest())
    root = source.root()
    # The files as the ingest's inventory sees them: the same walk, the same links followed.
    for relative, (size, mtime_ns) in sorted(inventory.stat_tree(root).items()) if root.is_dir() else []:
        digest.update(f"source {relative} {size} {mtime_ns}\n".encode())
    outputs = [warehouse, Path(report.report_dir).expanduser() / "report.html"]
    outputs.append(Path(report.export_dir).expanduser() / "snapshot.duckdb")
    for path in outputs:
        digest.update(f"output {_stat_line(path, path.parent)}\n".encode())
    return digest.hexdigest()


def record_path() -> Path:
    warehouse = warehouse_resource().process_config_and_initialize().path()
    return warehouse.with_name(warehouse.name + ".last-run")


def main(argv: list[str] | None = None) -> int:
    """check: 0 when nothing changed, 1 when a run is needed, 2 for a bad setting (said in one line)."""
    action, months = (argv if argv is not None else sys.argv[1:])[:2]
    try:
        return _main(action, months)
    except environment.SettingError as error:
        print(f"sessionlab: {error}", file=sys.stderr)
        return 2


def _main(action: str, months: str) -> int:
    if action == "record":
        record_path().write_text(fingerprint(months) + "\n")
        return 0
    recorded = record_path().read_text().strip() if record_path().is_file() else None
    if recorded != fingerprint(months):
        return 1
    report = report_settings().process_config_and_initialize()
    print(
        "sessionlab: nothing changed since the last complete run (transcripts, settings, code, outputs): "
        f"the report ({Path(report.report_dir).expanduser() / 'report.html'}) and the snapshot are current"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
