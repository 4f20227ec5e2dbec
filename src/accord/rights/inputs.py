"""User-supplied names and times (from the CLI or HTTP) turned into domain values, or a clear
InvalidInput naming the field."""

from __future__ import annotations

from datetime import datetime

from accord.errors import InvalidInput
from accord.rights.model import Purpose, Use
from accord.timeutil import parse_instant


def parse_use(value: str) -> Use:
    try:
        return Use(value)
    except ValueError:
        raise InvalidInput(f"unknown use {value!r}; known uses: "
                           f"{', '.join(u.value for u in Use)}") from None


def parse_purpose(value: str) -> Purpose:
    try:
        return Purpose(value.replace("-", "_"))
    except ValueError:
        raise InvalidInput(f"unknown purpose {value!r}; use 'commercial' or "
                           "'non_commercial'") from None


def parse_at(value: str | None, name: str = "--at") -> datetime | None:
    return None if value is None else parse_instant(value, name)
