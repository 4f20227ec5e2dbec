"""Sign-in (OAuth2 password flow), the current account, and API keys for machine clients."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Security
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from accord.accounts import service as accounts
from accord.accounts.policy import Action, Resource
from accord.api import tokens
from accord.api.deps import (
    ActorDep,
    ContextDep,
    CurrentAccount,
    SessionDep,
    authenticate_throttled,
    authorize,
    claims_for_token,
    client_of,
    oauth2,
)

router = APIRouter(tags=["auth"])


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class AccountPublic(BaseModel):
    id: str
    email: str
    role: str
    party: str | None


class ApiKeyPublic(BaseModel):
    key: str
    id: str
    prefix: str
    note: str = "shown once; store it now"


@router.post("/auth/token", response_model=TokenPublic)
def token(request: Request, ctx: ContextDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenPublic:
    """Sign in: an access token. Failed attempts back off per (address, client) and per
    client (429 with Retry-After); an unknown address costs what a known one does."""
    if len(form.username) > 320 or len(form.password) > 1024:
        raise HTTPException(status_code=422, detail="username: at most 320 characters; "
                                                    "password: at most 1024")
    account = authenticate_throttled(ctx, form.username, form.password,
                                     client_of(request))
    if account is None:
        raise HTTPException(status_code=401, detail="wrong e-mail or password",
                            headers={"WWW-Authenticate": "Bearer"})
    return TokenPublic(access_token=tokens.issue(account, ctx.secret, ctx.api.api_token_minutes),
                       expires_in=ctx.api.api_token_minutes * 60)


class SignedOut(BaseModel):
    signed_out: bool
    token_id: str


@router.post("/auth/logout", response_model=SignedOut)
def logout(ctx: ContextDep, session: SessionDep, account: CurrentAccount,
           bearer: Annotated[str | None, Security(oauth2)]) -> SignedOut:
    """Sign out: the bearer token is revoked server-side (by its id) until it would expire;
    every worker refuses it from now on. With an API key there is nothing to sign out."""
    if not bearer:
        raise HTTPException(status_code=422, detail="sign out needs the bearer token itself; "
                                                    "revoke an API key with its own route")
    _, claims = claims_for_token(session, ctx.secret, bearer)
    ctx.state.revoke_token(claims["jti"], account.id,
                              datetime.fromtimestamp(claims["exp"], UTC))
    return SignedOut(signed_out=True, token_id=claims["jti"])


@router.get("/me", response_model=AccountPublic)
def me(account: CurrentAccount) -> AccountPublic:
    return AccountPublic(**account.to_json())


@router.post("/me/api-keys", response_model=ApiKeyPublic, status_code=201)
def new_api_key(session: SessionDep, account: CurrentAccount) -> ApiKeyPublic:
    key, info = accounts.issue_api_key(session, account.id)
    return ApiKeyPublic(key=key, id=info["id"], prefix=info["prefix"])


class ApiKeyInfo(BaseModel):
    id: str
    prefix: str
    account: str
    created_at: str
    revoked_at: str | None


@router.get("/me/api-keys", response_model=list[ApiKeyInfo])
def my_api_keys(session: SessionDep, account: CurrentAccount) -> list[dict]:
    """The account's API keys (ids and prefixes; the keys themselves are never stored)."""
    return accounts.list_api_keys(session, account.id)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyInfo)
def revoke_api_key(key_id: str, session: SessionDep, actor: ActorDep) -> dict:
    """Revoke an API key (its owner or an admin); it is refused from then on."""
    owner = accounts.api_key_owner(session, key_id)  # 404 for an unknown id
    authorize(actor, Action.REVOKE_API_KEY, Resource("api key", key_id, frozenset({owner})))
    return accounts.revoke_api_key(session, key_id)
