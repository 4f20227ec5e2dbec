"""accord.db.raw: a prebuilt statement on the DBAPI cursor, inside the session's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select

from accord.db import raw
from accord.rights.tables import AgreementRow, PartyRow

_P = PartyRow.__table__
_BY_ID = select(_P.c.id, _P.c.name).where(_P.c.id == bindparam("id"))


def test_fetch_all_sees_the_transactions_own_writes(session):
    session.add(PartyRow(id="p1", name="Demo Label One", demo=True))
    session.flush()  # written in this transaction, not committed
    assert raw.fetch_all(session.connection(), _BY_ID, {"id": "p1"}) == [("p1", "Demo Label One")]
    assert raw.fetch_all(session.connection(), _BY_ID, {"id": "p2"}) == []


def test_fetch_all_binds_repeated_and_positional_parameters(session):
    session.add_all([PartyRow(id="a", name="A"), PartyRow(id="b", name="B")])
    session.flush()
    stmt = select(_P.c.id).where((_P.c.id == bindparam("x")) | (_P.c.name == bindparam("y"))
                                 | (_P.c.id == bindparam("x"))).order_by(_P.c.id)
    assert raw.fetch_all(session.connection(), stmt, {"x": "a", "y": "B"}) == [("a",), ("b",)]


def test_fetch_all_refuses_list_parameters(session):
    stmt = select(_P.c.id).where(_P.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        raw.fetch_all(session.connection(), stmt, {"ids": ["a"]})


def test_utc_reads_what_either_driver_returns():
    aware = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)
    assert raw.utc(None) is None
    assert raw.utc(datetime(2026, 6, 1, 12, 30)) == aware  # PostgreSQL: naive UTC
    assert raw.utc("2026-06-01 12:30:00.000000") == aware  # SQLite: the stored string
    assert raw.utc(aware) is aware


def test_utc_round_trips_a_stored_column(session):
    session.add(PartyRow(id="p1", name="Demo Label One", demo=True))
    session.flush()
    when = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    session.add(AgreementRow(id="ag1", licensor_id="p1", purpose="commercial",
                             catalogue_all=True, valid_from=when, recorded_at=when))
    session.flush()
    a = AgreementRow.__table__
    [(stored,)] = raw.fetch_all(session.connection(), select(a.c.valid_from)
                                .where(a.c.id == bindparam("id")), {"id": "ag1"})
    assert raw.utc(stored) == when
