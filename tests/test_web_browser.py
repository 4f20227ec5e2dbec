"""In a real browser (Debian's headless Chromium through Playwright): an artist signs in,
switches a consent off, sees it take effect on the page, and the permission rule now denies.
The app runs under uvicorn on a free loopback port, started by the test."""

from __future__ import annotations

import pytest
from playwright import sync_api

from accord.db.engine import make_engine, session_scope
from accord.rights import service
from accord.rights.audit import AuditLog
from accord.rights.model import ConsentAction, Use
from tests.api_support import PASSWORD, make_world
from tests.browser_support import ARGS, CHROMIUM, serve

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path):
    """The app over a test world, served by uvicorn on 127.0.0.1:<free port>."""
    world = make_world(tmp_path)
    with serve(world.client.app) as base:
        yield world, base


def check_r1(world) -> dict:
    with session_scope(make_engine(world.settings.db_url)) as session:
        return service.check(session, Use.TRAIN, recording="r1").to_json()


def test_an_artist_switches_a_consent_off_in_the_browser(server):
    world, base = server
    with session_scope(make_engine(world.settings.db_url)) as session:  # Cal opts in too
        service.record_consent(session, "cal", Use.TRAIN, ConsentAction.OPT_IN, None,
                               AuditLog(session, "test"))
    assert check_r1(world)["allowed"] is True

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            console_errors: list[str] = []  # e.g. a script the Content-Security-Policy blocks
            page.on("console", lambda m: console_errors.append(m.text)
                    if m.type == "error" else None)
            page.goto(f"{base}/login")
            page.get_by_label("E-mail").fill("artist@example.org")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/artists/bea")
            session_cookie = next(c for c in page.context.cookies()
                                  if c["name"] == "accord_session")
            assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Strict"

            train = page.locator("#consent-train")
            sync_api.expect(train.locator(".state")).to_have_text("On: you opted in")
            page.wait_for_function("() => window.htmx !== undefined")
            train.get_by_role("switch", name="train: switch off").click()
            # HTMX swaps the section in place: no reload
            sync_api.expect(page.locator("#consent-train .state")).to_have_text(
                "Off: you revoked it")
            sync_api.expect(page.locator("#consent-train")).to_contain_text(
                "switched in the web dashboard")
            assert page.url == f"{base}/artists/bea"
            page.reload()
            sync_api.expect(page.locator("#consent-train .state")).to_have_text(
                "Off: you revoked it")
            assert console_errors == []
        finally:
            browser.close()

    after = check_r1(world)
    assert after["allowed"] is False
    assert any(m["party"].startswith("bea") for m in after["missing"]), after["missing"]
