"""Audit chain verification (admins)."""

from __future__ import annotations

import json

from fastapi import APIRouter

from accord.accounts.policy import Action
from accord.api.deps import ActorDep, ContextDep, SessionDep, authorize
from accord.rights import audit as audit_chain

router = APIRouter(tags=["audit"])


@router.get("/audit/verify")
def verify(ctx: ContextDep, session: SessionDep, actor: ActorDep) -> dict:
    """Recompute the hash chain (and compare with the recorded head, when there is one)."""
    authorize(actor, Action.VERIFY_AUDIT)
    head_file = ctx.settings.home / "audit-head.json"
    expected = None
    if head_file.exists():
        h = json.loads(head_file.read_text())
        expected = (h["seq"], h["hash"])
    return audit_chain.verify(session, expected).to_json()
