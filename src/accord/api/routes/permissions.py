"""The permission check: the same JSON as `accord rights check --json`.

The hot route under load: the token is checked on the event loop (accord.api.deps.credentials:
signature, expiry, kind; no I/O) and the database's part (signed out?, the account, the policy,
the check itself) is one read-only transaction run by `run_read` (on the loop for embedded
SQLite, in the thread pool for PostgreSQL). The answer is the service's plain JSON data,
serialised once (FastJSON)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from accord.accounts.policy import Action
from accord.api.deps import (
    RequiredCredentialsDep,
    account_for,
    actor_of,
    authorize,
    request_session,
    run_read,
)
from accord.api.fastjson import FastJSON
from accord.api.routes.common import parse_at, parse_purpose, parse_use
from accord.rights import service
from accord.rights.model import WORLDWIDE

router = APIRouter(tags=["registry"])


@router.get("/permissions/check")
async def check(request: Request, given: RequiredCredentialsDep, use: str,
                recording: str | None = None, work: str | None = None, at: str | None = None,
                purpose: str = "commercial", territory: str = WORLDWIDE) -> dict:
    """May this use of this recording (id or ISRC) or work (id or ISWC) happen at `at`?
    Returns allowed, the reasons and the evidence."""
    def answer() -> dict:
        with request_session(request.app.state.accord) as session:
            authorize(actor_of(account_for(session, given)), Action.READ_REGISTRY)
            return service.check(session, parse_use(use), recording=recording, work=work,
                                 at=parse_at(at, "at"), purpose=parse_purpose(purpose),
                                 territory=territory.upper()).to_json()

    # plain JSON data, serialised once: no per-field encoding
    return FastJSON(await run_read(request.app.state.accord, answer))
