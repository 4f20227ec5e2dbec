"""Upload screening services: the functions the CLI, the HTTP API and the web pages call.
Each takes a Session and runs inside the caller's transaction (`session_scope`): a refused
upload (bad input, over a limit) raises before anything is written, and a failure later rolls
the whole screening back.

    screen_upload(...)        read the file (limits first), gather the signals, run every
                              registered rule, decide by the policy, store the screening, its
                              findings and (for a catalogue recording) a flag event; audit it
    appeal(...)               the uploader contests a hold or a rejection with a statement
    review(...)               an admin decides; a reversal clears the flag (royalties released
                              in the next run), every step in the audit chain
    excluded_recordings(...)  recordings flagged at T (DJ candidates leave them out)
    check_upload(...)         screen_upload's checks alone (the HTTP adapters run them in the
                              request, then queue a screening job: accord.api.screening_jobs)
    keep_upload(...)          keep a file content-addressed under <home>/trust/uploads
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.config import Settings
from accord.errors import InvalidInput, NotFound, Refused
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.timeutil import now
from accord.trust import declared, gather, inputs, repository
from accord.trust.exclusion import as_withdrawals, flagged_at
from accord.trust.gather import index_catalogue, open_index  # noqa: F401 (the adapters' API)
from accord.trust.model import Credit, Disclosure, Outcome, Upload
from accord.trust.policy import Policy, decide, load_policy
from accord.trust.rules import RULES, run_rules
from accord.trust.signals import (
    History,
    Signals,
)
from accord.trust.tables import (
    AppealRow,
    FindingRow,
    FlagEventRow,
    ScreeningRow,
    VoiceReferenceRow,
)

MAX_STATEMENT = 5000


# --- the policy ------------------------------------------------------------------------------

def policy_for(settings: Settings, path: Path | None = None) -> Policy:
    """An explicit policy file, else <home>/trust/policy.toml when present, else the default."""
    if path is None and (settings.trust_dir / "policy.toml").exists():
        path = settings.trust_dir / "policy.toml"
    return load_policy(path)


# --- screening ------------------------------------------------------------------------------

def _declared(metadata: Path | None, ddex: Path | None) -> tuple[Credit, Disclosure, str | None]:
    if metadata is not None and ddex is not None:
        raise InvalidInput("give either a metadata JSON file or a DDEX message (`metadata` or "
                           "`ddex`; --metadata or --ddex), not both")
    if metadata is not None:
        return (*declared.from_metadata(metadata), None)
    if ddex is not None:
        return declared.from_ddex(ddex)
    return Credit(), Disclosure(), None


def screen_upload(session: Session, settings: Settings, path: Path, *, uploader: str,
                  audit: AuditLog, metadata: Path | None = None, ddex: Path | None = None,
                  recording: str | None = None, uploader_party: str | None = None,
                  policy: Policy | None = None, filename: str | None = None,
                  at: datetime | None = None, limits: inputs.Limits = inputs.Limits(),
                  demo: bool = False) -> dict:
    """Screen one upload and store the decision with every reason and its evidence."""
    path = Path(path)
    at = at or now()
    policy = policy or policy_for(settings)
    if not uploader or len(uploader) > 128:
        raise InvalidInput("uploader: give an account id of at most 128 characters")
    kind = inputs.kind_of(path)
    credit, disclosure, isrc = _declared(metadata, ddex)  # cheap checks before decoding
    read = inputs.read_symbolic(path, limits) if kind == "symbolic" else \
        inputs.read_audio(path, limits)
    recording_id = None
    if recording:
        recording_id = _resolve(session, recording)
        if recording_id is None:
            raise NotFound(f"no recording with id or ISRC {recording!r}")
    elif isrc:
        recording_id = _resolve(session, isrc)
    upload = Upload(str(path), read.content_hash, kind, read.duration_s, read.size_bytes,
                    uploader, credit, disclosure, getattr(read, "fingerprint", ""))
    params = policy.params
    p_names = {**RULES["impersonation_name"].defaults,
               **params.get("impersonation_name", {})}["min_similarity"]
    since = repository.window_start(at, policy.window_minutes)
    history = History(repository.uploads_since(session, uploader, since) + 1,
                      policy.window_minutes * 60,
                      tuple(repository.same_content(session, uploader, read.content_hash)))
    sig = Signals(upload, history=history, uploader_party=uploader_party,
                  names=gather.names_of(session, credit, kind, uploader_party, at, p_names))
    if kind == "audio":
        from accord.trust.artefact import artefact_score
        from accord.trust.credentials import read_claim

        anchors = settings.trust_anchors_path.read_bytes() \
            if settings.trust_anchors_path.exists() else None
        art = artefact_score(read.samples, read.sample_rate)
        sig = replace(sig, copies=gather.copies_of(session, settings, read, uploader, recording_id),
                      c2pa=read_claim(path, anchors), artefact_score=float(art.score),
                      artefact_evidence=_plain(art.to_json() if hasattr(art, "to_json")
                                                 else getattr(art, "evidence", {})),
                      voices=gather.voices_of(session, read, uploader_party, at))
    else:
        sig = replace(sig, styles=gather.styles_of(session, read.notes, uploader_party, at),
                      melodies=gather.melodies_of(session, settings, read.notes, recording_id))
    findings = run_rules(sig, params)
    decision = decide(findings, policy)
    sid = f"scr-{uuid.uuid4().hex[:16]}"
    stored = _store_file(settings, path, read.content_hash)
    row = ScreeningRow(
        id=sid, uploader=uploader, content_hash=read.content_hash, kind=kind,
        filename=(filename or path.name)[:300], stored_path=str(stored),
        size_bytes=read.size_bytes, duration_s=read.duration_s, fingerprint=upload.fingerprint,
        title=credit.title, artists=list(credit.artists),
        disclosure={"source": disclosure.source, "declared_ai": disclosure.ai,
                    "extent": disclosure.extent,
                    "fields": [list(f) for f in disclosure.fields],
                    "c2pa": sig.c2pa.to_json() if sig.c2pa else None},
        recording_id=recording_id, outcome=decision.outcome.value,
        screened_outcome=decision.outcome.value, ai_label=decision.ai_label,
        reasons=[r.to_json() for r in decision.reasons],
        note=decision.to_json().get("note", ""), policy_hash=policy.hash, status="decided",
        demo=demo, created_at=at)
    session.add(row)
    session.flush()  # the screening before its findings (no ORM relationship orders them)
    for f in findings:
        session.add(FindingRow(screening_id=sid, rule=f.rule, verdict=f.verdict,
                               score=float(f.score), summary=f.summary,
                               evidence=_plain(f.evidence)))
    session.flush()
    if decision.flagged and recording_id:
        _flag(session, row, "flag", at, f"screening {sid}: {decision.outcome.value}")
    audit.append("screening.decide", "trust_screenings", sid,
                 {"uploader": uploader, "content_hash": read.content_hash,
                  "recording": recording_id, **decision.to_json()},
                 reason=f"screened by policy {policy.hash}")
    if kind == "audio":
        _index_upload(settings, sid, read)
    return repository.screening_json(session, row)


def check_upload(session: Session, path: Path, *, metadata: Path | None = None,
                 ddex: Path | None = None, recording: str | None = None,
                 limits: inputs.Limits = inputs.Limits()) -> str:
    """The checks `screen_upload` runs before any screening work (format, declared metadata,
    the reader's limits, the recording named): the refusal raised, else the content hash.
    The HTTP adapters run them in the request, before they queue a screening job."""
    path = Path(path)
    kind = inputs.kind_of(path)
    _declared(metadata, ddex)
    read = inputs.read_symbolic(path, limits) if kind == "symbolic" else \
        inputs.read_audio(path, limits)
    if recording and _resolve(session, recording) is None:
        raise NotFound(f"no recording with id or ISRC {recording!r}")
    return read.content_hash


def keep_upload(settings: Settings, path: Path, content_hash: str | None = None) -> Path:
    """Keep a file content-addressed under <home>/trust/uploads (as a screening does), so a
    queued screening job still has it after a restart; `content_hash` defaults to its SHA-256."""
    import hashlib

    path = Path(path)
    if content_hash is None:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        content_hash = h.hexdigest()
    return _store_file(settings, path, content_hash)


def _resolve(session: Session, isrc: str) -> str | None:
    from accord.rights import repository as rights_repo

    try:
        return rights_repo.resolve_recording_id(session, isrc)
    except NotFound:
        return None


def _plain(value):
    """JSON-safe copy (numpy scalars and arrays to Python)."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float):
        return round(value, 6)
    return value


def _store_file(settings: Settings, path: Path, content_hash: str) -> Path:
    """Keep the upload's bytes under <home>/trust/uploads/<hash><suffix> (atomic)."""
    dest = settings.trust_dir / "uploads" / f"{content_hash}{path.suffix.lower()}"
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            shutil.copyfile(path, tmp)
            tmp.replace(dest)
        finally:
            if tmp.exists():
                tmp.unlink()
    return dest


def _index_upload(settings: Settings, sid: str, read) -> None:
    index = gather.open_index(settings)
    index.add(f"upload:{sid}", read.samples, read.sample_rate)


def _flag(session: Session, row: ScreeningRow, action: str, at: datetime, reason: str) -> None:
    session.add(FlagEventRow(id=f"flag-{uuid.uuid4().hex[:16]}", screening_id=row.id,
                             recording_id=row.recording_id, action=action, effective_at=at,
                             reason=reason))
    session.flush()


# --- appeals and review ---------------------------------------------------------------------

def appeal(session: Session, screening_id: str, appellant: str, statement: str,
           audit: AuditLog, *, is_admin: bool = False, at: datetime | None = None) -> dict:
    """The uploader contests a hold or a rejection; one open appeal at a time."""
    row = repository.screening(session, screening_id)
    if appellant != row.uploader and not is_admin:
        raise Refused(f"only the uploader of {screening_id} may appeal its decision")
    if row.outcome not in (Outcome.HOLD.value, Outcome.REJECT.value):
        raise InvalidInput(f"{screening_id} was decided {row.outcome}; only a hold or a "
                           "rejection can be appealed")
    statement = (statement or "").strip()
    if not statement or len(statement) > MAX_STATEMENT:
        raise InvalidInput(f"statement: give 1 to {MAX_STATEMENT} characters")
    if repository.open_appeal(session, screening_id) is not None:
        raise InvalidInput(f"{screening_id} already has an open appeal")
    at = at or now()
    a = AppealRow(id=f"apl-{uuid.uuid4().hex[:16]}", screening_id=screening_id,
                  appellant=appellant, statement=statement, created_at=at, status="open",
                  review_note="")
    session.add(a)
    row.status = "appealed"
    session.flush()
    audit.append("screening.appeal", "trust_screenings", screening_id,
                 {"appeal": a.id, "statement": statement}, reason=f"appeal by {appellant}")
    return repository.screening_json(session, row)


def review(session: Session, screening_id: str, reviewer: str, outcome: str, note: str,
           audit: AuditLog, at: datetime | None = None) -> dict:
    """An admin's decision on a screening (appealed or held): it replaces the current outcome,
    closes an open appeal, and flags or clears the recording from `at` on."""
    row = repository.screening(session, screening_id)
    try:
        new = Outcome(outcome)
    except ValueError:
        raise InvalidInput(f"outcome {outcome!r}: use one of "
                           f"{', '.join(o.value for o in Outcome)}") from None
    note = (note or "").strip()
    if len(note) > MAX_STATEMENT:
        raise InvalidInput(f"note: at most {MAX_STATEMENT} characters")
    at = at or now()
    was = Outcome(row.outcome)
    row.outcome = new.value
    row.status = "reviewed"
    if new is Outcome.ACCEPT_LABELLED_AI:
        row.ai_label = True
    a = repository.open_appeal(session, screening_id)
    if a is not None:
        a.status, a.reviewer, a.review_outcome = "decided", reviewer, new.value
        a.review_note, a.reviewed_at = note, at
    session.flush()
    if row.recording_id and was.flags != new.flags:
        # flagged -> accepted: the flag was wrong; void it (withheld royalties are released
        # by the next run). accepted -> flagged: flag from now on.
        _flag(session, row, "flag" if new.flags else "void", at,
              f"review of {screening_id} by {reviewer}: {new.value}")
    audit.append("screening.review", "trust_screenings", screening_id,
                 {"from": was.value, "to": new.value, "note": note,
                  "appeal": a.id if a is not None else None},
                 reason=f"reviewed by {reviewer}")
    return repository.screening_json(session, row)


# --- reading -------------------------------------------------------------------------------

def show(session: Session, screening_id: str) -> dict:
    return repository.screening_json(session, repository.screening(session, screening_id))


def list_screenings(session: Session, uploader: str | None = None, queue: bool = False,
                    limit: int = 200) -> list[dict]:
    """Screenings newest first: one uploader's, or the review queue (held, or appealed and
    not yet reviewed)."""
    q = select(ScreeningRow).order_by(ScreeningRow.created_at.desc(), ScreeningRow.id)
    if uploader is not None:
        q = q.where(ScreeningRow.uploader == uploader)
    if queue:
        q = q.where((ScreeningRow.status == "appealed") | (
            (ScreeningRow.outcome == Outcome.HOLD.value) & (ScreeningRow.status == "decided")))
    return [repository.screening_json(session, r, detail=queue)
            for r in session.execute(q.limit(limit)).scalars()]


def excluded_recordings(session: Session, at: datetime | None = None) -> set[str]:
    """Recordings flagged by screening at T: left out of DJ candidates and royalty pools."""
    at = at or now()
    by_rec: dict[str, list] = {}
    for e in repository.flag_events(session):
        by_rec.setdefault(e.recording_id, []).append(e)
    return {rec for rec, events in by_rec.items() if flagged_at(events, at)}


def royalty_exclusions(session: Session) -> list:
    """trust's flags as withdrawal events the royalty engine reads (accord.trust.exclusion)."""
    from accord.rights.model import Withdrawal, WithdrawalAction
    from accord.timeutil import parse_instant

    flags = repository.flag_events(session)
    registry = []
    for rec in sorted({f.recording_id for f in flags}):
        for w in rights.withdrawals_of(session, rec):
            registry.append(Withdrawal(w["id"], w["recording"], WithdrawalAction(w["action"]),
                                       parse_instant(w["effective_at"]), w.get("reason", "")))
    return as_withdrawals(flags, registry)


def register_voice(session: Session, party_id: str, path: Path, audit: AuditLog,
                   demo: bool = False) -> dict:
    """Store a reference voice for a performing artist (its embedding, not the audio)."""
    from accord.trust.likeness import voice_embedding

    if not any(p["id"] == party_id for p in rights.performers(session)):
        raise NotFound(f"no performing artist with id {party_id!r}")
    read = inputs.read_audio(Path(path))
    emb = voice_embedding(read.samples, read.sample_rate)
    row = VoiceReferenceRow(id=f"voice-{uuid.uuid4().hex[:16]}", party_id=party_id,
                            content_hash=read.content_hash,
                            embedding=[round(float(x), 6) for x in emb], demo=demo,
                            created_at=now())
    session.add(row)
    session.flush()
    audit.append("voice.register", "trust_voice_references", row.id,
                 {"party": party_id, "content_hash": read.content_hash, "demo": demo},
                 reason=f"reference voice for {party_id}")
    return {"id": row.id, "party": party_id, "content_hash": read.content_hash, "demo": demo}


def rules() -> list[dict]:
    return [{"name": r.name, "family": r.family, "similarity": r.similarity, "doc": r.doc,
             "defaults": dict(r.defaults)} for r in sorted(RULES.values(),
                                                            key=lambda r: r.name)]

