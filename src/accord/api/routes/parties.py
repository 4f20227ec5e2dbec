"""Parties (read)."""

from __future__ import annotations

from fastapi import APIRouter

from accord.accounts.policy import Action
from accord.api.deps import ActorDep, SessionDep, authorize
from accord.api.routes.common import show_kind

router = APIRouter(tags=["registry"])


@router.get("/parties/{party_id}")
def get_party(party_id: str, session: SessionDep, actor: ActorDep) -> dict:
    authorize(actor, Action.READ_REGISTRY)
    return show_kind(session, "party", party_id)
