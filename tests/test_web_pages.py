"""The web UI over TestClient: sign-in, the session cookie, CSRF, who may see and switch what."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from accord.db.engine import make_engine, session_scope
from accord.demo import scenario as demo_scenario
from accord.demo.accounts import DEMO_ACCOUNTS, ensure_demo_accounts
from accord.demo.run import MARKER
from accord.errors import Refused
from accord.rights import service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import Use
from tests.api_support import PASSWORD, browser, make_world
from tests.web_support import MODEL, PERIOD, enrich


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return enrich(make_world(tmp_path_factory.mktemp("web-pages")))


def csrf(client: TestClient) -> str:
    return client.cookies["accord_csrf"]


def consents(world, party: str) -> dict[str, str]:
    with session_scope(make_engine(world.settings.db_url)) as session:
        return service.current_consents(session, party)


def test_sign_in_sets_a_strict_httponly_session_cookie(world):
    c = browser(world)
    r = c.post("/login", data={"email": "artist@example.org", "password": PASSWORD,
                               "csrf_token": csrf(c)})
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("accord_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert c.get("/dashboard").headers["location"] == "/artists/bea"
    page = c.get("/artists/bea")
    assert page.status_code == 200 and "Your consent, per use" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert 'id="consent-train"' in page.text and "On: you opted in" in page.text


def test_wrong_password_and_missing_csrf_are_refused(world):
    c = browser(world)
    wrong = c.post("/login", data={"email": "artist@example.org", "password": "nope",
                                   "csrf_token": csrf(c)})
    assert wrong.status_code == 401 and "wrong e-mail or password" in wrong.text
    assert "accord_session" not in wrong.headers.get("set-cookie", "")
    forged = c.post("/login", data={"email": "artist@example.org", "password": PASSWORD})
    assert forged.status_code == 403 and "CSRF token" in forged.text


def test_a_consent_switch_without_the_csrf_token_is_refused(world):
    c = browser(world, "artist")
    for token in (None, "x" * 43):
        data = {"action": "opt_in"} | ({"csrf_token": token} if token else {})
        r = c.post("/artists/bea/consents/remix", data=data)
        assert r.status_code == 403 and "CSRF token is missing or does not match" in r.text
    assert consents(world, "bea")["remix"] == "never"


def test_an_artist_switches_its_own_consent(world):
    c = browser(world, "artist")
    on = c.post("/artists/bea/consents/style", headers={"HX-Request": "true"},
                data={"action": "opt_in", "csrf_token": csrf(c)})
    assert on.status_code == 200 and on.text.lstrip().startswith('<section id="consent-style"')
    assert "On: you opted in" in on.text and "switched in the web dashboard" in on.text
    assert consents(world, "bea")["style"] == "opted_in"
    off = c.post("/artists/bea/consents/style", data={"action": "revoke",  # without HTMX
                                                      "csrf_token": csrf(c)})
    assert off.status_code == 303 and off.headers["location"] == "/artists/bea#consent-style"
    assert consents(world, "bea")["style"] == "revoked"
    assert "Off: you revoked it" in c.get("/artists/bea").text


@pytest.mark.parametrize("who", ["songwriter", "holder", "fan", "rival"])
def test_a_party_cannot_switch_another_partys_consent(world, who):
    c = browser(world, who)
    r = c.post("/artists/bea/consents/dj", data={"action": "opt_in", "csrf_token": csrf(c)})
    assert r.status_code == 403 and "not allowed" in r.text
    assert consents(world, "bea")["dj"] == "never"
    assert c.get("/artists/bea").status_code == 403


def test_an_artist_cannot_switch_a_co_artist(world):
    c = browser(world, "artist")
    r = c.post("/artists/cal/consents/train", data={"action": "opt_in", "csrf_token": csrf(c)})
    assert r.status_code == 403 and "only its own consents" in r.text
    assert consents(world, "cal")["train"] == "never"


@pytest.mark.parametrize(("who", "status"), [("holder", 200), ("admin", 200), ("rival", 403),
                                             ("artist", 403), ("songwriter", 403),
                                             ("fan", 403)])
def test_a_statement_page_is_for_its_payee_and_admins(world, who, status):
    r = browser(world, who).get(f"/statements/label/{PERIOD}")
    assert r.status_code == status
    if status == 200:
        assert "Royalty statement" in r.text and "<svg" in r.text and "75.00" in r.text
    else:
        assert "payee and admins only" in r.text


def test_pages_need_a_session(world):
    c = browser(world)
    assert c.get("/dashboard").headers["location"] == "/login"
    assert c.get(f"/statements/label/{PERIOD}").headers["location"] == "/login"
    hx = c.post("/artists/bea/consents/dj", headers={"HX-Request": "true"},
                data={"action": "opt_in", "csrf_token": csrf(c)})
    assert hx.status_code == 401 and hx.headers["HX-Redirect"] == "/login"
    c.cookies.set("accord_session", world.tokens["artist"] + "x")
    assert c.get("/artists/bea").headers["location"] == "/login"


def test_the_songwriter_sees_models_earnings_and_no_credited_outputs_yet(world):
    page = browser(world, "songwriter").get("/artists/ada").text
    assert MODEL in page and "Song w1" in page
    assert 'aria-labelledby="chart-EUR-title"' in page and "37.50" in page
    assert f'href="/statements/ada/{PERIOD}"' in page
    assert "No generated output credits your works yet." in page  # this world made none


def test_the_rights_holder_sees_catalogue_agreements_and_opt_ins(world):
    c = browser(world, "holder")
    assert c.get("/dashboard").headers["location"] == "/holders/label"
    page = c.get("/holders/label").text
    assert "XDTST2600002" in page and "agr-label" in page
    row = page.split("<code>bea</code>")[1].split("</tr>")[0]
    assert 'class="opted_in"' in row  # Bea opted in to train
    assert browser(world, "rival").get("/holders/label").status_code == 403
    assert browser(world, "artist").get("/holders/label").status_code == 403


def test_admin_and_fan_dashboards(world):
    admin = browser(world, "admin").get("/dashboard").text
    assert "Royalty runs" in admin and f'href="/statements/label/{PERIOD}"' in admin
    fan = browser(world, "fan").get("/dashboard").text
    assert 'href="/studio"' in fan and f'href="/models/{MODEL}"' in fan
    card = browser(world, "fan").get(f"/models/{MODEL}")
    assert card.status_code == 200 and "Intended use" in card.text and "Limits" in card.text
    assert browser(world, "fan").get("/models/nope").status_code == 404


def test_every_page_of_a_demo_home_says_demo_data(world):
    marker = world.settings.home / MARKER
    assert "demo data" not in browser(world).get("/login").text
    marker.write_text("test")
    try:
        assert "demo data" in browser(world).get("/login").text
        assert "demo data" in browser(world, "holder").get("/holders/label").text
    finally:
        marker.unlink()


def test_demo_accounts_only_in_a_demo_home(tmp_path):
    world = make_world(tmp_path)
    s = world.settings
    with pytest.raises(Refused, match="not a demo home"):
        ensure_demo_accounts(s)
    with session_scope(make_engine(s.db_url)) as session:
        doc = demo_scenario.document(datetime(2026, 1, 1, tzinfo=UTC))
        service.import_document(session, parse_document(doc, "demo"), "demo", AuditLog(session))
    (s.home / MARKER).write_text("demo")
    made = ensure_demo_accounts(s)
    assert ensure_demo_accounts(s) == made  # idempotent
    email = "bea@demo.example.org"
    c = browser(world)
    r = c.post("/login", data={"email": email, "password": DEMO_ACCOUNTS[email][2],
                               "csrf_token": csrf(c)})
    assert r.status_code == 303
    assert c.get("/dashboard").headers["location"] == f"/artists/{demo_scenario.SINGER}"
    assert Use.TRAIN.value in c.get(f"/artists/{demo_scenario.SINGER}").text


def test_consent_switches_share_the_apis_rate_limit(tmp_path):
    world = make_world(tmp_path, api_rate_burst=1, api_rate_per_minute=1)
    c = browser(world, "artist")
    data = {"action": "opt_in", "csrf_token": csrf(c)}
    assert c.post("/artists/bea/consents/dj", data=data).status_code == 303
    limited = c.post("/artists/bea/consents/remix", data=data)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert consents(world, "bea")["remix"] == "never"
