"""The permission check: the same JSON as `accord rights check --json`."""

from __future__ import annotations

from fastapi import APIRouter

from accord.accounts.policy import Action
from accord.api.deps import ActorDep, SessionDep, authorize
from accord.api.fastjson import FastJSON
from accord.api.routes.common import parse_at, parse_purpose, parse_use
from accord.rights import service
from accord.rights.model import WORLDWIDE

router = APIRouter(tags=["registry"])


@router.get("/permissions/check")
def check(session: SessionDep, actor: ActorDep, use: str, recording: str | None = None,
          work: str | None = None, at: str | None = None, purpose: str = "commercial",
          territory: str = WORLDWIDE) -> dict:
    """May this use of this recording (id or ISRC) or work (id or ISWC) happen at `at`?
    Returns allowed, the reasons and the evidence."""
    authorize(actor, Action.READ_REGISTRY)
    decision = service.check(session, parse_use(use), recording=recording, work=work,
                             at=parse_at(at, "at"), purpose=parse_purpose(purpose),
                             territory=territory.upper())
    return FastJSON(decision.to_json())  # plain JSON data already: no per-field encoding
