"""Revocation propagates on its own: a consent revocation, an agreement termination or a
takedown queues an `audit` job (accord.jobs.queue, in the same transaction as the change, so
both commit or neither does). A worker runs `training.service.audit` (what `accord model audit`
runs): every active model whose snapshot holds an item no longer permitted is found, and retired
once the covering agreement's grace period is over (0 days unless it says otherwise), with the
reason stored on the model. The job's result names the models retired and the change that
triggered it; the artist's page shows the audit under the switch (accord.web.views)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from accord.db.engine import session_scope
from accord.jobs import queue
from accord.jobs.worker import Outcome

KIND = "audit"


def enqueue_audit(session: Session, trigger: str, parties: list[str], use: str | None = None,
                  account_id: str | None = None) -> str:
    """Queue an audit of the models after `trigger` (e.g. "consent revoked: bea, train")."""
    return queue.enqueue(session, KIND, {"trigger": trigger, "parties": sorted(parties),
                                         "use": use}, account_id)


def audit_handler(engine: Engine):
    def run(job, report) -> Outcome:  # job: a row from accord.jobs.queue.claim
        from accord.training import service as training

        report("auditing models")
        with session_scope(engine) as session:
            found = training.audit(session, retire=True)
        retired = [f["model"] for f in found if f["status"] == training.RETIRED]
        return Outcome(queue.DONE, {"trigger": job.payload["trigger"], "retired": retired,
                                    "affected": [{"model": f["model"], "status": f["status"],
                                                  "items": len(f["affected_items"])}
                                                 for f in found]})

    return run


def audits_for_party(session: Session, party_id: str, use: str | None = None,
                     limit: int = 50) -> list[dict]:
    """The recent audit jobs a change of this party (and use) triggered, newest first."""
    out = []
    for row in queue.jobs_of(session, KIND, limit=limit):
        p = row.payload or {}
        if party_id in p.get("parties", []) and (use is None or p.get("use") == use):
            out.append(queue.to_json(row))
    return out
