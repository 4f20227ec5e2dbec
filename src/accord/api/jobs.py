"""Creation jobs: one creation request run in a worker thread, its status polled over HTTP.

Why a thread and not FastAPI's BackgroundTasks: a request that the creation service refuses
(bad parameters, a retired model, a commercial request on a non-commercial model, a style or
remix permission the rule denies) must be answered with 403 / 422 and the service's reasons, and
those checks happen inside `creation.service.create`, before it samples. So `start` runs `create`
in a thread and waits until the service reports its first stage ("sampling": every check has
passed), or returns, or raises; a refusal raised by the checks is raised again in the request.
The web page and the API client then poll the job.

States: `checking` -> `queued` (checks passed, waiting for the generation slot) -> `running` ->
`done` (outputs recorded) | `refused` (the memorization guard refused every attempt, or a
refusal came after the caller stopped waiting) | `failed` (an unexpected error; logged).
Generation is serialised: one job samples at a time in a process (a semaphore taken when the
service reports "sampling"), so a burst of requests queues instead of sharing two cores.

Jobs live in memory, per process (the last MAX_JOBS); a restart forgets them, never the outputs,
which are stored records (`creation.service.get_output`).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from accord.api.errors import body, status_for
from accord.config import Settings
from accord.db.engine import session_scope
from accord.errors import AccordError, NotFound
from accord.timeutil import fmt, now

if TYPE_CHECKING:
    from accord.creation.request import CreationRequest

log = logging.getLogger(__name__)

MAX_JOBS = 1000
#: How long a request waits for the service's checks (the first request of a process also
#: loads the model and its guard index) before answering 202 with the job still `checking`.
CHECK_WAIT_S = 60.0


@dataclass
class Job:
    id: str
    account_id: str
    request: dict                        # CreationRequest.to_json()
    created_at: datetime
    status: str = "checking"
    stage: str = ""
    output_ids: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    error: dict | None = None            # {"status", "detail", "problems"} of a refusal
    finished_at: datetime | None = None
    checked: threading.Event = field(default_factory=threading.Event, repr=False)
    raised: AccordError | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "refused", "failed")

    def to_json(self) -> dict:
        return {"id": self.id, "status": self.status, "stage": self.stage,
                "kind": self.request.get("kind"), "model": self.request.get("model"),
                "request": self.request, "created_at": fmt(self.created_at),
                "finished_at": fmt(self.finished_at) if self.finished_at else None,
                "output_ids": list(self.output_ids), "existing": list(self.existing),
                "refused": list(self.refused), "error": self.error}


class CreationJobs:
    """The jobs of one process (one app): start, get."""

    def __init__(self, settings: Settings, engine: Engine, concurrent: int = 1) -> None:
        self.settings = settings
        self.engine = engine
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._slot = threading.Semaphore(concurrent)

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no creation with id {job_id!r} (creations are kept in memory by "
                           "the server process that ran them; outputs are kept for good)")
        return job

    def add(self, job: Job) -> Job:
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished:
                    break
                del self._jobs[oldest]
        return job

    def start(self, account_id: str, request: CreationRequest,
              wait_s: float = CHECK_WAIT_S) -> Job:
        """Start a job; raise the service's refusal when its checks refuse (see module doc)."""
        job = Job(id="cre-" + secrets.token_hex(10), account_id=account_id,
                  request=request.to_json(), created_at=now())
        thread = threading.Thread(target=self._run, args=(job, request), daemon=True,
                                  name=f"accord-{job.id}")
        thread.start()
        job.checked.wait(wait_s)
        if job.raised is not None:
            raise job.raised
        return self.add(job)

    def _run(self, job: Job, request: CreationRequest) -> None:
        holding = False

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal holding
            if not holding:  # every check has passed: the caller may answer now
                job.status = "queued"
                job.checked.set()
                self._slot.acquire()
                holding = True
                job.status = "running"
            job.stage = f"{stage} {done}/{total}"

        try:
            from accord.creation import service  # torch: imported by the first job, not at start

            with session_scope(self.engine) as session:
                result = service.create(session, self.settings, request, progress=progress)
            if result.outputs:  # every released output is credited before the job is done
                from accord.workflows import release

                job.stage = "attributing"
                release.release(self.engine, self.settings, [o.id for o in result.outputs])
        except AccordError as exc:
            if not job.checked.is_set():
                job.raised = exc  # answered by the request itself (403 / 404 / 422)
            job.error = {"status": status_for(exc), **body(exc)}
            job.status = "refused"
        except Exception as exc:  # noqa: BLE001 - reported in the job, logged in full
            log.exception("creation job %s failed", job.id)
            job.error = {"status": 500, "detail": f"the creation failed: {type(exc).__name__}",
                         "problems": []}
            job.status = "failed"
        else:
            job.output_ids = [o.id for o in result.outputs]
            job.existing = list(result.existing)
            job.refused = result.refused
            job.status = "done" if result.outputs else "refused"
            if not result.outputs:
                job.error = {"status": 422, "detail": "the memorization guard refused it",
                             "problems": [{"where": "guard", "message": r["reason"]}
                                          for r in result.refused]}
        finally:
            if holding:
                self._slot.release()
            job.finished_at = now()
            job.stage = ""
            job.checked.set()
