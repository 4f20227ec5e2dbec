"""The hot path's caches keep behaviour: a token's signature is checked once per process but its
expiry on every request (revocation: test_api_hardening's sign-out tests use a token before
signing it out); one sessionmaker per engine; the permission check's JSON is what FastAPI's
own encoding gives (same bytes)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from starlette.responses import JSONResponse

from accord.accounts.model import Account, AccountRole
from accord.api import tokens
from accord.api.fastjson import FastJSON
from accord.db import engine as db
from tests.api_support import make_world

SECRET = "s" * 40
BEA = Account(id="acct-1", email="bea@example.org", role=AccountRole.ARTIST, party_id="bea")


def test_a_cached_token_still_expires(monkeypatch):
    token = tokens.issue(BEA, SECRET, 1)
    claims = tokens.verify(token, SECRET)
    assert (SECRET, token) in tokens._VERIFIED
    claims["role"] = "admin"  # the caller's copy: the cache is not changed through it
    assert tokens.verify(token, SECRET)["role"] == "artist"
    later = time.time() + 61
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(tokens.BadToken, match="expired"):
        tokens.verify(token, SECRET)


def test_a_token_is_checked_against_its_own_secret_and_bytes():
    token = tokens.issue(BEA, SECRET, 5)
    tokens.verify(token, SECRET)
    with pytest.raises(tokens.BadToken, match="invalid"):
        tokens.verify(token, "t" * 40)  # another key: not a cache hit
    head, payload, sig = token.split(".")
    with pytest.raises(tokens.BadToken, match="invalid"):
        tokens.verify(f"{head}.{payload}.{sig[:-2]}AA", SECRET)


def test_an_expired_token_is_never_cached():
    old = tokens.issue(BEA, SECRET, 1, at=datetime.now(UTC) - timedelta(minutes=5))
    with pytest.raises(tokens.BadToken, match="expired"):
        tokens.verify(old, SECRET)
    assert (SECRET, old) not in tokens._VERIFIED


def test_one_sessionmaker_per_engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with db.session_scope(engine):
        first = db._SESSIONMAKERS[engine]
    with db.session_scope(engine) as s:
        assert db._SESSIONMAKERS[engine] is first and s.get_bind() is engine
    db.dispose_engine(str(engine.url))
    assert engine not in db._SESSIONMAKERS


def test_fast_json_is_byte_for_byte_starlettes():
    content = {"allowed": False, "reasons": ["l’artiste « Bea » n’a pas consenti", "😀"],
               "n": [1, 2.5, None, True], "nested": {"a": "b"}}
    assert FastJSON(content).body == JSONResponse(content).body


def test_the_permission_check_answers_as_before(tmp_path):
    w = make_world(tmp_path / "home")
    for q in ("use=train&work=w1&at=2026-06-01", "use=train&recording=r1&at=2026-06-01"):
        r = w.client.get(f"/v1/permissions/check?{q}", headers=w.headers("fan"))
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.headers["cache-control"] == "no-store"  # the security headers still apply
        body = r.json()
        assert set(body) == {"allowed", "subject", "use", "purpose", "at", "reasons",
                             "evidence", "missing"}
    assert w.client.get("/v1/permissions/check?use=nope&work=w1",
                        headers=w.headers("fan")).status_code == 422
