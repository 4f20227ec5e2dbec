"""Short-lived signed tokens (JWT, HS256) with exp, iat, sub, role and jti, and a `kind`:

- `access`: an API bearer token (`POST /v1/auth/token`), `ACCORD_API_TOKEN_MINUTES`, not renewed.
  A token without `kind` (issued before kinds existed) counts as an access token.
- `session`: the web session cookie. Its `jti` is the session's id for its whole life; `auth`
  is when its owner signed in. While it is used it is re-issued (sliding expiry,
  `ACCORD_API_SESSION_IDLE_MINUTES`), never past `auth` + `ACCORD_API_SESSION_MAX_HOURS`.
  A session token is refused as an API bearer token.

Sign-out revokes the token id server-side (accord.accounts.shared_state), so a copied token or
cookie stops working at once, in every worker."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta

import jwt

from accord.accounts.model import Account
from accord.timeutil import now

ALGORITHM = "HS256"
REQUIRED = ["exp", "iat", "sub", "role", "jti"]
ACCESS, SESSION = "access", "session"


class BadToken(Exception):
    """The token is malformed, tampered with, signed with another key, or expired."""


def issue(account: Account, secret: str, minutes: int, *, kind: str = ACCESS,
          jti: str | None = None, auth: int | None = None, max_exp: int | None = None,
          at: datetime | None = None) -> str:
    t = at or now()
    exp = int((t + timedelta(minutes=minutes)).timestamp())
    if max_exp is not None:
        exp = min(exp, max_exp)
    claims = {"sub": account.id, "role": account.role.value, "iat": int(t.timestamp()),
              "exp": exp, "jti": jti or uuid.uuid4().hex, "kind": kind}
    if kind == SESSION:
        claims["auth"] = auth if auth is not None else int(t.timestamp())
    if account.party_id:
        claims["party"] = account.party_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def issue_session(account: Account, secret: str, idle_minutes: int, max_hours: int,
                  at: datetime | None = None) -> str:
    """A new web session (a new id), signed in at `at`."""
    t = at or now()
    auth = int(t.timestamp())
    return issue(account, secret, idle_minutes, kind=SESSION, auth=auth,
                 max_exp=auth + max_hours * 3600, at=t)


def renew_session(account: Account, claims: dict, secret: str, idle_minutes: int,
                  max_hours: int, at: datetime | None = None) -> str:
    """The same session (same id, same sign-in time) with its idle expiry moved to now +
    `idle_minutes`, capped at sign-in + `max_hours`."""
    auth = int(claims.get("auth", claims["iat"]))
    return issue(account, secret, idle_minutes, kind=SESSION, jti=claims["jti"], auth=auth,
                 max_exp=auth + max_hours * 3600, at=at)


def kind_of(claims: dict) -> str:
    return claims.get("kind", ACCESS)


#: Tokens whose signature and claims were checked in this process, by (secret, token): the
#: HMAC and the JSON are checked once, not on every request. Expiry is checked on every call;
#: revocation and the account by the caller (accord.api.deps.claims_for_token), every time.
_VERIFIED: OrderedDict[tuple[str, str], dict] = OrderedDict()
_VERIFIED_MAX = 4096
_VERIFIED_LOCK = threading.Lock()
EXPIRED = "the token has expired; sign in again"


def verify(token: str, secret: str) -> dict:
    """The claims of a valid token; only HS256 is accepted (never 'none'). A token already
    verified in this process is not verified again (the cache above), but its expiry is."""
    key = (secret, token)
    with _VERIFIED_LOCK:
        hit = _VERIFIED.get(key)
        if hit is not None:
            _VERIFIED.move_to_end(key)
    if hit is not None:
        if int(hit["exp"]) <= time.time():  # PyJWT's own rule (no leeway)
            raise BadToken(EXPIRED)
        return dict(hit)
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": REQUIRED})
    except jwt.ExpiredSignatureError:
        raise BadToken(EXPIRED) from None
    except jwt.InvalidTokenError:
        raise BadToken("the token is invalid") from None
    with _VERIFIED_LOCK:
        _VERIFIED[key] = dict(claims)
        while len(_VERIFIED) > _VERIFIED_MAX:
            _VERIFIED.popitem(last=False)
    return claims
