"""The service under attack (issue 17): one test per finding, each failing before the change.

Limits before work, sessions that end at sign-out, sign-in that neither enumerates accounts nor
locks the owner out, CSRF bound to the session with Origin checks, security headers on every
response, vendored docs, field limits, creation limits, a database that goes away (503)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from accord.accounts import credentials
from accord.api import create_app, tokens
from accord.api.settings import ApiSettings
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.jobs import queue
from accord.web.session import bound_csrf
from tests.api_support import PASSWORD, make_world
from tests.web_support import MODEL, PERIOD, add_output_and_job, enrich

ARTIST = "artist@example.org"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = enrich(make_world(tmp_path_factory.mktemp("hardening")))
    add_output_and_job(w)
    return w


def sign_in(client: TestClient, email: str = ARTIST, password: str = PASSWORD):
    return client.post("/v1/auth/token", data={"username": email, "password": password})


def web_sign_in(world, **client_kw) -> TestClient:
    c = TestClient(world.client.app, follow_redirects=False, **client_kw)
    c.get("/login")
    r = c.post("/login", data={"email": ARTIST, "password": PASSWORD,
                               "csrf_token": c.cookies["accord_csrf"]})
    assert r.status_code == 303, r.text
    return c


def session_token(c: TestClient) -> str:
    return c.cookies["accord_session"]


def page_csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# --- 2. sessions end at sign-out, slide, and are not API tokens -------------------------------

def test_a_web_session_ends_at_sign_out_even_for_a_copy_of_the_cookie(world):
    c = web_sign_in(world)
    stolen = session_token(c)
    page = c.get("/artists/bea")
    assert page.status_code == 200
    out = c.post("/logout", data={"csrf_token": page_csrf(page.text)})
    assert out.status_code == 303
    thief = TestClient(world.client.app, follow_redirects=False)
    thief.cookies.set("accord_session", stolen)
    r = thief.get("/artists/bea")
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_a_bearer_token_ends_at_sign_out(world):
    token = sign_in(world.client).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/v1/me", headers=h).status_code == 200
    out = world.client.post("/v1/auth/logout", headers=h)
    assert out.status_code == 200 and out.json()["signed_out"] is True
    r = world.client.get("/v1/me", headers=h)
    assert r.status_code == 401 and "signed out" in r.json()["detail"]
    assert world.client.post("/v1/auth/logout").status_code == 401  # nobody to sign out


def test_a_session_token_is_not_an_api_token(world):
    c = web_sign_in(world)
    r = world.client.get("/v1/me", headers={"Authorization": f"Bearer {session_token(c)}"})
    assert r.status_code == 401 and "not an API token" in r.json()["detail"]


def test_a_session_slides_while_used_but_never_past_its_absolute_maximum(world):
    ctx = world.client.app.state.accord
    from accord.accounts import service as accounts

    with session_scope(ctx.engine) as s:
        account = accounts.account_by_email(s, ARTIST)
    idle, most = ctx.api.api_session_idle_minutes, ctx.api.api_session_max_hours
    signed_in = datetime.now(UTC) - timedelta(minutes=5)
    token = tokens.issue_session(account, ctx.secret, idle, most, at=signed_in)
    c = TestClient(world.client.app, follow_redirects=False)
    c.cookies.set("accord_session", token)
    r = c.get("/artists/bea")
    assert r.status_code == 200
    renewed = next(h for h in r.headers.get_list("set-cookie")
                   if h.startswith("accord_session=")).split(";")[0].split("=", 1)[1]
    old = jwt.decode(token, ctx.secret, algorithms=["HS256"])
    new = jwt.decode(renewed, ctx.secret, algorithms=["HS256"])
    assert new["jti"] == old["jti"] and new["auth"] == old["auth"]  # the same session
    assert new["exp"] > old["exp"]                                   # slid forward

    near_end = datetime.now(UTC) - timedelta(hours=most) + timedelta(minutes=2)
    auth = int(near_end.timestamp())  # signed in almost `most` hours ago, active since
    late = tokens.issue(account, ctx.secret, idle, kind=tokens.SESSION, auth=auth,
                        max_exp=auth + most * 3600, at=datetime.now(UTC) - timedelta(minutes=2))
    c.cookies.delete("accord_session")
    c.cookies.set("accord_session", late)
    r = c.get("/artists/bea")
    assert r.status_code == 200, r.headers
    capped = next(h for h in r.headers.get_list("set-cookie")
                  if h.startswith("accord_session=")).split(";")[0].split("=", 1)[1]
    claims = jwt.decode(capped, ctx.secret, algorithms=["HS256"])
    assert claims["exp"] == claims["auth"] + most * 3600  # capped, not now + idle
    expired = tokens.issue_session(account, ctx.secret, idle, most,
                                   at=datetime.now(UTC) - timedelta(hours=most, minutes=1))
    c.cookies.delete("accord_session")
    c.cookies.set("accord_session", expired)
    assert c.get("/artists/bea").headers["location"] == "/login"


# --- 3. sign-in: no enumeration, backoff that does not lock the owner out ---------------------

def test_an_unknown_address_costs_the_same_argon2_work(world, monkeypatch):
    checked = []
    real = credentials._HASHER

    class Recording:
        def verify(self, h, p):
            checked.append(h)
            return real.verify(h, p)

        def hash(self, p):
            return real.hash(p)

    monkeypatch.setattr(credentials, "_HASHER", Recording())
    assert sign_in(world.client, "nobody@example.org", "a guess").status_code == 401
    assert sign_in(world.client, ARTIST, "a guess").status_code == 401
    assert len(checked) == 2  # one argon2 verification each, known or not
    assert checked[0] == credentials.dummy_hash()
    assert checked[0].startswith("$argon2id$") and checked[1].startswith("$argon2id$")


def test_backoff_holds_the_attacker_not_the_owner(tmp_path):
    w = make_world(tmp_path / "home", api_signin_free_failures=3, api_signin_max_delay_s=30)
    t = [datetime.now(UTC)]
    w.client.app.state.accord.clock = lambda: t[0]
    attacker = TestClient(w.client.app, client=("203.0.113.9", 4000))
    owner = TestClient(w.client.app, client=("198.51.100.7", 5000))
    statuses = [sign_in(attacker, ARTIST, f"guess {i}").status_code for i in range(12)]
    assert statuses[:3] == [401, 401, 401] and set(statuses[3:]) == {429}
    blocked = sign_in(attacker, ARTIST, PASSWORD)
    assert blocked.status_code == 429 and 1 <= int(blocked.headers["Retry-After"]) <= 30
    assert sign_in(owner).status_code == 200  # another client: not held back at all
    # the same client (say one NAT): a 429 does not count, so the wait never grows past the
    # longest delay; after it the correct password succeeds
    t[0] += timedelta(seconds=31)
    assert sign_in(attacker, ARTIST, PASSWORD).status_code == 200


def test_a_client_guessing_many_addresses_is_slowed(tmp_path):
    w = make_world(tmp_path / "home", api_client_free_failures=5)
    t0 = datetime.now(UTC)
    w.client.app.state.accord.clock = lambda: t0
    c = TestClient(w.client.app, client=("203.0.113.10", 4000))
    statuses = [sign_in(c, f"user{i}@example.org", "guess").status_code for i in range(8)]
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:]


# --- 4. CSRF bound to the session, Origin, cookies, headers, docs ------------------------------

def test_a_csrf_token_from_another_session_is_refused(world):
    mine, theirs = web_sign_in(world), web_sign_in(world)
    their_token = page_csrf(theirs.get("/artists/bea").text)
    r = mine.post("/artists/bea/consents/dj", data={"action": "opt_in",
                                                    "csrf_token": their_token})
    assert r.status_code == 403 and "CSRF" in r.text
    anonymous_cookie = mine.cookies["accord_csrf"]  # the pre-sign-in double-submit value
    r = mine.post("/artists/bea/consents/dj", data={"action": "opt_in",
                                                    "csrf_token": anonymous_cookie})
    assert r.status_code == 403
    jti = jwt.decode(session_token(mine), world.secret, algorithms=["HS256"])["jti"]
    assert page_csrf(mine.get("/artists/bea").text) == bound_csrf(world.secret, jti)


def test_a_cross_origin_post_is_refused_before_the_route(world):
    c = web_sign_in(world)
    token = page_csrf(c.get("/artists/bea").text)
    evil = c.post("/artists/bea/consents/dj", data={"action": "opt_in", "csrf_token": token},
                  headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "cross-origin" in evil.json()["detail"]
    via_referer = c.post("/logout", data={"csrf_token": token},
                         headers={"Referer": "https://evil.example/page"})
    assert via_referer.status_code == 403
    same = c.post("/artists/bea/consents/dj", data={"action": "opt_in", "csrf_token": token},
                  headers={"Origin": "http://testserver"})
    assert same.status_code == 303


def test_production_cookies_use_the_host_prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_API_TOKEN_SECRET", "s" * 40)
    w = make_world(tmp_path / "home", env="production")
    c = TestClient(w.client.app, base_url="https://testserver", follow_redirects=False)
    c.get("/login")
    r = c.post("/login", data={"email": ARTIST, "password": PASSWORD,
                               "csrf_token": c.cookies["__Host-accord_csrf"]})
    assert r.status_code == 303
    cookie = next(h for h in r.headers.get_list("set-cookie")
                  if h.startswith("__Host-accord_session="))
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert c.get("/artists/bea").status_code == 200
    assert w.client.get("/docs").status_code == 404             # docs off in production
    assert w.client.get("/openapi.json").status_code == 404


@pytest.mark.parametrize("path,who", [
    ("/v1/me", "fan"), ("/v1/nothing-here", None), ("/", None), ("/login", None),
    ("/v1/creations/cre-test/files/output.wav", "fan"), ("/docs", None), ("/openapi.json", None),
    (f"/v1/royalties/statements/label/{PERIOD}", "holder"), ("/static/app.css", None)])
def test_every_response_carries_the_security_headers(world, path, who):
    r = world.client.get(path, headers=world.headers(who) if who else {},
                         follow_redirects=False)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"], (path, r.status_code)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    if not path.startswith("/static/"):
        assert r.headers["cache-control"] == "no-store"


def test_statements_and_account_pages_are_not_stored(world):
    c = TestClient(world.client.app, follow_redirects=False)
    c.cookies.set("accord_session", world.tokens["songwriter"])
    for path in (f"/statements/ada/{PERIOD}", "/artists/ada", f"/models/{MODEL}"):
        r = c.get(path)
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store", path


def test_the_api_docs_come_from_vendored_assets(world):
    page = world.client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "<script>" not in page.text  # no inline script
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert srcs and all(s.startswith("/api-static/") for s in srcs)
    for s in srcs:
        assert world.client.get(s).status_code == 200, s


# --- 1. field limits and creation limits -------------------------------------------------------

def test_a_long_or_odd_consent_reason_is_a_clear_422(world):
    h = world.headers("artist")
    long = world.client.post("/v1/parties/bea/consents", headers=h,
                             json={"use": "dj", "action": "opt_in", "reason": "x" * 501})
    assert long.status_code == 422
    assert long.json()["problems"] == [{"where": "reason", "message": "at most 500 characters"}]
    odd = world.client.post("/v1/parties/bea/consents", headers=h,
                            json={"use": "dj", "action": "opt_in", "reason": "a\x00b"})
    assert odd.status_code == 422 and odd.json()["problems"][0]["where"] == "reason"
    huge = world.client.post("/v1/parties/bea/consents", headers=h,
                             json={"use": "dj", "action": "opt_in", "reason": "x" * 1_000_000})
    assert huge.status_code == 413
    bad_id = world.client.post("/v1/parties/bea/consents", headers=h,
                               json={"use": "dj", "action": "opt_in", "event_id": "a b<c>"})
    assert bad_id.status_code == 422 and bad_id.json()["problems"][0]["where"] == "event_id"


def test_one_creation_request_may_not_ask_for_an_hour_of_audio(world):
    r = world.client.post("/v1/creations", headers=world.headers("fan"),
                          json={"bars": 128, "tempo": 30, "meter": "4/4",
                                "formats": ["wav", "flac", "mp3"]})
    assert r.status_code == 413
    assert "1024 s (128 bars of 4/4, at 30 bpm)" in r.json()["detail"], r.json()
    # without a metre the model chooses: the limit assumes its longest bar (6 quarter notes)
    rival = world.headers("rival")  # the fan's creation bucket holds 3 requests
    r = world.client.post("/v1/creations", headers=rival, json={"bars": 24, "tempo": 60})
    assert r.status_code == 413 and "up to 144 s (24 bars of up to 6" in r.json()["detail"]
    r = world.client.post("/v1/creations", headers=rival,
                          json={"bars": 24, "tempo": 60, "meter": "6/8", "model": "no-model"})
    assert r.status_code == 404, r.json()  # 72 s: within the limit, then the service's answer
    dup = world.client.post("/v1/creations", headers=world.headers("fan"),
                            json={"formats": ["wav"] * 4})
    assert dup.status_code == 422 and dup.json()["problems"][0]["where"] == "formats"


@pytest.mark.parametrize("body,where,needle", [
    ({"meter": "7/8"}, "meter", "'4/4'"),
    ({"arrangement": "polka"}, "arrangement", "'irish'"),
    ({"form": "AXB"}, "form", "unknown form 'AXB'"),
    ({"form": "A'A"}, "form", "A' varies a section A that comes later"),
    ({"form": "ABC", "bars": 16}, "form", "3 sections do not divide 16 bars evenly"),
    ({"form": "AABB", "seconds": 20}, "form", "a form needs a length in bars"),
    ({"form": "AABB" * 10}, "form", "at most 24 characters"),
    # the service's own check, named by the schema's field rather than the CLI's `--form`
    ({"kind": "derivative", "source_work": "w1", "form": "AABB", "model": "any"}, "form",
     "only new and style pieces take a form"),
])
def test_creation_options_are_checked_naming_the_field(world, body, where, needle):
    # the schema's answers take no token of the creation bucket; the service's takes one
    r = world.client.post("/v1/creations", headers=world.headers("holder"),
                          json={"bars": 8, **body})
    assert r.status_code == 422, r.json()
    problems = r.json()["problems"]
    assert [p["where"] for p in problems] == [where], problems
    assert needle in problems[0]["message"]


def test_creations_per_account_per_day(tmp_path):
    w = make_world(tmp_path / "home", api_creation_per_day=2,
                   api_creation_bytes_per_day=1_000)
    engine = make_engine(w.settings.db_url)
    with session_scope(engine) as s:
        queue.enqueue(s, "creation", {"request": {}}, w.ids["fan"])
        queue.enqueue(s, "creation", {"request": {}}, w.ids["fan"])
        jid = queue.enqueue(s, "creation", {"request": {}}, w.ids["admin"])
        queue.get(s, jid).bytes_out = 5_000
    r = w.client.post("/v1/creations", headers=w.headers("fan"), json={"bars": 4})
    assert r.status_code == 429 and "the limit is 2 a day" in r.json()["detail"]
    assert int(r.headers["Retry-After"]) <= 24 * 3600
    r = w.client.post("/v1/creations", headers=w.headers("admin"), json={"bars": 4})
    assert r.status_code == 429 and "5000 bytes on disk" in r.json()["detail"]


# --- 7. the database away: 503 with Retry-After, then back ------------------------------------

def test_the_database_away_is_503_with_retry_after_and_recovers(world):
    ctx = world.client.app.state.accord
    real = ctx.engine
    # a second engine at a closed loopback port: the shared server is never touched
    ctx.engine = create_engine("postgresql+psycopg://x@127.0.0.1:9/none",
                               connect_args={"connect_timeout": 2})
    try:
        r = world.client.get("/v1/permissions/check?use=train&recording=r1",
                             headers=world.headers("fan"))
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert "unavailable" in r.json()["detail"]
    finally:
        ctx.engine.dispose()
        ctx.engine = real
    r = world.client.get("/v1/permissions/check?use=train&recording=r1",
                         headers=world.headers("fan"))
    assert r.status_code == 200 and "allowed" in r.json()


def test_the_rights_import_keeps_its_own_upload_limit(tmp_path):
    w = make_world(tmp_path / "home", api_max_upload_bytes=300, api_max_json_bytes=100)
    doc = {"accord_rights_document": 1,
           "parties": [{"id": "px", "name": "x" * 150, "roles": ["label"]}]}
    r = w.client.post("/v1/rights/import", headers=w.headers("admin"), json=doc)
    assert r.status_code == 200, r.text  # over the JSON ceiling, under the upload one
    r = w.client.post("/v1/parties/bea/consents", headers=w.headers("artist"),
                      json={"use": "dj", "action": "opt_in", "reason": "y" * 150})
    assert r.status_code == 413 and "limit for json requests" in r.json()["detail"]


def test_settings_for_docs(tmp_path):
    s = Settings(home=tmp_path)
    app = create_app(s, ApiSettings(api_docs=False, api_inprocess_worker=False))
    assert TestClient(app).get("/docs").status_code == 404


def test_the_credits_page_verifies_an_unchanged_file_once(world, monkeypatch):
    import os

    from accord.creation import service as creation
    from accord.web import studio

    calls = []
    real = creation.verify
    monkeypatch.setattr(creation, "verify", lambda s, p: calls.append(p) or real(s, p))
    studio._VERIFIED.clear()
    first = world.client.get("/outputs/out-test")
    again = world.client.get("/outputs/out-test")
    assert first.status_code == again.status_code == 200
    assert len(calls) == 1  # verified once, answered from the cache the second time
    wav = world.settings.outputs_dir / "out-test" / "output.wav"
    st = wav.stat()
    os.utime(wav, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # the file changed
    world.client.get("/outputs/out-test")
    assert len(calls) == 2  # a changed file is verified again
