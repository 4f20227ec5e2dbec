"""The shared state of accord.accounts.shared_state kept in Redis (`ACCORD_REDIS_URL`): revoked
tokens, sign-in failures and token buckets, for servers whose workers (or hosts) share one Redis
instead of writing these to the registry database on every request.

The rules are the same objects as the database's: the sign-in backoff is
accord.accounts.throttle (pure), the bucket arithmetic SharedBucket's. Each read-modify-write is
one optimistic transaction (WATCH, then MULTI/EXEC; a concurrent change retries), so two workers
never lose a count. Keys (all under the prefix, default "accord:"):

- `revoked:<jti>`: a signed-out token, expiring when the token would have (EXPIREAT).
- `signin:<key>`: a hash {failures, blocked_until} per throttle key; it expires a day after its
  last failure (the database keeps it until a success: the one difference, so an attacker's
  keys do not pile up in memory).
- `bucket:<name>:<key>`: a hash {tokens, updated}; it expires once the bucket would be full.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

import redis
from redis.exceptions import WatchError

from accord.accounts import throttle
from accord.accounts.shared_state import SharedBucket

SIGNIN_TTL_S = 24 * 3600


def _ts(at: datetime) -> float:
    return at.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _transact(client: redis.Redis, key: str, step) -> object:
    """Run `step(pipe, current hash)` under WATCH key; retried when another client changed the
    key meanwhile. `step` queues its writes after pipe.multi() and returns the answer."""
    with client.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                current = pipe.hgetall(key)
                pipe.multi()
                answer = step(pipe, current)
                pipe.execute()
                return answer
            except WatchError:
                continue


class RedisBucket(SharedBucket):
    """SharedBucket's token bucket with its level in a Redis hash."""

    def __init__(self, client: redis.Redis, prefix: str, name: str, per_minute: float,
                 burst: int, clock=time.time) -> None:
        super().__init__(None, name, per_minute, burst, clock)  # type: ignore[arg-type]
        self.client, self.prefix = client, prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}bucket:{self.name}:{key}"

    @staticmethod
    def _row(h: dict) -> _Level | None:
        return _Level(float(h[b"tokens"]), float(h[b"updated"])) if h else None

    def allow(self, key: str) -> tuple[bool, int]:
        def step(pipe, h):
            t = self.clock()
            tokens = self._level(self._row(h), t)
            ok = tokens >= 1.0
            left = tokens - 1.0 if ok else tokens
            k = self._key(key)
            pipe.hset(k, mapping={"tokens": repr(left), "updated": repr(t)})
            pipe.expire(k, max(1, math.ceil((self.burst - left) / self.rate) + 1))
            return (True, 0) if ok else (False, self._retry(tokens))

        return _transact(self.client, self._key(key), step)

    def wait(self, key: str) -> int:
        tokens = self._level(self._row(self.client.hgetall(self._key(key))), self.clock())
        return 0 if tokens >= 1.0 else self._retry(tokens)


class _Level:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens, self.updated = tokens, updated


class RedisState:
    """accord.accounts.shared_state.DbState's methods over Redis."""

    backend = "redis"

    def __init__(self, client: redis.Redis, prefix: str = "accord:") -> None:
        self.client, self.prefix = client, prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "accord:") -> RedisState:
        return cls(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5,
                                        health_check_interval=30), prefix)

    # --- revoked tokens ---------------------------------------------------------------------
    def revoke_token(self, jti: str, account_id: str, expires_at: datetime) -> None:
        """Revoke a token id until it expires; revoking twice changes nothing."""
        if expires_at.timestamp() <= time.time():
            return  # already expired: refused anyway
        self.client.set(f"{self.prefix}revoked:{jti}", account_id, nx=True,
                        exat=math.ceil(expires_at.timestamp()))

    def is_revoked(self, jti: str, session=None) -> bool:
        return bool(self.client.exists(f"{self.prefix}revoked:{jti}"))

    # --- sign-in failures -------------------------------------------------------------------
    def _skey(self, key: str) -> str:
        return f"{self.prefix}signin:{key}"

    @staticmethod
    def _state(h: dict) -> throttle.State | None:
        if not h:
            return None
        blocked = float(h.get(b"blocked_until", b"0") or 0)
        return throttle.State(int(h[b"failures"]), _dt(blocked) if blocked else None)

    def signin_wait(self, keys: tuple[str, ...], at: datetime) -> int:
        with self.client.pipeline(transaction=False) as pipe:
            for k in keys:
                pipe.hgetall(self._skey(k))
            rows = pipe.execute()
        return max((throttle.wait(self._state(h), at) for h in rows), default=0)

    def signin_failed(self, limits: dict[str, tuple[int, float]], at: datetime) -> None:
        for key, (free, max_delay) in limits.items():
            def step(pipe, h, key=key, free=free, max_delay=max_delay):
                new = throttle.failed(self._state(h), at, free, max_delay)
                k = self._skey(key)
                pipe.hset(k, mapping={"failures": new.failures,
                                      "blocked_until": repr(_ts(new.blocked_until))
                                      if new.blocked_until else "0"})
                pipe.expire(k, SIGNIN_TTL_S)

            _transact(self.client, self._skey(key), step)

    def signin_succeeded(self, keys: tuple[str, ...]) -> None:
        self.client.delete(*[self._skey(k) for k in keys])

    # --- token buckets ----------------------------------------------------------------------
    def bucket(self, name: str, per_minute: float, burst: int, clock=time.time) -> RedisBucket:
        return RedisBucket(self.client, self.prefix, name, per_minute, burst, clock)
