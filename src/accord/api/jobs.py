"""Creation jobs, durable: stored in the registry database (accord.jobs.queue) and run by a job
worker (accord.jobs.worker: in the server process by default, or `accord worker`).

`start` answers the request. First the limits (accord.api.limits.creation_limits: the piece's
length and formats, the account's creations and bytes today), then the creation service's own
checks, run in the request in a transaction that is thrown away: `creation.service.create` is
called with a progress callback that stops it at its first stage ("sampling": every check has
passed: parameters, model active, purpose, style or remix permission). A refusal raised by those
checks is the request's answer (403 / 404 / 422 with the service's reasons). When every output
already exists (the same request and seed: content-addressed ids) the job is stored `done` at
once (201). Otherwise the job is queued (202) and a worker runs `release_creation`, the whole
job body in ONE call: create, credit, record the usage (the same workflow as `accord create`).

States: `queued` -> `running` (`stage`: sampling, guard, render, sign, attributing) -> `done`
(outputs recorded) | `refused` (the memorization guard refused every attempt, or a refusal came
later) | `failed` (an unexpected error, or its worker stopped twice: see accord.jobs.queue).
A restart of the server or the worker takes a running job back and runs it again (its outputs
are content-addressed, so what a killed run had committed is found, not made twice); a killed
run's temporary files are swept (`sweep_outputs`), never left half-written under a real id.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from accord.api.errors import status_for
from accord.config import Settings
from accord.db.engine import session_scope
from accord.errors import AccordError, NotFound
from accord.jobs import queue
from accord.jobs.worker import Outcome
from accord.timeutil import fmt, now

if TYPE_CHECKING:
    from accord.creation.request import CreationRequest
    from accord.jobs.queue import JobRow  # a type only: rows come from accord.jobs.queue

log = logging.getLogger(__name__)
KIND = "creation"


@dataclass
class Job:
    """A creation job as the routes and pages see it (read from its row)."""

    id: str
    account_id: str
    request: dict                        # CreationRequest.to_json()
    created_at: datetime
    status: str = "queued"
    stage: str = ""
    output_ids: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    error: dict | None = None            # {"status", "detail", "problems"} of a refusal
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in queue.FINISHED

    def to_json(self) -> dict:
        return {"id": self.id, "status": self.status, "stage": self.stage,
                "kind": self.request.get("kind"), "model": self.request.get("model"),
                "request": self.request, "created_at": fmt(self.created_at),
                "finished_at": fmt(self.finished_at) if self.finished_at else None,
                "output_ids": list(self.output_ids), "existing": list(self.existing),
                "refused": list(self.refused), "error": self.error}

    @classmethod
    def from_row(cls, row: JobRow) -> Job:
        result = row.result or {}
        return cls(id=row.id, account_id=row.account_id or "", request=row.payload["request"],
                   created_at=row.created_at, status=row.status, stage=row.stage or "",
                   output_ids=list(result.get("output_ids", [])),
                   existing=list(result.get("existing", [])),
                   refused=list(result.get("refused", [])), error=row.error,
                   finished_at=row.finished_at)


class _Checked(Exception):
    """Raised by the progress callback at the service's first stage: every check passed."""


def request_from_json(data: dict) -> CreationRequest:
    from accord.creation.request import CreationRequest, Params
    from accord.rights.model import Purpose

    return CreationRequest(model_id=data["model"], kind=data["kind"],
                           params=Params(**data["params"]), artist=data.get("artist"),
                           source_work=data.get("source_work"),
                           source_recording=data.get("source_recording"),
                           purpose=Purpose(data["purpose"]), formats=tuple(data["formats"]),
                           count=data.get("count", 1))


def release_creation(settings: Settings, engine: Engine, request: CreationRequest,
                     progress=None):
    """The creation job's body: the release workflow (`accord.workflows.release`: create,
    credit every released output, record usage for royalties). Returns the CreationResult."""
    from accord.workflows import release

    result, _ = release.create_and_release(engine, settings, request, progress)
    return result


def _files_bytes(outputs) -> int:
    return sum(int(info.get("bytes", 0)) for o in outputs for info in o.files.values())


def creation_handler(settings: Settings, engine: Engine):
    """The worker's handler for creation jobs."""

    def run(job: JobRow, report) -> Outcome:
        def progress(stage: str, done: int, total: int) -> None:
            report(f"{stage} {done}/{total}")

        result = release_creation(settings, engine, request_from_json(job.payload["request"]),
                                  progress)
        data = {"output_ids": [o.id for o in result.outputs], "existing": list(result.existing),
                "refused": result.refused}
        if result.outputs:
            new = [o for o in result.outputs if o.id not in set(result.existing)]
            return Outcome(queue.DONE, data, bytes_out=_files_bytes(new))
        return Outcome(queue.REFUSED, data, error={
            "status": 422, "detail": "the memorization guard refused it",
            "problems": [{"where": "guard", "message": r["reason"]} for r in result.refused]})

    return run


def sweep_outputs(settings: Settings, engine: Engine, older_than_s: float) -> list[str]:
    """Remove what a killed creation left under the outputs directory: temporary directories
    (`.out-...`) and output directories without their stored row, older than `older_than_s`.
    Returns the names removed."""
    from accord.creation import service

    root = settings.outputs_dir
    if not root.is_dir():
        return []
    gone = []
    limit = time.time() - older_than_s
    with session_scope(engine) as session:
        for d in root.iterdir():
            if not d.is_dir() or d.stat().st_mtime > limit:
                continue
            orphan = d.name.startswith(".out-")
            if not orphan and d.name.startswith("out-"):
                try:
                    service.get_output(session, d.name)
                except NotFound:
                    orphan = True
            if orphan:
                shutil.rmtree(d, ignore_errors=True)
                gone.append(d.name)
    if gone:
        log.warning("removed what killed creations left: %s", gone)
    return gone


class CreationJobs:
    """Creation jobs over the durable queue: start, get (and add, for a finished job)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.notify = lambda: None  # the in-process worker's wake(), when there is one

    def get(self, job_id: str) -> Job:
        with session_scope(self.engine) as session:
            return Job.from_row(queue.get(session, job_id, KIND, "creation"))

    def add(self, job: Job) -> Job:
        """Store a job as it is (a finished one made elsewhere)."""
        with session_scope(self.engine) as session:
            queue.record(session, job.id, KIND, job.account_id, {"request": job.request},
                         job.status, {"output_ids": job.output_ids, "existing": job.existing,
                                      "refused": job.refused}, job.error, job.created_at,
                         job.finished_at or (now() if job.finished else None))
        return job

    def check(self, request: CreationRequest):
        """Run the service's checks (see module doc); the CreationResult when every output
        already exists, None when the request may be queued; the refusal raised otherwise."""
        from accord.creation import service

        def stop(stage: str, done: int, total: int) -> None:
            raise _Checked()

        try:
            with session_scope(self.engine) as session:
                return service.create(session, self.settings, request, progress=stop)
        except _Checked:
            return None

    def start(self, account_id: str, request: CreationRequest) -> Job:
        """Check, then store the job (done at once, or queued for a worker)."""
        existing = self.check(request)  # AccordError: the request's answer
        job = Job(id="cre-" + secrets.token_hex(10), account_id=account_id,
                  request=request.to_json(), created_at=now())
        if existing is not None:
            job.status, job.finished_at = queue.DONE, now()
            job.output_ids = [o.id for o in existing.outputs]
            job.existing = list(existing.existing)
            job.refused = existing.refused
            if not existing.outputs:
                job.status = queue.REFUSED
            return self.add(job)
        with session_scope(self.engine) as session:
            queue.enqueue(session, KIND, {"request": job.request}, account_id, job_id=job.id)
        self.notify()
        return job


def error_status(exc: AccordError) -> int:
    return status_for(exc)

