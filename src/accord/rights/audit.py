"""The audit chain: every registry change is an entry whose SHA-256 hash covers the previous one.

hash(n) = sha256(prev_hash || canonical JSON of entry n's fields). Verification walks the log in
sequence order and names the first entry that was edited, deleted, inserted or reordered. The
head (last seq and hash) is also written to `<home>/audit-head.json` after each change, so that a
truncated tail is detected too when that file is kept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.rights.tables import AuditRow
from accord.timeutil import fmt, now

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str,
               entity_id: str, payload: str, reason: str) -> str:
    body = canonical_json({
        "seq": seq, "at": fmt(at), "actor": actor, "action": action, "entity": entity,
        "entity_id": entity_id, "payload": payload, "reason": reason,
    })
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


class AuditLog:
    """Appends entries inside the caller's transaction (so an aborted change leaves no entry)."""

    def __init__(self, session: Session, actor: str = "cli") -> None:
        self.session = session
        self.actor = actor
        self._head: tuple[int, str] | None = None

    def head(self) -> tuple[int, str]:
        if self._head is None:
            last = self.session.execute(
                select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
            ).first()
            self._head = (last.seq, last.hash) if last else (0, GENESIS)
        return self._head

    def append(self, action: str, entity: str, entity_id: str, payload: Any,
               reason: str = "") -> AuditRow:
        seq, prev = self.head()
        seq += 1
        at = now()
        body = canonical_json(payload)
        digest = entry_hash(prev, seq, at, self.actor, action, entity, entity_id, body, reason)
        row = AuditRow(seq=seq, at=at, actor=self.actor, action=action, entity=entity,
                       entity_id=entity_id, payload=body, reason=reason, prev_hash=prev,
                       hash=digest)
        self.session.add(row)
        self._head = (seq, digest)
        return row


@dataclass(frozen=True)
class AuditVerdict:
    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None

    def to_json(self) -> dict:
        return {"ok": self.ok, "entries": self.entries, "head_hash": self.head_hash,
                "first_bad_seq": self.first_bad_seq, "problem": self.problem}


def verify(session: Session, expected_head: tuple[int, str] | None = None) -> AuditVerdict:
    """Recompute the chain; report the first entry that does not fit.

    expected_head, when given (from audit-head.json), also catches entries deleted at the end.
    """
    prev = GENESIS
    expected_seq = 1
    count = 0
    for row in session.execute(select(AuditRow).order_by(AuditRow.seq)).scalars():
        count += 1
        if row.seq != expected_seq:
            return AuditVerdict(False, count, prev, row.seq,
                                f"entry {row.seq}: expected sequence number {expected_seq} "
                                f"(an entry was deleted or inserted before it)")
        if row.prev_hash != prev:
            return AuditVerdict(False, count, prev, row.seq,
                                f"entry {row.seq}: does not link to the entry before it "
                                f"(entries were deleted, inserted or reordered)")
        digest = entry_hash(prev, row.seq, row.at, row.actor, row.action, row.entity,
                            row.entity_id, row.payload, row.reason)
        if digest != row.hash:
            return AuditVerdict(False, count, prev, row.seq,
                                f"entry {row.seq}: its content does not match its hash "
                                f"(the entry was edited)")
        prev = row.hash
        expected_seq += 1
    if expected_head is not None:
        head_seq, head_hash = expected_head
        if head_seq != count or head_hash != prev:
            first_bad = min(head_seq, count + 1)
            return AuditVerdict(False, count, prev, first_bad,
                                f"the log ends at entry {count} but the recorded head is entry "
                                f"{head_seq} ({head_hash[:12]}): entries were removed or added "
                                f"at the end")
    return AuditVerdict(True, count, prev)


def entries_for(session: Session, entity: str, entity_id: str) -> list[AuditRow]:
    return list(session.execute(
        select(AuditRow).where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
        .order_by(AuditRow.seq)).scalars())


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(AuditRow)).scalar_one()


def remember_head(path, engine) -> None:
    """Keep the chain's head outside the database too (after a commit), so that a cut tail is
    detectable by `verify(..., expected_head)`. Written atomically, only when it changed."""
    from accord.atomic import write_text
    from accord.db.engine import session_scope

    with session_scope(engine) as session:
        seq, digest = AuditLog(session).head()
    data = {"seq": seq, "hash": digest}
    if not path.exists() or json.loads(path.read_text()) != data:
        write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
