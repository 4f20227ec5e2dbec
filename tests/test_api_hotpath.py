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


# --- the hot routes: one thread-pool hop, matched first, the same answers ---------------------

HOT = {"/v1/permissions/check": "/v1/permissions/check", "/outputs/out-1": "/outputs/{output_id}"}


def _routes(app):
    """Every route as FastAPI matches it (included routers flattened, prefixes applied)."""
    from fastapi.routing import iter_route_contexts

    return list(iter_route_contexts(app.routes))


def test_the_hot_paths_are_matched_by_their_own_route_only(tmp_path):
    """They are included before every other router (accord.api.app); that changes nothing only
    if no other route matches their paths."""
    w = make_world(tmp_path / "home")
    for path, route_path in HOT.items():
        matching = [r.path for r in _routes(w.client.app)
                    if getattr(r, "path_regex", None) is not None and r.path_regex.match(path)
                    and (r.methods is None or "GET" in r.methods)]
        assert matching == [route_path], (path, matching)


def test_the_hot_routes_take_no_thread_per_dependency(tmp_path):
    """async endpoints whose dependencies are all async: the route's only thread-pool hop, if
    any, is its own database part (run_read)."""
    import inspect

    w = make_world(tmp_path / "home")
    routes = {r.path: r.original_route for r in _routes(w.client.app)}

    def calls(dependant):
        for d in dependant.dependencies:
            yield d.call
            yield from calls(d)

    for path in HOT.values():
        route = routes[path]
        assert inspect.iscoroutinefunction(route.endpoint), path
        for call in calls(route.dependant):
            assert (inspect.iscoroutinefunction(call)
                    or inspect.iscoroutinefunction(type(call).__call__)), (path, call)


def test_run_read_stays_on_the_loop_for_sqlite_and_hops_for_a_server_database(tmp_path):
    """Embedded SQLite: the read runs in the event loop's own thread (no hop, no GIL queue);
    PostgreSQL: in a worker thread, so a network round trip never holds up the loop."""
    import asyncio
    import threading
    from types import SimpleNamespace

    from sqlalchemy import create_engine

    from accord.api.deps import run_read

    async def thread_of(engine) -> int:
        return await run_read(SimpleNamespace(engine=engine), threading.get_ident)

    loop_thread = threading.get_ident()  # asyncio.run runs its loop in this thread
    sqlite = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    server = create_engine("postgresql+psycopg://u:p@127.0.0.1:1/none")  # never connected
    assert asyncio.run(thread_of(sqlite)) == loop_thread
    assert asyncio.run(thread_of(server)) != loop_thread


def test_the_permission_check_refuses_every_credential_as_the_general_path_does(tmp_path):
    """The check reads the token on the event loop and the account in its own transaction
    (accord.api.deps.credentials, account_for); every refusal is the same 401 with the same
    reason as any other route's (here GET /v1/me, through CurrentAccount)."""
    from accord.accounts import service as accounts
    from accord.accounts.model import AccountRole as R
    from accord.db.engine import make_engine, session_scope

    w = make_world(tmp_path / "home")
    ctx = w.client.app.state.accord
    fan = w.ids["fan"]
    with session_scope(make_engine(w.settings.db_url)) as s:
        key, _ = accounts.issue_api_key(s, fan)
    signed_out = tokens.issue(Account(id=fan, email="fan@example.org", role=R.FAN,
                                      party_id=None), w.secret, 15)
    claims = tokens.verify(signed_out, w.secret)
    ctx.state.revoke_token(claims["jti"], fan, datetime.now(UTC) + timedelta(minutes=15))
    bearer = {
        "garbage": "not.a.token",
        "another key": tokens.issue(BEA, "t" * 40, 15),
        "expired": tokens.issue(Account(id=fan, email="f", role=R.FAN, party_id=None),
                                w.secret, 1, at=datetime.now(UTC) - timedelta(minutes=5)),
        "a web session": tokens.issue_session(Account(id=fan, email="f", role=R.FAN,
                                                      party_id=None), w.secret, 30, 12),
        "signed out": signed_out,
        "no such account": tokens.issue(Account(id="acct-gone", email="g", role=R.FAN,
                                                party_id=None), w.secret, 15),
        "a role it no longer has": tokens.issue(Account(id=fan, email="f", role=R.ADMIN,
                                                        party_id=None), w.secret, 15),
    }
    cases = {"nothing": {}, "an unknown API key": {"X-API-Key": "ak_nope"},
             **{k: {"Authorization": f"Bearer {v}"} for k, v in bearer.items()}}
    q = "/v1/permissions/check?use=train&work=w1&at=2026-06-01"
    for name, headers in cases.items():
        check, general = w.client.get(q, headers=headers), w.client.get("/v1/me", headers=headers)
        assert check.status_code == general.status_code == 401, (name, check.text)
        assert check.json()["detail"] == general.json()["detail"], name
        assert check.headers["www-authenticate"] == "Bearer", name
    ok = w.client.get(q, headers={"X-API-Key": key})
    assert ok.status_code == 200 and ok.json() == w.client.get(q, headers=w.headers("fan")).json()


def test_read_account_is_get_account(tmp_path):
    from accord.accounts import service as accounts
    from accord.db.engine import make_engine, session_scope
    from accord.errors import NotFound

    w = make_world(tmp_path / "home")
    with session_scope(make_engine(w.settings.db_url)) as s:
        for account_id in w.ids.values():
            assert accounts.read_account(s, account_id) == accounts.get_account(s, account_id)
        with pytest.raises(NotFound, match="no account with id 'nope'"):
            accounts.read_account(s, "nope")


@pytest.mark.parametrize("module", ["accord.api.app", "accord.cli.main"])
def test_start_up_imports_no_torch(module):
    """`accord serve` and `accord --help` start without importing torch (about 10 s on this
    machine kind) or scipy; the training, creation and attribution code imports them where it
    runs."""
    import subprocess
    import sys

    code = (f"import sys, {module}; "
            "print(sorted(m for m in ('torch', 'scipy', 'librosa', 'music21', 'pyspark') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
