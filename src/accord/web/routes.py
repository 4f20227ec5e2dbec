"""The pages. Each is a thin adapter like an API route: it reads the session, asks the policy
(accounts.policy.can), calls the services (through views.py) and renders a template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from accord.accounts.model import AccountRole
from accord.accounts.policy import Action, Resource
from accord.api import headers, tokens
from accord.api.audit_jobs import enqueue_audit
from accord.api.deps import (
    ContextDep,
    SessionDep,
    actor_of,
    audit_for,
    authenticate_throttled,
    authorize,
    client_of,
)
from accord.api.routes.royalties import statement_resource
from accord.errors import InvalidInput
from accord.rights import service as rights
from accord.rights.model import ConsentAction, Use
from accord.royalties import service as royalties
from accord.royalties.statement import rows as statement_rows
from accord.training import service as training
from accord.web import session as web
from accord.web import views
from accord.web.charts import earnings_svg

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

#: On every page (and, through accord.api.headers, on every other response too): scripts,
#: styles and forms only from this origin, never framed (a consent switch must not be
#: clickjacked), no MIME sniffing, no referrer leaving the site.
SECURITY_HEADERS = headers.SECURITY_HEADERS


def render(request: Request, ctx, name: str, context: dict, status: int = 200,
           account=None) -> HTMLResponse:
    """A page with what every page needs: the account, the CSRF token, the demo label."""
    token, new = web.csrf_token(request)
    response = templates.TemplateResponse(
        request, name, {"account": account, "csrf": token,
                        "demo": views.is_demo_home(ctx.settings), **context},
        status_code=status)
    response.headers.update(SECURITY_HEADERS)
    if new:
        web.set_csrf(response, ctx, token)
    return response


def _consents_of(party_id: str) -> Resource:
    return Resource("consents of party", party_id, frozenset({party_id}))


@router.get("/")
def home(request: Request) -> RedirectResponse:
    signed_in = request.cookies.get(web.cookie_name(request.app.state.accord, web.SESSION_COOKIE))
    where = "/dashboard" if signed_in else "/login"
    return RedirectResponse(where, status_code=303)


@router.get("/login")
def login_form(request: Request, ctx: ContextDep) -> HTMLResponse:
    return render(request, ctx, "login.html", {"error": None, "email": ""})


@router.post("/login")
def login(request: Request, ctx: ContextDep,
          email: Annotated[str, Form(max_length=320)],
          password: Annotated[str, Form(max_length=1024)],
          csrf_token: Annotated[str, Form(max_length=128)] = "") -> Response:
    web.check_csrf(request, csrf_token)
    try:
        account = authenticate_throttled(ctx, email, password, client_of(request))
    except HTTPException as exc:  # too many failures for this address: say so on the form
        return render(request, ctx, "login.html", {"error": exc.detail, "email": email},
                      status=exc.status_code)
    if account is None:
        return render(request, ctx, "login.html",
                      {"error": "wrong e-mail or password", "email": email}, status=401)
    response = RedirectResponse("/dashboard", status_code=303)
    token = tokens.issue_session(account, ctx.secret, ctx.api.api_session_idle_minutes,
                                 ctx.api.api_session_max_hours, at=ctx.clock())
    web.set_session(response, ctx, token)
    web.set_csrf(response, ctx, web.new_csrf())  # rotated at sign-in (pages use the bound one)
    return response


@router.post("/logout")
def logout(request: Request, ctx: ContextDep,
           csrf_token: Annotated[str, Form()] = "") -> RedirectResponse:
    web.check_csrf(request, csrf_token)
    web.sign_out(request, ctx)  # revoked server-side: a copy of the cookie stops working too
    response = RedirectResponse("/login", status_code=303)
    web.clear_session(response, ctx)
    return response


@router.get("/dashboard")
def dashboard(request: Request, ctx: ContextDep, session: SessionDep,
              account: web.WebAccount) -> Response:
    """Each role's home: artists and songwriters their consents and earnings, rights holders
    their catalogue, admins the royalty runs, fans what exists so far."""
    if account.role in (AccountRole.ARTIST, AccountRole.SONGWRITER):
        return RedirectResponse(f"/artists/{account.party_id}", status_code=303)
    if account.role is AccountRole.RIGHTS_HOLDER:
        return RedirectResponse(f"/holders/{account.party_id}", status_code=303)
    if account.role is AccountRole.ADMIN:
        authorize(actor_of(account), Action.READ_RUNS)
        return render(request, ctx, "admin.html", views.admin_page(session), account=account)
    authorize(actor_of(account), Action.READ_MODELS)
    return render(request, ctx, "fan.html", {"models": views.admin_page(session)["models"]},
                  account=account)


@router.get("/artists/{party_id}")
def artist(party_id: str, request: Request, ctx: ContextDep, session: SessionDep,
           account: web.WebAccount) -> HTMLResponse:
    authorize(actor_of(account), Action.READ_CONSENTS, _consents_of(party_id))
    return render(request, ctx, "artist.html", views.artist_page(session, ctx.settings,
                                                                 party_id), account=account)


@router.post("/artists/{party_id}/consents/{use}")
def switch_consent(party_id: str, use: str, request: Request, ctx: ContextDep,
                   session: SessionDep, account: web.WebAccount,
                   action: Annotated[str, Form()],
                   csrf_token: Annotated[str, Form()] = "") -> Response:
    """Switch one use on (opt in) or off (revoke) from now: a new consent event, never an
    edit. HTMX swaps in the updated switch; without JavaScript the page reloads."""
    web.check_csrf(request, csrf_token)
    authorize(actor_of(account), Action.CHANGE_CONSENT, _consents_of(party_id))
    allowed, wait = ctx.limiter.allow(account.id)  # the API's per-account limiter
    if not allowed:
        raise HTTPException(status_code=429, detail=f"too many changes; retry in {wait} s",
                            headers={"Retry-After": str(wait)})
    if use not in views.USES:
        raise InvalidInput(f"unknown use {use!r}; uses: {', '.join(views.USES)}")
    try:
        act = ConsentAction(action)
    except ValueError:
        raise InvalidInput(f"unknown action {action!r}; use opt_in or revoke") from None
    rights.record_consent(session, party_id, Use(use), act, None, audit_for(session, account),
                          "switched in the web dashboard")
    if act is ConsentAction.REVOKE:  # the models trained on its works: audited (a job)
        enqueue_audit(session, f"consent revoked: {party_id}, {use}", [party_id], use,
                      account.id)
    if request.headers.get("HX-Request"):
        session.flush()
        return render(request, ctx, "_consent.html",
                      {"c": views.consent_panel(session, party_id, use),
                       "party": {"id": party_id}}, account=account)
    return RedirectResponse(f"/artists/{party_id}#consent-{use}", status_code=303)


@router.get("/holders/{party_id}")
def holder(party_id: str, request: Request, ctx: ContextDep, session: SessionDep,
           account: web.WebAccount) -> HTMLResponse:
    authorize(actor_of(account), Action.READ_CATALOGUE,
              Resource("catalogue of", party_id, frozenset({party_id})))
    return render(request, ctx, "holder.html", views.holder_page(session, ctx.settings,
                                                                 party_id), account=account)


@router.get("/statements/{payee}/{period}")
def statement(payee: str, period: str, request: Request, ctx: ContextDep,
              session: SessionDep, account: web.WebAccount) -> HTMLResponse:
    """A payee's statement: the same data as `accord royalties statement`, as a page."""
    authorize(actor_of(account), Action.READ_STATEMENT, statement_resource(payee, period))
    data = royalties.statement(session, ctx.settings, payee, period)
    currencies = [{"currency": c, "body": body,
                   "svg": earnings_svg(data["history"], c),
                   "rows": statement_rows({"period": period, "currencies": {c: body}})}
                  for c, body in sorted(data["currencies"].items())]
    return render(request, ctx, "statement.html",
                  {"data": data, "currencies": currencies,
                   "payee_name": views.party_name(session, payee)}, account=account)


@router.get("/models/{model_id}")
def model_card(model_id: str, request: Request, ctx: ContextDep, session: SessionDep,
               account: web.WebAccount) -> HTMLResponse:
    """A model's card (`accord model card`): intended use, training data, metrics, limits."""
    authorize(actor_of(account), Action.READ_MODELS)
    return render(request, ctx, "model.html", {"card": training.card(session, model_id)},
                  account=account)
