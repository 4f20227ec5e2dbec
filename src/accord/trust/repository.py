"""Screening rows to plain records and JSON (I/O at the edge; no decisions here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.errors import NotFound
from accord.timeutil import fmt
from accord.trust.exclusion import FlagEvent
from accord.trust.tables import (
    AppealRow,
    FindingRow,
    FlagEventRow,
    ScreeningRow,
    VoiceReferenceRow,
)


def screening(session: Session, screening_id: str) -> ScreeningRow:
    row = session.get(ScreeningRow, screening_id)
    if row is None:
        raise NotFound(f"no screening with id {screening_id!r}")
    return row


def findings(session: Session, screening_id: str) -> list[FindingRow]:
    return list(session.execute(select(FindingRow).where(
        FindingRow.screening_id == screening_id).order_by(FindingRow.id)).scalars())


def appeals(session: Session, screening_id: str) -> list[AppealRow]:
    return list(session.execute(select(AppealRow).where(
        AppealRow.screening_id == screening_id).order_by(AppealRow.created_at)).scalars())


def open_appeal(session: Session, screening_id: str) -> AppealRow | None:
    return session.execute(select(AppealRow).where(
        AppealRow.screening_id == screening_id, AppealRow.status == "open")).scalar()


def uploads_since(session: Session, uploader: str, since: datetime) -> int:
    return session.execute(select(func.count()).select_from(ScreeningRow).where(
        ScreeningRow.uploader == uploader, ScreeningRow.created_at >= since)).scalar_one()


def same_content(session: Session, uploader: str, content_hash: str) -> list[str]:
    return list(session.execute(select(ScreeningRow.id).where(
        ScreeningRow.uploader == uploader, ScreeningRow.content_hash == content_hash)
        .order_by(ScreeningRow.created_at)).scalars())


def earlier_audio(session: Session, ids=None, limit: int | None = None
                  ) -> list[tuple[str, str, str]]:
    """(screening id, uploader, Chromaprint) of earlier audio uploads (all, or those ids; at
    most `limit`)."""
    q = select(ScreeningRow.id, ScreeningRow.uploader, ScreeningRow.fingerprint).where(
        ScreeningRow.kind == "audio", ScreeningRow.fingerprint != "")
    if ids is not None:
        q = q.where(ScreeningRow.id.in_(sorted(set(ids))))
    return [tuple(r) for r in session.execute(q.order_by(ScreeningRow.created_at)
                                              .limit(limit))]


def stored_audio(session: Session) -> list[tuple[str, str]]:
    """(screening id, stored file) of every audio upload, oldest first: what a rebuilt
    fingerprint index re-reads."""
    q = select(ScreeningRow.id, ScreeningRow.stored_path).where(ScreeningRow.kind == "audio")
    return [tuple(r) for r in session.execute(q.order_by(ScreeningRow.created_at,
                                                         ScreeningRow.id))]


def flag_events(session: Session, recording_ids=None) -> list[FlagEvent]:
    q = select(FlagEventRow).order_by(FlagEventRow.effective_at, FlagEventRow.id)
    if recording_ids is not None:
        q = q.where(FlagEventRow.recording_id.in_(list(recording_ids)))
    return [FlagEvent(r.id, r.recording_id, r.action, r.effective_at, r.reason, r.screening_id)
            for r in session.execute(q).scalars()]


def voice_references(session: Session) -> list[VoiceReferenceRow]:
    return list(session.execute(select(VoiceReferenceRow).order_by(
        VoiceReferenceRow.party_id, VoiceReferenceRow.id)).scalars())


def screening_json(session: Session, row: ScreeningRow, detail: bool = True) -> dict:
    out = {"id": row.id, "uploader": row.uploader, "file": row.filename, "kind": row.kind,
           "content_hash": row.content_hash, "duration_s": row.duration_s,
           "size_bytes": row.size_bytes, "title": row.title, "artists": list(row.artists),
           "recording": row.recording_id, "outcome": row.outcome,
           "screened_outcome": row.screened_outcome, "flagged": row.outcome in (
               "hold", "reject"), "ai_label": row.ai_label, "status": row.status,
           "reasons": list(row.reasons), "policy_hash": row.policy_hash,
           "created_at": fmt(row.created_at), "demo": row.demo}
    if row.note:
        out["note"] = row.note
    if detail:
        out["disclosure"] = dict(row.disclosure)
        out["findings"] = [{"rule": f.rule, "verdict": f.verdict, "score": round(f.score, 4),
                            "summary": f.summary, "evidence": f.evidence}
                           for f in findings(session, row.id)]
        out["appeals"] = [appeal_json(a) for a in appeals(session, row.id)]
    return out


def appeal_json(a: AppealRow) -> dict:
    return {"id": a.id, "screening": a.screening_id, "appellant": a.appellant,
            "statement": a.statement, "created_at": fmt(a.created_at), "status": a.status,
            "reviewer": a.reviewer, "review_outcome": a.review_outcome,
            "review_note": a.review_note,
            "reviewed_at": fmt(a.reviewed_at) if a.reviewed_at else None}


def window_start(at: datetime, minutes: int) -> datetime:
    return at - timedelta(minutes=minutes)
