"""Permission checks of creation, at the time of the request: style conditioning on a party
(every work they wrote and recording they perform on must be permitted for `style`, which
includes their own opt-in) and a derivative's source (permitted for `remix`). The answers and
reasons come from the rights context's permission rule; refusals carry its reasons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.creation.request import CreationRequest
from accord.errors import InvalidInput, NotFound, Problem, Refused
from accord.rights import lookup, repository
from accord.rights import service as rights
from accord.rights.model import Purpose, Use
from accord.rights.setbased import permitted_recordings, permitted_works
from accord.timeutil import fmt


def style_decision(session: Session, party_id: str, at: datetime, purpose: Purpose) -> dict:
    """May outputs be conditioned on this artist's or writer's style at T? Every work they wrote
    and every recording they perform on must be permitted for `style` (the permission rule,
    which includes their own opt-in). Returns allowed, reasons, evidence."""
    name = lookup.party_name(session, party_id)
    if name is None:
        raise NotFound(f"no party with id {party_id!r}")
    works = lookup.works_written_by(session, party_id)
    recs = lookup.recordings_performed_by(session, party_id)
    if not works and not recs:
        return {"allowed": False, "party": party_id, "name": name, "checked": 0,
                "reasons": [f"{name!r} ({party_id}) has no works or recordings in the "
                            "registry to condition on"], "evidence": []}
    ok_w = permitted_works(session, Use.STYLE, at, purpose) if works else set()
    ok_r = permitted_recordings(session, Use.STYLE, at, purpose) if recs else set()
    denied = [("work", w) for w in works if w not in ok_w] + \
             [("recording", r) for r in recs if r not in ok_r]
    sample_item = denied[:3] if denied else ([("work", works[0])] if works
                                              else [("recording", recs[0])])
    reasons: list[str] = []
    evidence: list[dict] = []
    for kind, item in sample_item:
        d = rights.check(session, Use.STYLE, at=at, purpose=purpose, **{kind: item})
        for r in d.reasons():
            if r not in reasons:
                reasons.append(r)
        evidence += d.to_json()["evidence"]
    if denied:
        reasons.append(f"{len(denied)} of {len(works) + len(recs)} of their works and "
                       "recordings are not permitted for 'style'")
    return {"allowed": not denied, "party": party_id, "name": name, "use": "style",
            "purpose": purpose.value, "at": fmt(at), "checked": len(works) + len(recs),
            "reasons": reasons, "evidence": evidence}


def refuse(message: str, reasons: list[str]) -> Refused:
    return Refused(message, [Problem("", r) for r in reasons])


def source(session: Session, request: CreationRequest, at: datetime) -> dict:
    """A derivative's source: the remix decision (or a refusal) and its MIDI."""
    from accord.catalog import service as catalog

    if request.source_recording is not None:
        rec_id = repository.resolve_recording_id(session, request.source_recording)
        work_id = lookup.recording_work(session, rec_id)
        d = rights.check(session, Use.REMIX, recording=rec_id, at=at, purpose=request.purpose)
    else:
        rec_id = None
        work_id = repository.resolve_work_id(session, request.source_work)
        d = rights.check(session, Use.REMIX, work=work_id, at=at, purpose=request.purpose)
    if not d.allowed:
        raise refuse(f"a derivative of {d.subject} needs 'remix' permission "
                      f"({request.purpose.value}) and it is not permitted:", d.reasons())
    sym = catalog.symbolic_items(session, [work_id])
    if not sym:
        raise InvalidInput(f"work {work_id} has no symbolic content in the catalogue to derive "
                           "from")
    return {"work": work_id, "recording": rec_id, "title": lookup.work_title(session, work_id),
            "midi": sym[0].midi_path, "permission": d.to_json()}
