"""Reading `SESSIONLAB_*` settings from the environment, each checked where it is read.

The resources (resources.py, classify/settings.py, analyses/assets.py, report/assets.py) are
`ConfigurableResource`s built once, when the code location loads. Every value is checked then: a bad
one is a `SettingError` whose message is one line naming the variable, what it holds and what is
accepted; the code location turns it into that one line and exit status 2 (definitions.py). A text or
whole-number setting that is set becomes `dg.EnvVar` in its field (`text_field`, `integer_field`,
`optional_field`): Dagster resolves it when a run starts and shows the variable's name, never its value,
in the UI. Numbers with a fraction and true/false flags are set as their checked values, because
Dagster's `EnvVar` carries only text and whole numbers. Nothing else in the package reads the
environment.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime

import dagster as dg


class SettingError(ValueError):
    pass


DEFAULT_WORKERS = os.cpu_count() or 1  # SESSIONLAB_WORKERS: one process per core
REPORT_FIRST_MONTH = "2025-10"  # SESSIONLAB_FIRST_MONTH: the report's sample starts in October 2025


def worker_count() -> int:
    """SESSIONLAB_WORKERS as a number, for scripts that start their own pools."""
    return integer("SESSIONLAB_WORKERS", DEFAULT_WORKERS, minimum=1)


def settings(prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every variable whose name starts with one of `prefixes`, with its value, sorted by name."""
    return sorted((name, value) for name, value in os.environ.items() if name.startswith(prefixes))


def is_set(name: str) -> bool:
    return bool(os.environ.get(name))


def text(name: str, default: str) -> str:
    """A value that must not be empty when set (an empty folder path would mean the current folder)."""
    value = os.environ.get(name)
    if value is None:
        return default
    if not value.strip():
        raise SettingError(f"{name} is set but empty: unset it for the default ({default}) or give a value")
    return value


def text_field(name: str, default: str) -> str:
    """A text setting for a resource field: checked now, then `dg.EnvVar(name)` when set, else `default`."""
    text(name, default)
    return dg.EnvVar(name) if name in os.environ else default


def optional_field(name: str) -> str | None:
    """A setting with no default (a key, an address, a file) for a resource field: `dg.EnvVar(name)` when
    set and not empty, else None."""
    return dg.EnvVar(name) if os.environ.get(name) else None


def integer_field(name: str, default: int | None, minimum: int) -> int | None:
    """A whole-number setting for a resource field: checked now, then `dg.EnvVar.int(name)` when set."""
    value = integer(name, default, minimum)
    return dg.EnvVar.int(name) if os.environ.get(name) else value


def integer(name: str, default: int | None, minimum: int) -> int | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingError(f"{name}={value!r}: expected a whole number of at least {minimum}") from None
    if number < minimum:
        raise SettingError(f"{name}={value!r}: expected a whole number of at least {minimum}")
    return number


def number(name: str, default: float | None, low: float, high: float | None = None) -> float | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    accepted = f"a number from {low:g} to {high:g}" if high is not None else f"a number of at least {low:g}"
    try:
        parsed = float(value)
    except ValueError:
        raise SettingError(f"{name}={value!r}: expected {accepted}") from None
    if parsed != parsed or parsed < low or (high is not None and parsed > high):  # NaN included
        raise SettingError(f"{name}={value!r}: expected {accepted}")
    return parsed


def flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise SettingError(f"{name}={value!r}: expected true or false")


def choice(name: str, default: str, accepted: tuple[str, ...]) -> str:
    value = os.environ.get(name, default)
    if value not in accepted:
        raise SettingError(f"{name}={value!r}: expected one of {', '.join(accepted)}")
    return value


_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.I)


def memory_size(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    if not _SIZE.match(value):
        raise SettingError(f"{name}={value!r}: expected a size such as 512MB or 2GB")
    return value


def first_month() -> str:
    """SESSIONLAB_FIRST_MONTH: the first monthly partition (`YYYY-MM`), no later than the current month."""
    name = "SESSIONLAB_FIRST_MONTH"
    value = os.environ.get(name) or REPORT_FIRST_MONTH
    try:
        if len(value) != 7:
            raise ValueError
        month = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise SettingError(f"{name}={value!r}: expected a month as YYYY-MM, such as {REPORT_FIRST_MONTH}") from None
    this_month = date.today().replace(day=1)
    if month > this_month:
        raise SettingError(f"{name}={value!r}: expected a month no later than this one ({this_month:%Y-%m})")
    return value
