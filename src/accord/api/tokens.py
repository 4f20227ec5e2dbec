"""Short-lived signed access tokens (JWT, HS256) with exp, iat, sub, role and jti."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt

from accord.accounts.model import Account
from accord.timeutil import now

ALGORITHM = "HS256"
REQUIRED = ["exp", "iat", "sub", "role", "jti"]


class BadToken(Exception):
    """The token is malformed, tampered with, signed with another key, or expired."""


def issue(account: Account, secret: str, minutes: int) -> str:
    t = now()
    claims = {"sub": account.id, "role": account.role.value, "iat": int(t.timestamp()),
              "exp": int((t + timedelta(minutes=minutes)).timestamp()),
              "jti": uuid.uuid4().hex}
    if account.party_id:
        claims["party"] = account.party_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token: str, secret: str) -> dict:
    """The claims of a valid token; only HS256 is accepted (never 'none')."""
    try:
        return jwt.decode(token, secret, algorithms=[ALGORITHM],
                          options={"require": REQUIRED})
    except jwt.ExpiredSignatureError:
        raise BadToken("the token has expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise BadToken("the token is invalid") from None
