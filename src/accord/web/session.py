"""The web session and CSRF protection.

Session: signing in sets the cookie `accord_session` holding the same signed token the API
issues (accord.api.tokens), HttpOnly, SameSite=Strict, Secure in production; it lives as long
as an access token (ACCORD_API_TOKEN_MINUTES). Every page reads the account from it through
accord.api.deps.account_for_token, the one place that checks a token.

CSRF: a double-submit token. A random value is set once in the cookie `accord_csrf` (SameSite
Strict) and rendered into every form (and HTMX's request headers); a form post is accepted only
when the value sent with the form (field `csrf_token` or header `X-CSRF-Token`) equals the
cookie. A cross-site page can neither read the cookie nor set it, so it cannot forge the pair.
The value is rotated at sign-in.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from accord.accounts.model import Account
from accord.api import tokens
from accord.api.deps import AppContext, ContextDep, SessionDep, account_for_token
from accord.errors import Refused

SESSION_COOKIE = "accord_session"
CSRF_COOKIE = "accord_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """No valid session: the page sends the visitor to the sign-in form."""

    def __init__(self, message: str = "sign in first") -> None:
        super().__init__(message)


def _secure(ctx: AppContext) -> bool:
    return ctx.api.env == "production"


def set_session(response: Response, ctx: AppContext, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=ctx.api.api_token_minutes * 60,
                        httponly=True, samesite="strict", secure=_secure(ctx), path="/")


def clear_session(response: Response, ctx: AppContext) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict",
                           secure=_secure(ctx), path="/")


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(request: Request) -> tuple[str, bool]:
    """(the visitor's CSRF token, whether it is new and must be set as a cookie)."""
    current = request.cookies.get(CSRF_COOKIE)
    if current and len(current) >= 32:
        return current, False
    return new_csrf(), True


def set_csrf(response: Response, ctx: AppContext, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(ctx), path="/")


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse (403) a form post whose token is missing or differs from the cookie."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    sent = sent or request.headers.get(CSRF_HEADER) or ""
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise Refused("the form's CSRF token is missing or does not match; reload the page "
                      "and try again")


def web_account(request: Request, ctx: ContextDep, session: SessionDep) -> Account:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    try:
        return account_for_token(session, ctx.secret, token)
    except tokens.BadToken as exc:
        raise LoginRequired(str(exc)) from None


WebAccount = Annotated[Account, Depends(web_account)]
