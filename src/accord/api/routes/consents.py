"""Consents: a person grants or revokes its own uses and reads its own state and history."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from accord.accounts.policy import Action, Resource
from accord.api.audit_jobs import enqueue_audit
from accord.api.deps import (
    ActorDep,
    CurrentAccount,
    RateLimited,
    SessionDep,
    audit_for,
    authorize,
)
from accord.api.routes.common import parse_at, parse_use
from accord.rights import service
from accord.rights.model import ConsentAction, Use

router = APIRouter(tags=["consents"])


class ConsentCreate(BaseModel):
    use: Use
    action: ConsentAction
    effective_at: str | None = Field(default=None, max_length=40)
    reason: str = Field(default="", max_length=500, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                        description="at most 500 characters, no control characters")
    event_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")


def _own(party_id: str) -> Resource:
    return Resource("consents of party", party_id, frozenset({party_id}))


@router.post("/parties/{party_id}/consents", status_code=201, dependencies=[RateLimited])
def change_consent(party_id: str, body: ConsentCreate, session: SessionDep,
                   account: CurrentAccount, actor: ActorDep) -> dict:
    """Opt in to, or revoke, one use from effective_at (default now). Never an edit."""
    authorize(actor, Action.CHANGE_CONSENT, _own(party_id))
    doc = service.record_consent(session, party_id, body.use, body.action,
                                 parse_at(body.effective_at, "effective_at"),
                                 audit_for(session, account), body.reason, body.event_id)
    if body.action is ConsentAction.REVOKE:  # the models trained on its works: audited (a job)
        enqueue_audit(session, f"consent revoked: {party_id}, {body.use.value}", [party_id],
                      body.use.value, account.id)
    return json.loads(doc.model_dump_json())


@router.get("/parties/{party_id}/consents")
def current_consents(party_id: str, session: SessionDep, actor: ActorDep,
                     at: str | None = None) -> dict:
    """use -> opted_in | revoked | never, at `at` (default now)."""
    authorize(actor, Action.READ_CONSENTS, _own(party_id))
    return {"party": party_id,
            "consents": service.current_consents(session, party_id, parse_at(at, "at"))}


@router.get("/parties/{party_id}/consents/history")
def consent_history(party_id: str, session: SessionDep, actor: ActorDep,
                    use: str | None = Query(default=None)) -> dict:
    authorize(actor, Action.READ_CONSENTS, _own(party_id))
    return service.history(session, party_id, parse_use(use) if use else None)
