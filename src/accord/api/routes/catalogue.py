"""Works and recordings (read), and what DDEX deliveries brought (releases, disputes). Rights
holders import their own through /v1/rights/import."""

from __future__ import annotations

from fastapi import APIRouter, Query

from accord.accounts.policy import Action
from accord.api.deps import ActorDep, SessionDep, authorize
from accord.api.routes.common import show_kind
from accord.catalog import ddex_browse, ddex_disputes

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
