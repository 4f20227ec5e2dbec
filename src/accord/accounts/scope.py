"""Describe registry things as policy Resources (their owning parties). Reads the registry;
decides nothing (that is policy.can)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.accounts.policy import Resource
from accord.rights import lookup
from accord.rights.document import RightsDocument


def agreement(session: Session, agreement_id: str) -> Resource:
    licensor = lookup.agreement_licensor(session, agreement_id)
    owners = frozenset({licensor}) if licensor is not None else frozenset()
    return Resource("agreement", agreement_id, owners)


def import_scope(session: Session, doc: RightsDocument) -> Resource:
    """Every item a document touches, owned by the parties who hold it both in the document
    and (for an item already registered) in the registry, so nobody takes over a work or a
    recording by re-importing it under their own name."""
    parts: list[Resource] = []
    for p in doc.parties:
        stored = lookup.party_name(session, p.id) is not None
        parts.append(Resource("party", p.id, frozenset({p.id}) if stored else frozenset()))
    for w in doc.works:
        owners = {s.party for s in w.publishers}
        stored = lookup.publishers_of(session, w.id)
        if stored is not None:
            owners &= stored
        parts.append(Resource("work", w.id, frozenset(owners)))
    for r in doc.recordings:
        owners = {s.party for s in r.masters}
        stored = lookup.masters_of(session, r.id)
        if stored is not None:
            owners &= stored
        parts.append(Resource("recording", r.id, frozenset(owners)))
    in_doc = {a.id: a.licensor for a in doc.agreements}
    for a in doc.agreements:
        owners = {a.licensor}
        stored = lookup.agreement_licensor(session, a.id)
        if stored is not None:
            owners &= {stored}
        parts.append(Resource("agreement", a.id, frozenset(owners)))
    for t in doc.terminations:
        licensor = in_doc.get(t.agreement)
        if licensor is None:
            licensor = next(iter(agreement(session, t.agreement).owners), None)
        parts.append(Resource("termination", t.id,
                              frozenset({licensor}) if licensor else frozenset()))
    for c in doc.consents:
        parts.append(Resource("consent", c.id, frozenset({c.party})))
    return Resource("rights document", "", frozenset(), tuple(parts))
