"""Agreements: read; a rights holder creates and terminates its own."""

from __future__ import annotations

import json

from fastapi import APIRouter
from pydantic import BaseModel, Field

from accord.accounts import scope
from accord.accounts.policy import Action
from accord.api.audit_jobs import enqueue_audit
from accord.api.deps import (
    ActorDep,
    CurrentAccount,
    RateLimited,
    SessionDep,
    audit_for,
    authorize,
)
from accord.api.routes.common import parse_at, show_kind
from accord.rights import service
from accord.rights.document import AgreementDoc, RightsDocument

router = APIRouter(tags=["registry"])


class TerminationCreate(BaseModel):
    effective_at: str | None = Field(default=None, max_length=40)
    reason: str = Field(default="", max_length=500, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                        description="at most 500 characters, no control characters")


@router.get("/agreements/{agreement_id}")
def get_agreement(agreement_id: str, session: SessionDep, actor: ActorDep) -> dict:
    authorize(actor, Action.READ_REGISTRY)
    return show_kind(session, "agreement", agreement_id)


@router.post("/agreements", status_code=201, dependencies=[RateLimited])
def create_agreement(body: AgreementDoc, session: SessionDep, account: CurrentAccount,
                     actor: ActorDep) -> dict:
    """A new agreement (the import document's agreement format) licensed by the caller."""
    doc = RightsDocument(accord_rights_document=1, agreements=[body])
    authorize(actor, Action.MANAGE_AGREEMENT, scope.import_scope(session, doc).parts[0])
    summary = service.import_document(session, doc, "request", audit_for(session, account))
    return {"summary": summary.to_json(), "agreement": show_kind(session, "agreement", body.id)}


@router.post("/agreements/{agreement_id}/terminate", status_code=201,
             dependencies=[RateLimited])
def terminate(agreement_id: str, body: TerminationCreate, session: SessionDep,
              account: CurrentAccount, actor: ActorDep) -> dict:
    """End an agreement early (a termination event; the agreement is not edited)."""
    show_kind(session, "agreement", agreement_id)  # 404 before 403 for an unknown id
    authorize(actor, Action.MANAGE_AGREEMENT, scope.agreement(session, agreement_id))
    doc = service.terminate_agreement(session, agreement_id,
                                      parse_at(body.effective_at, "effective_at"),
                                      audit_for(session, account), body.reason)
    licensor = show_kind(session, "agreement", agreement_id).get("licensor")
    enqueue_audit(session, f"agreement terminated: {agreement_id}",
                  [licensor] if licensor else [], None, account.id)
    return json.loads(doc.model_dump_json())
