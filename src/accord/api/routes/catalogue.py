"""Works and recordings (read), takedowns and reinstatements (admins), and what DDEX deliveries
brought (releases, disputes). Rights holders import their own through /v1/rights/import."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

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
from accord.catalog import ddex_browse, ddex_disputes
from accord.rights import service
from accord.rights.model import WithdrawalAction

router = APIRouter(tags=["registry"])


@router.get("/works/{work_id}")
def get_work(work_id: str, session: SessionDep, actor: ActorDep) -> dict:
    """A work by id or ISWC."""
    authorize(actor, Action.READ_REGISTRY)
    return show_kind(session, "work", work_id)


@router.get("/recordings/{recording_id}")
def get_recording(recording_id: str, session: SessionDep, actor: ActorDep) -> dict:
    """A recording by id or ISRC."""
    authorize(actor, Action.READ_REGISTRY)
    return show_kind(session, "recording", recording_id)


class WithdrawalCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=500,
                        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                        description="why (kept in the history): 1 to 500 characters, no control "
                                    "characters")
    effective_at: str | None = Field(default=None, max_length=40,
                                     description="ISO 8601; default now")
    event_id: str | None = Field(default=None, max_length=64,
                                 pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
                                 description="an idempotency key: the same event again is a "
                                             "no-op")


def _withdrawal(recording_id: str, body: WithdrawalCreate, action: WithdrawalAction,
                session, account, actor) -> dict:
    """`accord rights withdraw` / `reinstate` over HTTP: the same service call, and (for a
    takedown) the same audit job of the models, committed with the change."""
    authorize(actor, Action.TAKEDOWN)
    doc = service.withdraw_recording(session, recording_id, action,
                                     parse_at(body.effective_at, "effective_at"),
                                     audit_for(session, account), body.reason, body.event_id)
    out = json.loads(doc.model_dump_json())
    if action is WithdrawalAction.WITHDRAW:
        out["audit_job"] = enqueue_audit(session, f"recording taken down: {doc.recording}", [],
                                         None, account.id)
    return out


@router.post("/recordings/{recording_id}/takedown", status_code=201,
             dependencies=[RateLimited])
def takedown(recording_id: str, body: WithdrawalCreate, session: SessionDep,
             account: CurrentAccount, actor: ActorDep) -> dict:
    """Take a recording (id or ISRC) down: no use of any kind is permitted from `effective_at`;
    an audit of the models is queued (admins)."""
    return _withdrawal(recording_id, body, WithdrawalAction.WITHDRAW, session, account, actor)


@router.post("/recordings/{recording_id}/reinstate", status_code=201,
             dependencies=[RateLimited])
def reinstate(recording_id: str, body: WithdrawalCreate, session: SessionDep,
              account: CurrentAccount, actor: ActorDep) -> dict:
    """Put a taken-down recording back (the rule's other conditions still apply) (admins)."""
    return _withdrawal(recording_id, body, WithdrawalAction.REINSTATE, session, account, actor)


@router.get("/ddex/releases")
def list_ddex_releases(session: SessionDep, actor: ActorDep, sender: str | None = None,
                       limit: int = Query(200, ge=1, le=1000),
                       offset: int = Query(0, ge=0)) -> dict:
    """Releases DDEX deliveries brought, optionally of one sender (MessageSender DPID)."""
    authorize(actor, Action.READ_REGISTRY)
    return ddex_browse.list_releases(session, sender, limit, offset)


@router.get("/ddex/releases/{ref}")
def get_ddex_release(ref: str, session: SessionDep, actor: ActorDep) -> dict:
    """One DDEX release by id, ICPN or GRid: tracks, resources, deals, labels, takedown state."""
    authorize(actor, Action.READ_REGISTRY)
    return ddex_browse.release(session, ref)


@router.get("/ddex/disputes")
def list_ddex_disputes(session: SessionDep, actor: ActorDep,
                       status: str | None = Query("open")) -> list[dict]:
    """Conflicting claims between DDEX senders (open by default; `all` for every one)."""
    authorize(actor, Action.READ_REGISTRY)
    return ddex_disputes.list_disputes(session, None if status == "all" else status)
