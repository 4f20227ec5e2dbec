"""The listener's DJ page: the latest set with a player, its track list, each track's
credits and why it was chosen; a form (HTMX) asks for a new set. Same service as the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from accord.accounts.policy import Action
from accord.api.deps import ContextDep, SessionDep, actor_of, authorize
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
    return render(request, ctx, "dj.html", {"set": _latest(ctx, account.id)}, account=account)


@router.post("/dj/sets")
def new_set(request: Request, ctx: ContextDep, session: SessionDep, account: web.WebAccount,
            minutes: Annotated[int, Form()] = 20, request_text: Annotated[str, Form()] = "",
            csrf_token: Annotated[str, Form()] = "") -> Response:
    web.check_csrf(request, csrf_token)
    authorize(actor_of(account), Action.LISTEN, listener_resource(account.id))
    allowed, wait = ctx.limiter.allow(account.id)
    if not allowed:
        raise HTTPException(status_code=429, detail=f"too many sets; retry in {wait} s",
                            headers={"Retry-After": str(wait)})
    listing = service.build_set(session, ctx.settings, account.id, minutes,
                                request=request_text)
    name = "_dj_set.html" if request.headers.get("HX-Request") else "dj.html"
    return render(request, ctx, name, {"set": listing}, account=account)
