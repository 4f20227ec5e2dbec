"""The web session and CSRF protection.

Session: signing in sets the session cookie holding a signed session token (accord.api.tokens,
kind `session`): HttpOnly, SameSite=Strict, Path=/; in production Secure and named with the
`__Host-` prefix (`__Host-accord_session`: the browser only accepts it from this exact host over
HTTPS, never with a Domain). Every page reads the account from it through
accord.api.deps.claims_for_token, the one place that checks a token (signature, expiry, kind,
signed out, account, role). While the visitor is active the cookie is re-issued with a new idle
expiry (sliding, `ACCORD_API_SESSION_IDLE_MINUTES`), never past the absolute maximum after
sign-in (`ACCORD_API_SESSION_MAX_HOURS`). Signing out revokes the session's id server-side in
the database, so the cookie (or a copy of it) stops working in every worker at once.

CSRF: for a signed-in visitor the token is bound to the session: HMAC(secret, session id), so a
token from another session (or an attacker's own) never matches. Before sign-in (the `/login`
form) it is a double-submit cookie `accord_csrf` (SameSite Strict, HttpOnly; rendered into the
form). Either way a post is accepted only when the form's `csrf_token` (or the header
`X-CSRF-Token`) is the expected value; besides, accord.api.headers refuses any state-changing
request whose Origin or Referer is another site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from accord.accounts.model import Account
from accord.api import tokens
from accord.api.deps import AppContext, ContextDep, SessionDep, claims_for_token
from accord.errors import Refused

SESSION_COOKIE = "accord_session"
CSRF_COOKIE = "accord_csrf"
HOST_PREFIX = "__Host-"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
RENEW_AFTER_S = 60  # re-issue the cookie at most once a minute


class LoginRequired(Exception):
    """No valid session: the page sends the visitor to the sign-in form."""

    def __init__(self, message: str = "sign in first") -> None:
        super().__init__(message)


def _secure(ctx: AppContext) -> bool:
    return ctx.api.env == "production"


def cookie_name(ctx: AppContext, name: str) -> str:
    return HOST_PREFIX + name if _secure(ctx) else name


def _cookie(request: Request, name: str) -> str | None:
    return request.cookies.get(cookie_name(request.app.state.accord, name))


def set_session(response: Response, ctx: AppContext, token: str) -> None:
    response.set_cookie(cookie_name(ctx, SESSION_COOKIE), token,
                        max_age=ctx.api.api_session_max_hours * 3600,
                        httponly=True, samesite="strict", secure=_secure(ctx), path="/")


def session_cookie_header(ctx: AppContext, token: str) -> bytes:
    r = Response()
    set_session(r, ctx, token)
    return r.headers["set-cookie"].encode("latin-1")


def clear_session(response: Response, ctx: AppContext) -> None:
    response.delete_cookie(cookie_name(ctx, SESSION_COOKIE), httponly=True, samesite="strict",
                           secure=_secure(ctx), path="/")


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def bound_csrf(secret: str, session_id: str) -> str:
    """The CSRF token of one session: HMAC(secret, session id)."""
    mac = hmac.new(secret.encode(), b"csrf|" + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def csrf_token(request: Request) -> tuple[str, bool]:
    """(the visitor's CSRF token, whether it is new and must be set as a cookie)."""
    claims = getattr(request.state, "session_claims", None)
    if claims is not None:
        return bound_csrf(request.app.state.accord.secret, claims["jti"]), False
    current = _cookie(request, CSRF_COOKIE)
    if current and len(current) >= 32:
        return current, False
    return new_csrf(), True


def set_csrf(response: Response, ctx: AppContext, token: str) -> None:
    response.set_cookie(cookie_name(ctx, CSRF_COOKIE), token, httponly=True,
                        samesite="strict", secure=_secure(ctx), path="/")


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse (403) a form post whose token is missing or is not the expected one (bound to
    the session when signed in; the double-submit cookie before)."""
    sent = sent or request.headers.get(CSRF_HEADER) or ""
    claims = getattr(request.state, "session_claims", None)
    if claims is None and (token := _cookie(request, SESSION_COOKIE)):
        try:  # a form posted by a signed-in visitor whose route does not read the account
            ctx = request.app.state.accord
            claims = tokens.verify(token, ctx.secret)
        except tokens.BadToken:
            claims = None
    if claims is not None:
        expected = bound_csrf(request.app.state.accord.secret, claims["jti"])
    else:
        expected = _cookie(request, CSRF_COOKIE) or ""
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Refused("the form's CSRF token is missing or does not match; reload the page "
                      "and try again")


def sign_out(request: Request, ctx: AppContext) -> None:
    """Revoke the visitor's session (if any) in the shared state: every worker refuses it now."""
    token = _cookie(request, SESSION_COOKIE)
    if not token:
        return
    try:
        claims = tokens.verify(token, ctx.secret)
    except tokens.BadToken:
        return
    ctx.state.revoke_token(claims["jti"], claims["sub"],
                              datetime.fromtimestamp(claims["exp"], UTC))


def web_account(request: Request, ctx: ContextDep, session: SessionDep) -> Account:
    token = _cookie(request, SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    try:
        account, claims = claims_for_token(session, ctx.secret, token)
    except tokens.BadToken as exc:
        raise LoginRequired(str(exc)) from None
    request.state.session_claims = claims
    if tokens.kind_of(claims) == tokens.SESSION:
        t = ctx.clock()
        if t.timestamp() - claims["iat"] >= RENEW_AFTER_S:  # sliding: the idle clock restarts
            renewed = tokens.renew_session(account, claims, ctx.secret,
                                           ctx.api.api_session_idle_minutes,
                                           ctx.api.api_session_max_hours, at=t)
            request.state.set_cookies = [session_cookie_header(ctx, renewed)]
    return account


WebAccount = Annotated[Account, Depends(web_account)]
