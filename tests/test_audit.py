"""The audit chain detects any edited, deleted, inserted or reordered entry, and names it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from accord.db.engine import session_scope
from accord.rights import audit
from accord.rights.audit import AuditLog
from accord.rights.tables import AuditRow


@pytest.fixture
def chain(engine):
    with session_scope(engine) as session:
        log = AuditLog(session, "test")
        for i in range(1, 6):
            log.append("party.create", "parties", f"p{i}", {"name": f"P{i}"}, reason="t")
    with session_scope(engine) as session:
        return engine, AuditLog(session).head()


def verdict(engine, head=None):
    with session_scope(engine) as session:
        return audit.verify(session, head)


def test_intact_chain_verifies(chain):
    engine, head = chain
    v = verdict(engine, head)
    assert v.ok and v.entries == 5 and v.head_hash == head[1]


def test_edited_entry_is_named(chain):
    engine, _ = chain
    with session_scope(engine) as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 3)
                        .values(payload='{"name":"forged"}'))
    v = verdict(engine)
    assert not v.ok and v.first_bad_seq == 3 and "edited" in v.problem


def test_deleted_entry_is_named(chain):
    engine, _ = chain
    with session_scope(engine) as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 2))
    v = verdict(engine)
    assert not v.ok and v.first_bad_seq == 3


def test_inserted_entry_is_named(chain):
    engine, _ = chain
    with session_scope(engine) as session:
        rows = session.execute(select(AuditRow).order_by(AuditRow.seq.desc())).scalars().all()
        for r in rows:  # make room after entry 2 and forge an entry there
            if r.seq > 2:
                r.seq += 1
                session.flush()
        session.add(AuditRow(seq=3, at=rows[-1].at, actor="intruder", action="party.create",
                             entity="parties", entity_id="x", payload="{}", reason="",
                             prev_hash=rows[-2].hash, hash="f" * 64))
    v = verdict(engine)
    assert not v.ok and v.first_bad_seq == 3


def test_reordered_entries_are_named(chain):
    engine, _ = chain
    with session_scope(engine) as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 4).values(seq=100))
        session.execute(update(AuditRow).where(AuditRow.seq == 5).values(seq=4))
        session.execute(update(AuditRow).where(AuditRow.seq == 100).values(seq=5))
    v = verdict(engine)
    assert not v.ok and v.first_bad_seq == 4


def test_truncated_tail_is_caught_against_the_recorded_head(chain):
    engine, head = chain
    with session_scope(engine) as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 5))
    assert verdict(engine).ok  # without the head, a cut tail looks like a shorter log
    v = verdict(engine, head)
    assert not v.ok and v.first_bad_seq == 5
