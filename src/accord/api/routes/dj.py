"""The AI DJ over HTTP: the signed-in account is the listener; a set is built by the same
service function as `accord dj set`, in a job (accord.api.dj_jobs: checked in the request,
rate-limited, then 202 with the job's status URL, GET /v1/dj/jobs/{id}, whose result names the
set)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from accord.accounts.policy import Action, Resource
from accord.api import dj_jobs
from accord.api.deps import ActorDep, ContextDep, CurrentAccount, RateLimited, authorize
from accord.dj import service
from accord.errors import NotFound

router = APIRouter(tags=["dj"])


class SetCreate(BaseModel):
    minutes: int = Field(20, ge=1, le=service.MAX_MINUTES)
    request: str = Field("", max_length=500, description='e.g. "something calm, no Bach today"')
    freshness: float = Field(0.3, ge=0.0, le=1.0)


def listener_resource(account_id: str) -> Resource:
    return Resource("DJ sets of listener", account_id, frozenset({account_id}))


@router.post("/dj/sets", status_code=202, dependencies=[RateLimited])
def create_set(body: SetCreate, response: Response, ctx: ContextDep, actor: ActorDep,
               account: CurrentAccount) -> dict:
    """Build a set for the signed-in listener: licensed recordings permitted for `dj` now,
    in order, with commentary. Checked now (422 parameters, 403 when nothing may be played,
    with the reasons), then 202 with a job to poll (`status_url`); when it is done its `set_id`
    names the set (GET /v1/dj/sets/{id}: the track list with credits and why-lines)."""
    authorize(actor, Action.LISTEN, listener_resource(account.id))
    job_id = dj_jobs.start(ctx.settings, ctx.engine, account.id, body.minutes,
                           request=body.request, freshness=body.freshness)
    if ctx.jobs is not None:
        ctx.jobs.notify()  # wakes the in-process worker, when there is one
    job = dj_jobs.get(ctx.engine, job_id)
    response.headers["Location"] = job["status_url"]
    return job


@router.get("/dj/jobs/{job_id}")
def set_job(job_id: str, ctx: ContextDep, actor: ActorDep) -> dict:
    """A DJ set job: queued, running, done (`set_id` names the set), refused or failed
    (`error`). Visible to its listener (and admins)."""
    job = dj_jobs.get(ctx.engine, job_id)
    authorize(actor, Action.LISTEN, listener_resource(job["account"]))
    return job


@router.get("/dj/sets/latest")
def latest(ctx: ContextDep, actor: ActorDep, account: CurrentAccount) -> dict:
    authorize(actor, Action.LISTEN, listener_resource(account.id))
    return service.latest_set(ctx.settings, account.id)


@router.get("/dj/sets/{set_id}")
def one(set_id: str, ctx: ContextDep, actor: ActorDep, account: CurrentAccount) -> dict:
    authorize(actor, Action.LISTEN, listener_resource(account.id))
    return service.get_set(ctx.settings, account.id, set_id)


@router.get("/dj/sets/{set_id}/audio.{fmt}", response_class=FileResponse)
def audio(set_id: str, fmt: Literal["mp3", "flac"], ctx: ContextDep, actor: ActorDep,
          account: CurrentAccount) -> FileResponse:
    """The mix (with its C2PA credential embedded)."""
    authorize(actor, Action.LISTEN, listener_resource(account.id))
    listing = service.get_set(ctx.settings, account.id, set_id)
    path = listing["files"][fmt]
    import os

    if not os.path.exists(path):
        raise NotFound(f"the {fmt} file of set {set_id} is no longer there")
    return FileResponse(path, media_type="audio/mpeg" if fmt == "mp3" else "audio/flac")
