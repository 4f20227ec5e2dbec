"""Time in Accord is always timezone-aware UTC. Parsing and formatting happen here only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from accord.errors import InvalidInput


def utc(dt: datetime) -> datetime:
    """Interpret a naive datetime as UTC; convert an aware one to UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def now() -> datetime:
    return datetime.now(UTC)


def parse_instant(value: str | date | datetime, where: str = "time") -> datetime:
    """ISO 8601 date or date-time; a bare date means 00:00 UTC that day; naive means UTC."""
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not an ISO 8601 date or date-time") from None


def fmt(dt: datetime | None) -> str | None:
    return None if dt is None else utc(dt).isoformat().replace("+00:00", "Z")
