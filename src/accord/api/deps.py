"""Dependencies as Annotated aliases: SessionDep, CurrentAccount, ActorDep, RateLimited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accord.accounts import service as accounts
from accord.accounts import shared_state, throttle
from accord.accounts.model import Account
from accord.accounts.policy import ANONYMOUS, Action, Actor, Resource, can
from accord.api import tokens
from accord.api.jobs import CreationJobs
from accord.api.ratelimit import TokenBucket
from accord.api.settings import ApiSettings
from accord.config import Settings
from accord.db.engine import session_scope
from accord.errors import NotFound, Refused
from accord.rights.audit import AuditLog
from accord.timeutil import now


@dataclass
class AppContext:
    settings: Settings
    api: ApiSettings
    secret: str
    engine: Engine
    limiter: TokenBucket  # or a shared bucket (database or Redis): the same allow() / wait()
    creation_limiter: TokenBucket | None = None  # generation: a bucket of its own
    signin_limiter: TokenBucket | None = None    # unused: sign-in failures are in `state`
    jobs: CreationJobs | None = None
    clock: Callable[[], datetime] = field(default=now)  # sign-in backoff, sessions
    state: object = None  # shared_state.DbState or redis_state.RedisState (set in __post_init__)

    def __post_init__(self) -> None:
        if self.state is None:
            self.state = shared_state.DbState(self.engine)


T = TypeVar("T")


async def run_read(ctx: AppContext, work: Callable[[], T]) -> T:
    """A hot route's read-only database work. On embedded SQLite it runs on the event loop:
    the database is a local file in WAL mode, so a read never waits for a writer and takes well
    under a millisecond, while a hop to the thread pool costs more than the read and, with 16
    requests in flight, makes the pool's threads queue for the GIL (the tail of the latency).
    On a server database (PostgreSQL) a read is a network round trip that must not hold up the
    loop, so it runs in the thread pool. Only for work that writes nothing."""
    if ctx.engine.dialect.name == "sqlite":
        return work()
    return await run_in_threadpool(work)


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
# thread pool, one thread hop each, on every request (the hot routes' main overhead).
async def app_context(request: Request) -> AppContext:
    return request.app.state.accord


ContextDep = Annotated[AppContext, Depends(app_context)]


@contextmanager
def request_session(ctx: AppContext) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error;
    the audit chain's head is remembered after a request that wrote."""
    from accord.rights.audit import remember_head  # the one place that keeps the head

    with session_scope(ctx.engine) as session:
        session.info["shared_state"] = ctx.state
        yield session
        wrote = bool(session.new or session.dirty) or session.info.get("wrote", False)
    if wrote:
        remember_head(ctx.settings.home / "audit-head.json", ctx.engine)


def get_session(ctx: ContextDep) -> Iterator[Session]:
    with request_session(ctx) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

oauth2 = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
SIGN_IN_FIRST = "sign in first (a bearer token or an X-API-Key header)"


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message,
                         headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class Credentials:
    """What the request presented: an API key, or a bearer token's verified claims (signature,
    expiry, kind: no I/O), or nothing. The database's part (revocation, the account, its role)
    is `account_for`'s."""
    api_key: str | None = None
    claims: dict | None = None


def _credentials(request: Request, bearer: str | None, api_key: str | None) -> Credentials:
    if api_key:
        return Credentials(api_key=api_key)
    if not bearer:
        return Credentials()
    try:
        return Credentials(claims=checked_claims(request.app.state.accord.secret, bearer,
                                                 (tokens.ACCESS,)))
    except tokens.BadToken as exc:
        raise _unauthorized(str(exc)) from None


# No I/O, so on the event loop: a bad, expired or session token is a 401 here, before the route
# or any thread-pool hop. Each takes the request and the two security schemes itself (not
# through ContextDep): every dependency costs FastAPI a resolution step on every request.
async def credentials(request: Request, bearer: Annotated[str | None, Security(oauth2)],
                      api_key: Annotated[str | None, Security(api_key_header)]) -> Credentials:
    return _credentials(request, bearer, api_key)


async def required_credentials(request: Request,
                               bearer: Annotated[str | None, Security(oauth2)],
                               api_key: Annotated[str | None, Security(api_key_header)]
                               ) -> Credentials:
    """`credentials`, and a 401 at once when the request presented none."""
    given = _credentials(request, bearer, api_key)
    if given.api_key is None and given.claims is None:
        raise _unauthorized(SIGN_IN_FIRST)
    return given


CredentialsDep = Annotated[Credentials, Depends(credentials)]
RequiredCredentialsDep = Annotated[Credentials, Depends(required_credentials)]


def account_for(session: Session, given: Credentials) -> Account | None:
    """The account behind the request's credentials (None: anonymous); 401 when the API key is
    unknown or revoked, or the token was signed out, its account is gone or its role changed."""
    if given.api_key:
        account = accounts.account_by_api_key(session, given.api_key)
        if account is None:
            raise _unauthorized("the API key is invalid or revoked")
        return account
    if given.claims is None:
        return None
    try:
        return account_for_claims(session, given.claims)
    except tokens.BadToken as exc:
        raise _unauthorized(str(exc)) from None


def optional_account(session: SessionDep, given: CredentialsDep) -> Account | None:
    return account_for(session, given)


def claims_for_token(session: Session, secret: str, token: str,
                     kinds: tuple[str, ...] = (tokens.ACCESS, tokens.SESSION)
                     ) -> tuple[Account, dict]:
    """The account a signed token names and the token's claims; BadToken when it is invalid,
    expired, of a kind not accepted here (a web session is not an API token), signed out,
    names no account, or its role no longer matches."""
    claims = checked_claims(secret, token, kinds)
    return account_for_claims(session, claims), claims


def checked_claims(secret: str, token: str,
                   kinds: tuple[str, ...] = (tokens.ACCESS, tokens.SESSION)) -> dict:
    """A token's claims when its signature, expiry and kind are right (no I/O); else BadToken."""
    claims = tokens.verify(token, secret)
    if tokens.kind_of(claims) not in kinds:
        raise tokens.BadToken("a web session token is not an API token; get one from "
                              "POST /v1/auth/token or use an API key")
    return claims


def account_for_claims(session: Session, claims: dict) -> Account:
    """The account of checked claims, from the database: BadToken when the token was signed
    out, names no account, or its role no longer matches."""
    if shared_state_of(session).is_revoked(claims["jti"], session):
        raise tokens.BadToken("the token was signed out; sign in again")
    try:
        account = accounts.read_account(session, claims["sub"])
    except NotFound:
        raise tokens.BadToken("the token's account no longer exists") from None
    if claims["role"] != account.role.value:
        raise tokens.BadToken("the token's role no longer matches the account; sign in again")
    return account


def shared_state_of(session: Session):
    """The app's shared state (the request's session carries it, see get_session); the
    database's when the session was made outside a request."""
    state = session.info.get("shared_state")
    return state if state is not None else shared_state.DbState(session.get_bind())


async def current_account(account: Annotated[Account | None, Depends(optional_account)]
                          ) -> Account:
    if account is None:
        raise _unauthorized(SIGN_IN_FIRST)
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


def actor_of(account: Account | None) -> Actor:
    if account is None:
        return ANONYMOUS
    return Actor(role=account.role, party_id=account.party_id, account_id=account.id)


async def current_actor(account: CurrentAccount) -> Actor:
    return actor_of(account)


ActorDep = Annotated[Actor, Depends(current_actor)]


def authorize(actor: Actor, action: Action, resource: Resource | None = None) -> None:
    """Ask the policy; a denial is a 403 with the policy's reason."""
    decision = can(actor, action, resource)
    if not decision.allowed:
        raise Refused(f"not allowed: {decision.reason}")


def audit_for(session: Session, account: Account) -> AuditLog:
    session.info["wrote"] = True
    return AuditLog(session, actor=f"api:{account.email}")


def client_of(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: uvicorn's
    --forwarded-allow-ips decides whether X-Forwarded-For is believed)."""
    return request.client.host if request.client else "unknown"


def authenticate_throttled(ctx: AppContext, email: str, password: str,
                           client: str = "unknown") -> Account | None:
    """Check a password with the backoff of accord.accounts.throttle, per (address, client) and
    per client, kept in the shared state (database or Redis: every worker sees the same counts):
    a blocked key gets 429 with Retry-After before any password is checked; an unknown address
    costs the same argon2 work as a known one (a dummy hash). A success clears its keys."""
    pair, whole = throttle.keys(email, client)
    at = ctx.clock()
    if wait := ctx.state.signin_wait((pair, whole), at):
        raise HTTPException(status_code=429,
                            detail=f"too many failed sign-ins; retry in {wait} s",
                            headers={"Retry-After": str(wait)})
    with session_scope(ctx.engine) as session:
        account = accounts.authenticate(session, email, password)
    api = ctx.api
    if account is None:
        ctx.state.signin_failed({
            pair: (api.api_signin_free_failures, api.api_signin_max_delay_s),
            whole: (api.api_client_free_failures, api.api_signin_max_delay_s)}, at)
    else:
        ctx.state.signin_succeeded((pair,))
    return account


def rate_limit(limiter: TokenBucket, account: Account, what: str = "requests") -> None:
    """429 with Retry-After when the account's bucket is empty."""
    allowed, wait = limiter.allow(account.id)
    if not allowed:
        raise HTTPException(status_code=429,
                            detail=f"too many {what}; retry in {wait} s",
                            headers={"Retry-After": str(wait)})


def rate_limited(ctx: ContextDep, account: CurrentAccount) -> None:
    rate_limit(ctx.limiter, account)


RateLimited = Depends(rate_limited)
