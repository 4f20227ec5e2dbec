"""A listener's DJ settings: 'no AI-generated music' (default on), appended on each change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.dj.tables import DjListenerSettingRow
from accord.errors import InvalidInput
from accord.timeutil import now


def _check(listener: str) -> None:
    if not listener or len(listener) > 96:
        raise InvalidInput("a listener id must have 1-96 characters")


def no_ai(session: Session, listener: str, at: datetime | None = None) -> bool:
    _check(listener)
    q = (select(DjListenerSettingRow.no_ai).where(DjListenerSettingRow.listener_id == listener)
         .order_by(DjListenerSettingRow.seq.desc()).limit(1))
    if at is not None:
        q = q.where(DjListenerSettingRow.at <= at)
    v = session.scalar(q)
    return True if v is None else bool(v)


def set_no_ai(session: Session, listener: str, value: bool, at: datetime | None = None) -> dict:
    _check(listener)
    at = at or now()
    session.add(DjListenerSettingRow(listener_id=listener, no_ai=value, at=at))
    session.flush()
    return {"listener": listener, "no_ai": value, "at": at.isoformat()}
