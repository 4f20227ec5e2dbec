"""Consents: a person grants or revokes its own uses and reads its own state and history."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query
from pydantic import BaseModel

from accord.accounts.policy import Action, Resource
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
    effective_at: str | None = None
    reason: str = ""
    event_id: str | None = None


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
