"""Screening jobs, durable (the creation job's pattern, accord.api.jobs): POST /v1/screenings
and the upload page run the service's checks in the request (`trust.service.check_upload`:
format, declared metadata, the reader's limits, the recording named), so bad input answers 4xx
at once; then the upload (and its metadata or DDEX file) is kept content-addressed under
<home>/trust/uploads, and a `screening` job is queued (202). A worker runs ONE service call,
`trust.service.screen_upload` (what `accord screen` runs, in its own transaction); the job's
result names the screening (`{"screening": "scr-..."}`). A restart takes a running job back and
runs it again (the killed run's transaction was rolled back, and the file is still kept), or
fails it after its second attempt (accord.jobs.queue.recover).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from accord.config import Settings
from accord.db.engine import session_scope
from accord.errors import AccordError
from accord.jobs import queue
from accord.jobs.worker import Outcome
from accord.rights.audit import AuditLog

KIND = "screening"


def start(settings: Settings, engine: Engine, session: Session, account, path: Path, name: str,
          metadata: tuple[Path, str] | None = None, ddex: tuple[Path, str] | None = None,
          recording: str | None = None) -> str:
    """Check the upload (the refusal raised), keep its files, queue the job; the job's id."""
    from accord.trust import service

    content_hash = service.check_upload(session, path, metadata=metadata and metadata[0],
                                        ddex=ddex and ddex[0], recording=recording)
    kept = str(service.keep_upload(settings, path, content_hash))
    names = {kept: name}
    side = {}
    for key, part in (("metadata", metadata), ("ddex", ddex)):
        if part is not None:
            side[key] = str(service.keep_upload(settings, part[0]))
            names[side[key]] = part[1]
    payload = {"path": kept, "filename": name, **side, "recording": recording,
               "uploader": account.id, "uploader_party": account.party_id,
               "actor": f"api:{account.email}", "names": names}
    with session_scope(engine) as s:
        return queue.enqueue(s, KIND, payload, account.id)


def screening_handler(settings: Settings, engine: Engine):
    """The worker's handler for screening jobs: one `screen_upload` call."""

    def run(job, report) -> Outcome:  # job: a row from accord.jobs.queue.claim
        from accord.trust import service

        p = job.payload
        report("screening")
        try:
            with session_scope(engine) as session:
                d = service.screen_upload(
                    session, settings, Path(p["path"]), uploader=p["uploader"],
                    audit=AuditLog(session, actor=p["actor"]), filename=p["filename"],
                    metadata=Path(p["metadata"]) if p.get("metadata") else None,
                    ddex=Path(p["ddex"]) if p.get("ddex") else None,
                    recording=p.get("recording"), uploader_party=p.get("uploader_party"))
        except AccordError as exc:  # name the client's files, not the server's paths
            message = exc.args[0] if exc.args else str(exc)
            for kept, client in p.get("names", {}).items():
                message = message.replace(kept, client)
            raise type(exc)(message, exc.problems) from None
        return Outcome(queue.DONE, {"screening": d["id"], "outcome": d["outcome"]})

    return run


def get(engine: Engine, job_id: str) -> dict:
    """A screening job as JSON (NotFound for another kind's id); `account` is its uploader."""
    with session_scope(engine) as session:
        return job_json(queue.get(session, job_id, KIND, "screening job"))


def job_json(row) -> dict:
    d = queue.to_json(row)
    d["filename"] = (row.payload or {}).get("filename")
    d["screening"] = (row.result or {}).get("screening")
    d["status_url"] = f"/v1/screenings/jobs/{row.id}"
    if d["screening"]:
        d["screening_url"] = f"/v1/screenings/{d['screening']}"
    return d


def pending_of(engine: Engine, account_id: str, limit: int = 50) -> list[dict]:
    """The account's screening jobs not done yet, or refused / failed: newest first."""
    with session_scope(engine) as session:
        rows = queue.jobs_of(session, KIND, status=frozenset({queue.QUEUED, queue.RUNNING,
                                                              queue.REFUSED, queue.FAILED}),
                             limit=limit, account_id=account_id)
        return [job_json(r) for r in rows]
