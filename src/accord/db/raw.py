"""Prebuilt Core statements run on the DBAPI cursor, for the few hot reads where SQLAlchemy's
per-call work (parameter and result processing around a large statement) is most of the cost.

The statement is compiled once per dialect; values come back as the driver gives them, so the
caller converts what it reads (see `utc`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement

from accord import timeutil

_COMPILED: dict[tuple[int, str], tuple[ClauseElement, str, tuple[str, ...] | None, dict]] = {}


def fetch_all(conn: Connection, stmt: ClauseElement, params: dict) -> list[tuple]:
    """All rows of `stmt` with these bound values, as the DBAPI's tuples, inside the
    connection's current transaction. Only for statements without list (expanding) parameters."""
    key = (id(stmt), conn.dialect.name)
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not stmt:
        compiled = stmt.compile(dialect=conn.dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("raw.fetch_all takes no list (expanding) parameters")
        positions = tuple(compiled.positiontup) if compiled.positional else None
        entry = _COMPILED[key] = (stmt, compiled.string, positions, dict(compiled.params))
    _, sql, positions, defaults = entry
    values = defaults | params
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, values if positions is None else [values[p] for p in positions])
        return cursor.fetchall()
    finally:
        cursor.close()


def utc(value: datetime | str | None) -> datetime | None:
    """A UTCDateTime column's value as the driver returns it (naive, or an ISO string on
    SQLite), as an aware UTC datetime."""
    if value is None:
        return None
    return timeutil.utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
