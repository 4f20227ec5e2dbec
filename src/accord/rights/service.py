"""Rights services: the functions the CLI and the HTTP API both call. Each takes a Session and
runs inside the caller's transaction (`session_scope`), so a failure leaves nothing written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord import identifiers
from accord.errors import InvalidInput, NotFound
from accord.rights import codec, repository
from accord.rights.audit import AuditLog, entries_for
from accord.rights.document import (
    ConsentDoc,
    RightsDocument,
    TerminationDoc,
    WithdrawalDoc,
    load_document,
)
from accord.rights.model import (
    PERSON_ROLES,
    WORLDWIDE,
    ConsentAction,
    Purpose,
    Role,
    Use,
    WithdrawalAction,
)
from accord.rights.permission import Decision, decide_recording, decide_work
from accord.rights.tables import (
    AgreementRow,
    AgreementTerminationRow,
    ConsentEventRow,
    PartyRow,
    RecordingMasterRow,
    RecordingRow,
    RecordingWithdrawalRow,
    WorkPublisherRow,
    WorkRow,
)
from accord.rights.validate import RegistryView, check_document
from accord.timeutil import fmt, now


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, section: str) -> None:
        d = getattr(self, bucket)
        d[section] = d.get(section, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def to_json(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


# --- import -----------------------------------------------------------------------------------

def _registry_view(session: Session, doc: RightsDocument) -> RegistryView:
    view = RegistryView()
    for row in session.execute(select(PartyRow)).scalars():
        view.party_roles[row.id] = frozenset(Role(r.role) for r in row.roles)
    view.works = set(session.execute(select(WorkRow.id)).scalars())
    view.recordings = set(session.execute(select(RecordingRow.id)).scalars())
    view.agreements = set(session.execute(select(AgreementRow.id)).scalars())
    view.isrc_owner = dict(session.execute(
        select(RecordingRow.isrc, RecordingRow.id).where(RecordingRow.isrc.isnot(None))).all())
    view.iswc_owner = {
        identifiers.normalise_iswc(iswc) or iswc: wid
        for iswc, wid in session.execute(
            select(WorkRow.iswc, WorkRow.id).where(WorkRow.iswc.isnot(None))).all()}
    for section, table, to_doc in (("agreements", AgreementRow, codec.agreement_doc),
                                   ("consents", ConsentEventRow, codec.consent_doc),
                                   ("terminations", AgreementTerminationRow,
                                    codec.termination_doc),
                                   ("withdrawals", RecordingWithdrawalRow,
                                    codec.withdrawal_doc)):
        for item in getattr(doc, section):
            row = session.get(table, item.id)
            if row is not None:
                stored = codec.canonical(to_doc(row))
                view.same_event[item.id] = lambda new, stored=stored: codec.canonical(new) == stored
    return view


def import_document(session: Session, doc: RightsDocument, source: str,
                    audit: AuditLog) -> ImportSummary:
    """Validate the whole document against itself and the registry, then write it.

    Parties, works and recordings are upserted (a changed one is updated, with an audit entry);
    agreements, consents, terminations and withdrawals are events: new ones are appended,
    identical ones are skipped, a different one under an existing id is an error. Importing
    twice changes nothing.
    """
    problems = check_document(doc, source, _registry_view(session, doc))
    if problems:
        raise InvalidInput(f"{source}: {len(problems)} problem(s); nothing was imported", problems)
    summary = ImportSummary()
    recorded_at = now()
    for section, table, to_doc, fill in (
        ("parties", PartyRow, codec.party_doc, codec.fill_party),
        ("works", WorkRow, codec.work_doc, codec.fill_work),
        ("recordings", RecordingRow, codec.recording_doc, codec.fill_recording),
    ):
        for item in getattr(doc, section):
            row = session.get(table, item.id)
            if row is not None and codec.canonical(to_doc(row)) == codec.canonical(item):
                summary.count("unchanged", section)
                continue
            action = "update" if row is not None else "create"
            if row is None:
                row = table(id=item.id)
                session.add(row)
            fill(row, item)
            session.flush()
            audit.append(f"{section[:-1] if section != 'parties' else 'party'}.{action}",
                         section, item.id, codec.canonical(item), reason=f"import {source}")
            summary.count("created" if action == "create" else "updated", section)
    for item in doc.agreements:
        if session.get(AgreementRow, item.id) is not None:
            summary.count("unchanged", "agreements")
            continue
        session.add(codec.new_agreement(item, recorded_at))
        session.flush()
        audit.append("agreement.create", "agreements", item.id, codec.canonical(item),
                     reason=f"import {source}")
        summary.count("created", "agreements")
    for c in doc.consents:
        if _append_consent(session, c, audit, recorded_at, f"import {source}"):
            summary.count("created", "consents")
        else:
            summary.count("unchanged", "consents")
    for t in doc.terminations:
        if _append_termination(session, t, audit, recorded_at, f"import {source}"):
            summary.count("created", "terminations")
        else:
            summary.count("unchanged", "terminations")
    for w in doc.withdrawals:
        if _append_withdrawal(session, w, audit, recorded_at, f"import {source}"):
            summary.count("created", "withdrawals")
        else:
            summary.count("unchanged", "withdrawals")
    return summary


def import_file(session: Session, path: Path, audit: AuditLog) -> ImportSummary:
    return import_document(session, load_document(path), str(path), audit)


def _append_consent(session: Session, c: ConsentDoc, audit: AuditLog, recorded_at: datetime,
                    reason: str) -> bool:
    if session.get(ConsentEventRow, c.id) is not None:
        return False
    session.add(ConsentEventRow(id=c.id, party_id=c.party, use=c.use.value,
                                action=c.action.value, effective_at=c.effective_at,
                                reason=c.reason, recorded_at=recorded_at))
    session.flush()
    audit.append(f"consent.{c.action.value}", "consents", c.id, codec.canonical(c), reason)
    return True


def _append_termination(session: Session, t: TerminationDoc, audit: AuditLog,
                        recorded_at: datetime, reason: str) -> bool:
    if session.get(AgreementTerminationRow, t.id) is not None:
        return False
    session.add(AgreementTerminationRow(id=t.id, agreement_id=t.agreement,
                                        effective_at=t.effective_at, reason=t.reason,
                                        recorded_at=recorded_at))
    session.flush()
    audit.append("agreement.terminate", "terminations", t.id, codec.canonical(t), reason)
    return True


def _append_withdrawal(session: Session, w: WithdrawalDoc, audit: AuditLog,
                       recorded_at: datetime, reason: str) -> bool:
    if session.get(RecordingWithdrawalRow, w.id) is not None:
        return False
    session.add(RecordingWithdrawalRow(id=w.id, recording_id=w.recording, action=w.action.value,
                                       effective_at=w.effective_at, reason=w.reason,
                                       recorded_at=recorded_at))
    session.flush()
    audit.append(f"recording.{w.action.value}", "withdrawals", w.id, codec.canonical(w),
                 reason)
    return True


# --- consents and agreements one at a time ----------------------------------------------------

def record_consent(session: Session, party_id: str, use: Use, action: ConsentAction,
                   effective_at: datetime | None, audit: AuditLog, reason: str = "",
                   event_id: str | None = None) -> ConsentDoc:
    """Append an opt-in or a revocation (never an edit). Only people give consent.

    event_id: a caller-chosen id (an idempotency key); by default a random one."""
    p = repository.party(session, party_id)
    if not (p.roles & PERSON_ROLES):
        raise InvalidInput(f"party {party_id!r} is not a performing artist or songwriter; "
                           "only people give or revoke consent")
    if event_id is not None and session.get(ConsentEventRow, event_id) is not None:
        raise InvalidInput(f"consent event {event_id!r} is already recorded")
    doc = ConsentDoc(id=event_id or f"consent-{uuid.uuid4().hex[:16]}", party=party_id, use=use,
                     action=action, effective_at=effective_at or now(), reason=reason)
    _append_consent(session, doc, audit, now(), reason or f"{action.value} by {audit.actor}")
    return doc


def terminate_agreement(session: Session, agreement_id: str, effective_at: datetime | None,
                        audit: AuditLog, reason: str = "") -> TerminationDoc:
    if session.get(AgreementRow, agreement_id) is None:
        raise NotFound(f"no agreement with id {agreement_id!r}")
    doc = TerminationDoc(id=f"termination-{uuid.uuid4().hex[:16]}", agreement=agreement_id,
                         effective_at=effective_at or now(), reason=reason)
    _append_termination(session, doc, audit, now(), reason or f"terminated by {audit.actor}")
    return doc


def withdraw_recording(session: Session, ref: str, action: WithdrawalAction,
                       effective_at: datetime | None, audit: AuditLog, reason: str = "",
                       event_id: str | None = None) -> WithdrawalDoc:
    """Take a recording (id or ISRC) down, or put it back: an appended event; no use of any
    kind is permitted while it is withdrawn. event_id: an idempotency key; recording the same
    event again is a no-op, a different event under that id an error."""
    recording_id = repository.resolve_recording_id(session, ref)
    doc = WithdrawalDoc(id=event_id or f"withdrawal-{uuid.uuid4().hex[:16]}",
                        recording=recording_id, action=action,
                        effective_at=effective_at or now(), reason=reason)
    row = session.get(RecordingWithdrawalRow, doc.id)
    if row is not None:
        if codec.canonical(codec.withdrawal_doc(row)) != codec.canonical(doc):
            raise InvalidInput(f"withdrawal event {doc.id!r} is already recorded with "
                               "different content")
        return doc
    _append_withdrawal(session, doc, audit, now(), reason or f"{action.value} by {audit.actor}")
    return doc


def withdrawals_of(session: Session, recording_id: str) -> list[dict]:
    """A recording's takedowns and reinstatements in effective order."""
    rows = session.execute(select(RecordingWithdrawalRow)
                           .where(RecordingWithdrawalRow.recording_id == recording_id)
                           .order_by(RecordingWithdrawalRow.effective_at,
                                     RecordingWithdrawalRow.id)).scalars()
    return [codec.canonical(codec.withdrawal_doc(r)) for r in rows]


# --- reading ----------------------------------------------------------------------------------

def check(session: Session, use: Use, *, recording: str | None = None, work: str | None = None,
          at: datetime | None = None, purpose: Purpose = Purpose.COMMERCIAL,
          territory: str = WORLDWIDE) -> Decision:
    """The permission rule for one recording or one work (ids, ISRCs or ISWCs accepted)."""
    if (recording is None) == (work is None):
        raise InvalidInput("name exactly one of a recording or a work")
    at = at or now()
    if recording is not None:
        rec, facts = repository.recording_read(session, recording, use)
        return decide_recording(rec, use, at, facts, purpose, territory)
    w, facts = repository.work_read(session, repository.resolve_work_id(session, work), use)
    return decide_work(w, use, at, facts, purpose, territory)


def show(session: Session, ref: str) -> dict:
    """Any registry entity by id (or a recording's ISRC, a work's ISWC), in the import format."""
    for kind, table, to_doc in (("party", PartyRow, codec.party_doc),
                                ("work", WorkRow, codec.work_doc),
                                ("recording", RecordingRow, codec.recording_doc),
                                ("agreement", AgreementRow, codec.agreement_doc)):
        row = session.get(table, ref)
        if row is not None:
            out = {"kind": kind, **codec.canonical(to_doc(row))}
            if kind == "recording":
                out["withdrawals"] = withdrawals_of(session, ref)
            if kind == "agreement":
                out["terminations"] = [codec.canonical(codec.termination_doc(t)) for t in
                                       session.execute(select(AgreementTerminationRow).where(
                                           AgreementTerminationRow.agreement_id == ref))
                                       .scalars()]
            return out
    for resolve in (repository.resolve_recording_id, repository.resolve_work_id):
        try:
            return show(session, resolve(session, ref))
        except NotFound:
            pass
    raise NotFound(f"nothing in the registry has id {ref!r} (nor is it a known ISRC or ISWC)")


def history(session: Session, party_id: str, use: Use | None = None) -> dict:
    """A party's consent events in effective order, and the audit entries about the party."""
    repository.party(session, party_id)
    q = select(ConsentEventRow).where(ConsentEventRow.party_id == party_id)
    if use is not None:
        q = q.where(ConsentEventRow.use == use.value)
    events = [
        {"id": r.id, "use": r.use, "action": r.action, "effective_at": fmt(r.effective_at),
         "recorded_at": fmt(r.recorded_at), "reason": r.reason}
        for r in session.execute(q.order_by(ConsentEventRow.effective_at,
                                            ConsentEventRow.recorded_at)).scalars()]
    audit = [{"seq": a.seq, "at": fmt(a.at), "actor": a.actor, "action": a.action,
              "reason": a.reason} for a in entries_for(session, "parties", party_id)]
    return {"party": party_id, "consents": events, "audit": audit}


def current_consents(session: Session, party_id: str, at: datetime | None = None) -> dict[str, str]:
    """use -> 'opted_in' | 'revoked' | 'never' for one person at T."""
    from accord.rights.permission import consent_state

    at = at or now()
    facts = repository.facts_for(session, [], [party_id])
    out = {}
    for use in Use:
        state = consent_state(party_id, use, at, facts.consents)
        out[use.value] = ("never" if state is None else
                          "opted_in" if state.action is ConsentAction.OPT_IN else "revoked")
    return out


def catalogue_of(session: Session, party_id: str) -> dict:
    """What a rights holder holds, in the import format: works it publishes, recordings whose
    masters it owns, agreements it licenses (with terminations), and the people (writers and
    credited artists) of that catalogue, whose own consent the permission rule also needs."""
    repository.party(session, party_id)  # NotFound for an unknown id
    works = session.execute(select(WorkRow).join(WorkPublisherRow).where(
        WorkPublisherRow.party_id == party_id).order_by(WorkRow.id)).scalars().all()
    recs = session.execute(select(RecordingRow).join(RecordingMasterRow).where(
        RecordingMasterRow.party_id == party_id).order_by(RecordingRow.id)).scalars().all()
    agreements = session.execute(select(AgreementRow.id).where(
        AgreementRow.licensor_id == party_id).order_by(AgreementRow.valid_from)).scalars()
    people: set[str] = set()
    for w in works:
        people |= {s.party_id for s in w.writers}
    for r in recs:
        people |= {a.party_id for a in r.artists}
        people |= {s.party_id for s in session.get(WorkRow, r.work_id).writers}
    return {"party": party_id,
            "works": [codec.canonical(codec.work_doc(w)) for w in works],
            "recordings": [codec.canonical(codec.recording_doc(r)) for r in recs],
            "agreements": [show(session, a) for a in agreements],
            "people": sorted(people)}



def performers(session: Session) -> list[dict]:
    """Every performing artist: id, name, demo flag and credited recordings (id, title, work
    id), in id order. For readers that match names and likenesses against the registry
    (upload screening); the decision whether a use is permitted stays with `check`."""
    from accord.rights.tables import PartyRoleRow, RecordingArtistRow

    people = session.execute(select(PartyRow).join(PartyRoleRow).where(
        PartyRoleRow.role == Role.PERFORMING_ARTIST.value).order_by(PartyRow.id)).scalars()
    out = {p.id: {"id": p.id, "name": p.name, "demo": p.demo, "recordings": []}
           for p in people}
    for pid, rid, title, wid in session.execute(
            select(RecordingArtistRow.party_id, RecordingRow.id, RecordingRow.title,
                   RecordingRow.work_id).join(RecordingRow).order_by(RecordingRow.id)):
        if pid in out:
            out[pid]["recordings"].append({"id": rid, "title": title, "work_id": wid})
    return list(out.values())
