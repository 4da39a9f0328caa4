"""Reading `SESSIONLAB_*` settings from the environment, each checked where it is read.

A bad value is a `SettingError` whose message is one line naming the variable, what it holds and what
is accepted; the code location turns it into that one line and exit status 2 (definitions.py).
"""

from __future__ import annotations

import os
import re


class SettingError(ValueError):
    pass


def text(name: str, default: str) -> str:
    """A value that must not be empty when set (an empty folder path would mean the current folder)."""
    value = os.environ.get(name)
    if value is None:
        return default
    if not value.strip():
        raise SettingError(f"{name} is set but empty: unset it for the default ({default}) or give a value")
    return value


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
