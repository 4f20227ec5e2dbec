"""Works and recordings (read). Rights holders import their own through /v1/rights/import."""

from __future__ import annotations

from fastapi import APIRouter

from accord.accounts.policy import Action
from accord.api.deps import ActorDep, SessionDep, authorize
from accord.api.routes.common import show_kind

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
