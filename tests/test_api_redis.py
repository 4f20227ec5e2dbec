"""ACCORD_REDIS_URL: rate limits, sign-in failures and revoked tokens in the real Redis at
127.0.0.1:6379, shared by two app instances (two workers) over one home. Each test writes under
its own key prefix and deletes its keys afterwards; the database tables stay empty, so what is
shared is shared through Redis."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from accord.accounts.redis_state import RedisState
from accord.accounts.tables import RateBucketRow, RevokedTokenRow, SigninThrottleRow
from accord.api import create_app
from accord.api.settings import ApiSettings
from accord.db.engine import make_engine, session_scope
from tests.api_support import PASSWORD, make_world

URL = "redis://127.0.0.1:6379/0"
ARTIST = "artist@example.org"


@pytest.fixture
def prefix():
    try:
        client = redis.Redis.from_url(URL)
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("these tests need the Redis at 127.0.0.1:6379 (see COMMON.md)")
    p = f"accord-test-{secrets.token_hex(6)}:"
    yield p
    keys = list(client.scan_iter(match=f"{p}*"))
    if keys:
        client.delete(*keys)


def two_workers(tmp_path, prefix, **api):
    """Two apps over one home and one Redis, as `accord serve --workers 2` makes them."""
    first = make_world(tmp_path / "home", redis_url=URL, redis_prefix=prefix, **api)
    settings = ApiSettings(**{"api_rate_burst": 10_000, "api_inprocess_worker": False,
                              "redis_url": URL, "redis_prefix": prefix, **api})
    second = TestClient(create_app(first.settings, settings))
    return first, second


def rows(world, table) -> int:
    with session_scope(make_engine(world.settings.db_url)) as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_app_uses_redis_when_configured(tmp_path, prefix):
    w, _ = two_workers(tmp_path, prefix)
    assert isinstance(w.client.app.state.accord.state, RedisState)
    plain = make_world(tmp_path / "plain")
    assert plain.client.app.state.accord.state.backend == "database"


def test_a_token_revoked_in_one_worker_is_refused_in_the_other(tmp_path, prefix):
    w, other = two_workers(tmp_path, prefix)
    token = w.client.post("/v1/auth/token",
                          data={"username": ARTIST, "password": PASSWORD}).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    assert other.get("/v1/me", headers=h).status_code == 200
    assert w.client.post("/v1/auth/logout", headers=h).status_code == 200
    r = other.get("/v1/me", headers=h)
    assert r.status_code == 401 and "signed out" in r.json()["detail"]
    assert rows(w, RevokedTokenRow) == 0  # in Redis, not in the database
    ttl = redis.Redis.from_url(URL).ttl(f"{prefix}revoked:" + _jti(w, token))
    assert 0 < ttl <= 15 * 60 + 1  # kept until the token would have expired


def _jti(w, token):
    import jwt

    return jwt.decode(token, w.secret, algorithms=["HS256"])["jti"]


def test_sign_in_failures_are_counted_across_both_workers(tmp_path, prefix):
    w, other = two_workers(tmp_path, prefix, api_signin_free_failures=4)
    t = [datetime.now(UTC)]
    for app in (w.client.app, other.app):
        app.state.accord.clock = lambda: t[0]
    a = TestClient(w.client.app, client=("203.0.113.9", 4000))
    b = TestClient(other.app, client=("203.0.113.9", 4000))
    statuses = [(a if i % 2 else b).post("/v1/auth/token", data={
        "username": ARTIST, "password": f"guess {i}"}).status_code for i in range(6)]
    # four failures in all (two per worker) are free; the fifth blocks the pair in both
    assert statuses[:4] == [401] * 4 and 429 in statuses[4:], statuses
    blocked = a.post("/v1/auth/token", data={"username": ARTIST, "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert rows(w, SigninThrottleRow) == 0
    t[0] += timedelta(seconds=31)
    ok = b.post("/v1/auth/token", data={"username": ARTIST, "password": PASSWORD})
    assert ok.status_code == 200
    assert not redis.Redis.from_url(URL).exists(
        f"{prefix}signin:addr:{ARTIST}|203.0.113.9")  # a success clears the pair


def test_the_rate_limit_is_one_bucket_across_both_workers(tmp_path, prefix):
    w, other = two_workers(tmp_path, prefix, api_rate_burst=4, api_rate_per_minute=1)
    h = w.headers("admin")
    body = {"use": "dj", "action": "opt_in", "reason": "test"}
    statuses = [(w.client if i % 2 else other).post(
        "/v1/parties/bea/consents", json=body, headers=h).status_code for i in range(6)]
    assert statuses[:4] == [201] * 4, statuses
    assert statuses[4:] == [429, 429], statuses
    assert rows(w, RateBucketRow) == 0


def test_redis_away_is_503_not_500(tmp_path, prefix):
    w = make_world(tmp_path / "home", redis_url="redis://127.0.0.1:1/0", redis_prefix=prefix)
    r = w.client.get("/v1/me", headers=w.headers("fan"))
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json()["problems"][0]["where"] == "redis"
