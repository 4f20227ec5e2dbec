"""The listener's DJ page: the latest set with a player, its track list, each track's
credits and why it was chosen; a form (HTMX) asks for a new set. Same service as the CLI, in a
job (accord.api.dj_jobs): checked in the request, then the page polls the job until its set is
ready."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from accord.accounts.policy import Action
from accord.api import dj_jobs
from accord.api.deps import ContextDep, actor_of, authorize
from accord.api.routes.dj import listener_resource
from accord.dj import service
from accord.errors import NotFound
from accord.web import session as web
from accord.web.routes import render

router = APIRouter(include_in_schema=False)


def _latest(ctx, account_id: str) -> dict | None:
    try:
        return service.latest_set(ctx.settings, account_id)
    except NotFound:
        return None


@router.get("/dj")
def dj_page(request: Request, ctx: ContextDep, account: web.WebAccount) -> HTMLResponse:
    authorize(actor_of(account), Action.LISTEN, listener_resource(account.id))
    return render(request, ctx, "dj.html", {"set": _latest(ctx, account.id),
                                            "job": dj_jobs.pending_of(ctx.engine, account.id)},
                  account=account)


def _job_view(request: Request, ctx, account, job: dict) -> HTMLResponse:
    """The set when its job is done, else the job ('building…', polling; or why it failed)."""
    listing = service.get_set(ctx.settings, account.id, job["set_id"]) \
        if job["status"] == "done" and job["set_id"] else None
    if request.headers.get("HX-Request"):
        return render(request, ctx, "_dj_set.html", {"set": listing, "job": job},
                      account=account)
    return render(request, ctx, "dj.html", {"set": listing or _latest(ctx, account.id),
                                            "job": None if listing else job}, account=account)


@router.post("/dj/sets")
def new_set(request: Request, ctx: ContextDep, account: web.WebAccount,
            minutes: Annotated[int, Form()] = 20, request_text: Annotated[str, Form()] = "",
            csrf_token: Annotated[str, Form()] = "") -> Response:
    web.check_csrf(request, csrf_token)
    authorize(actor_of(account), Action.LISTEN, listener_resource(account.id))
    allowed, wait = ctx.limiter.allow(account.id)
    if not allowed:
        raise HTTPException(status_code=429, detail=f"too many sets; retry in {wait} s",
                            headers={"Retry-After": str(wait)})
    job_id = dj_jobs.start(ctx.settings, ctx.engine, account.id, minutes,
                           request=request_text)
    if ctx.jobs is not None:
        ctx.jobs.notify()
    return _job_view(request, ctx, account, dj_jobs.get(ctx.engine, job_id))


@router.get("/dj/jobs/{job_id}")
def set_job(job_id: str, request: Request, ctx: ContextDep,
            account: web.WebAccount) -> HTMLResponse:
    """Polled by the page while a set is being built."""
    job = dj_jobs.get(ctx.engine, job_id)
    authorize(actor_of(account), Action.LISTEN, listener_resource(job["account"]))
    return _job_view(request, ctx, account, job)
