"""DJ set jobs, durable (the creation job's pattern, accord.api.jobs): POST /v1/dj/sets and the
/dj page run the set's checks in the request (`dj.service.plan_set`: the parameters, and that
some recording may be played for the listener now, else the refusal with its reasons), so bad
input answers 4xx at once; then a `dj_set` job is queued (202). A worker runs ONE service call,
`dj.service.build_set` (what `accord dj set` runs: plan, render, sign, write, record the plays,
in its own transaction); the job's result names the set (`{"set_id": ...}`). The set is built
for the instant of the request (stored in the job): the check and the build see the same
permissions, and a run again after a restart makes the same set id, so the royalty log drops
the repeated play events by their keys. A restart takes a running job back and runs it again
(files are written atomically), or fails it after its second attempt (accord.jobs.queue.recover).
"""

from __future__ import annotations

from sqlalchemy import Engine

from accord.config import Settings
from accord.db.engine import session_scope
from accord.jobs import queue
from accord.jobs.worker import Outcome
from accord.timeutil import fmt, now, parse_instant

KIND = "dj_set"
PENDING = frozenset({queue.QUEUED, queue.RUNNING})


def start(settings: Settings, engine: Engine, listener_id: str, minutes: int,
          request: str = "", freshness: float = 0.3) -> str:
    """Check (the refusal raised), then queue the set; the job's id. The check runs in its own
    transaction (the recordings' features it computes on the way are kept, as `build_set_for`
    keeps them), never the request's: on SQLite a second writer would wait on it."""
    from accord.dj import service

    at = now()
    with session_scope(engine) as session:
        service.plan_set(session, settings, listener_id, minutes, at, request, freshness)
    with session_scope(engine) as s:
        return queue.enqueue(s, KIND, {"listener": listener_id, "minutes": minutes,
                                       "request": request, "freshness": freshness,
                                       "at": fmt(at)}, listener_id)


def dj_handler(settings: Settings, engine: Engine):
    """The worker's handler for DJ set jobs: one `build_set` call."""

    def run(job, report) -> Outcome:  # job: a row from accord.jobs.queue.claim
        from accord.dj import service

        p = job.payload
        report("building the set")
        with session_scope(engine) as session:
            listing = service.build_set(session, settings, p["listener"], p["minutes"],
                                        at=parse_instant(p["at"]) if p.get("at") else None,
                                        request=p.get("request", ""),
                                        freshness=p.get("freshness", 0.3))
        return Outcome(queue.DONE, {"set_id": listing["set_id"],
                                    "tracks": len(listing.get("tracks", [])),
                                    "duration_s": listing.get("duration_s")})

    return run


def job_json(row) -> dict:
    d = queue.to_json(row)
    d["set_id"] = (row.result or {}).get("set_id")
    d["status_url"] = f"/v1/dj/jobs/{row.id}"
    if d["set_id"]:
        d["set_url"] = f"/v1/dj/sets/{d['set_id']}"
    return d


def get(engine: Engine, job_id: str) -> dict:
    """A DJ set job as JSON (NotFound for another kind's id); `account` is its listener."""
    with session_scope(engine) as session:
        return job_json(queue.get(session, job_id, KIND, "DJ set job"))


def pending_of(engine: Engine, listener_id: str) -> dict | None:
    """The listener's newest DJ set job still queued or running, if any."""
    with session_scope(engine) as session:
        rows = queue.jobs_of(session, KIND, status=PENDING, limit=1, account_id=listener_id)
        return job_json(rows[0]) if rows else None
