"""State every server worker shares: revoked tokens, sign-in failures, token buckets. Kept in the
registry database (one short transaction each) by default, or in Redis when `ACCORD_REDIS_URL`
is set (accord.accounts.redis_state, the same methods). Nothing here lives in process memory,
so `accord serve --workers N` behaves like one process.

`open_state(engine, redis_url, prefix)` gives the store: `DbState` or `RedisState`, each with
revoke_token, is_revoked, signin_wait, signin_failed, signin_succeeded and bucket(name, ...)."""

from __future__ import annotations

import math
import time
from datetime import datetime

from sqlalchemy import Engine, bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from accord.accounts import throttle
from accord.accounts.tables import RateBucketRow, RevokedTokenRow, SigninThrottleRow
from accord.db import raw
from accord.db.engine import session_scope
from accord.timeutil import now

# --- revoked tokens ---------------------------------------------------------------------------

def revoke_token(engine: Engine, jti: str, account_id: str, expires_at: datetime) -> None:
    """Revoke a token id until it expires; revoking twice changes nothing."""
    t = now()
    with session_scope(engine) as session:
        session.execute(delete(RevokedTokenRow).where(RevokedTokenRow.expires_at < t))
        if session.get(RevokedTokenRow, jti) is None:
            session.add(RevokedTokenRow(jti=jti, account_id=account_id, revoked_at=t,
                                        expires_at=expires_at))


_REVOKED = select(RevokedTokenRow.jti).where(RevokedTokenRow.jti == bindparam("jti"))


def is_revoked(session, jti: str) -> bool:
    """Read on every authenticated request: one primary-key probe on the DBAPI cursor inside
    the session's transaction (accord.db.raw), without the ORM's identity-map load."""
    return bool(raw.fetch_all(session.connection(), _REVOKED, {"jti": jti}))


# --- sign-in failures -------------------------------------------------------------------------

def _state(row: SigninThrottleRow | None) -> throttle.State | None:
    return None if row is None else throttle.State(row.failures, row.blocked_until)


def signin_wait(engine: Engine, keys: tuple[str, ...], at: datetime) -> int:
    """Seconds before any of `keys` may try again (the longest of their blocks)."""
    with session_scope(engine) as session:
        rows = session.execute(select(SigninThrottleRow).where(
            SigninThrottleRow.key.in_(list(keys)))).scalars().all()
        return max((throttle.wait(_state(r), at) for r in rows), default=0)


def signin_failed(engine: Engine, limits: dict[str, tuple[int, float]], at: datetime) -> None:
    """Count one failure on each key; `limits`: key -> (free failures, longest delay)."""
    for attempt in range(3):  # two workers inserting the same new key: the loser retries
        try:
            with session_scope(engine) as session:
                for key, (free, max_delay) in limits.items():
                    row = session.execute(select(SigninThrottleRow).where(
                        SigninThrottleRow.key == key).with_for_update()).scalar_one_or_none()
                    new = throttle.failed(_state(row), at, free, max_delay)
                    if row is None:
                        session.add(SigninThrottleRow(key=key, failures=new.failures,
                                                      last_failure_at=at,
                                                      blocked_until=new.blocked_until))
                    else:
                        row.failures, row.last_failure_at = new.failures, at
                        row.blocked_until = new.blocked_until
            return
        except IntegrityError:
            if attempt == 2:
                raise


def signin_succeeded(engine: Engine, keys: tuple[str, ...]) -> None:
    with session_scope(engine) as session:
        session.execute(delete(SigninThrottleRow).where(SigninThrottleRow.key.in_(list(keys))))


# --- token buckets ----------------------------------------------------------------------------

class SharedBucket:
    """The TokenBucket of accord.api.ratelimit, stored in the database: `burst` at once,
    refilled at `per_minute`, shared by every worker. `name` separates buckets."""

    def __init__(self, engine: Engine, name: str, per_minute: float, burst: int,
                 clock=time.time) -> None:
        self.engine, self.name = engine, name
        self.rate, self.burst, self.clock = per_minute / 60.0, burst, clock

    def _level(self, row: RateBucketRow | None, t: float) -> float:
        if row is None:
            return float(self.burst)
        return min(float(self.burst), row.tokens + max(0.0, t - row.updated) * self.rate)

    def _retry(self, tokens: float) -> int:
        return max(1, math.ceil((1.0 - tokens) / self.rate))

    def allow(self, key: str) -> tuple[bool, int]:
        k = f"{self.name}:{key}"
        for attempt in range(3):
            try:
                with session_scope(self.engine) as session:
                    t = self.clock()
                    row = session.execute(select(RateBucketRow).where(
                        RateBucketRow.key == k).with_for_update()).scalar_one_or_none()
                    tokens = self._level(row, t)
                    ok = tokens >= 1.0
                    left = tokens - 1.0 if ok else tokens
                    if row is None:
                        session.add(RateBucketRow(key=k, tokens=left, updated=t))
                    else:
                        row.tokens, row.updated = left, t
                return (True, 0) if ok else (False, self._retry(tokens))
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def wait(self, key: str) -> int:
        with session_scope(self.engine) as session:
            row = session.get(RateBucketRow, f"{self.name}:{key}")
            tokens = self._level(row, self.clock())
        return 0 if tokens >= 1.0 else self._retry(tokens)


# --- the store, as one object -------------------------------------------------------------------

class DbState:
    """The shared state in the registry database (the default)."""

    backend = "database"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def revoke_token(self, jti: str, account_id: str, expires_at: datetime) -> None:
        revoke_token(self.engine, jti, account_id, expires_at)

    def is_revoked(self, jti: str, session=None) -> bool:
        """Looked up in the request's own session when given (no second connection)."""
        if session is not None:
            return is_revoked(session, jti)
        with session_scope(self.engine) as s:
            return is_revoked(s, jti)

    def signin_wait(self, keys: tuple[str, ...], at: datetime) -> int:
        return signin_wait(self.engine, keys, at)

    def signin_failed(self, limits: dict[str, tuple[int, float]], at: datetime) -> None:
        signin_failed(self.engine, limits, at)

    def signin_succeeded(self, keys: tuple[str, ...]) -> None:
        signin_succeeded(self.engine, keys)

    def bucket(self, name: str, per_minute: float, burst: int, clock=time.time) -> SharedBucket:
        return SharedBucket(self.engine, name, per_minute, burst, clock)


def open_state(engine: Engine, redis_url: str | None = None, prefix: str = "accord:"):
    """The shared state: in Redis at `redis_url` when given (keys under `prefix`), else in the
    database behind `engine`."""
    if redis_url:
        from accord.accounts.redis_state import RedisState

        return RedisState.from_url(redis_url, prefix)
    return DbState(engine)
