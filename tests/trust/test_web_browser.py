"""The screening pages in a real browser (Debian's headless Chromium through Playwright, the
app under uvicorn on a free loopback port), checked by axe-core (axe-playwright-python): an
uploader uploads through the form with the optional metadata and DDEX inputs left unchosen,
sees "screening…" replaced in place by the decision (HTMX polling) with its reasons, and
appeals through the row's form; an admin sees the appeal and the evidence in the review queue
and accepts. No axe violation on either page, no console error."""

from __future__ import annotations

import json

import jwt
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright import sync_api

from accord.web.session import bound_csrf
from tests.api_support import make_world
from tests.browser_support import ARGS, CHROMIUM, serve
from tests.trust.api_support import run_jobs, wav_bytes

pytestmark = pytest.mark.slow


def no_axe_violations(page) -> None:
    found = Axe().run(page)
    assert found.violations_count == 0, found.generate_snapshot()


def signed_in(browser, world, base: str, who: str):
    """A browser context signed in as `who` (the session cookie and its bound CSRF cookie, as
    the sign-in page sets them; only one test account has a password)."""
    ctx = browser.new_context()
    jti = jwt.decode(world.tokens[who], world.secret, algorithms=["HS256"])["jti"]
    ctx.add_cookies([{"name": "accord_session", "value": world.tokens[who], "url": base},
                     {"name": "accord_csrf", "value": bound_csrf(world.secret, jti),
                      "url": base}])
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


def test_upload_decision_appeal_and_review_in_the_browser(tmp_path):
    world = make_world(tmp_path / "home")
    wav = tmp_path / "song.wav"
    wav.write_bytes(wav_bytes(91, 4))
    meta = tmp_path / "meta.json"  # credited to Bea, who has not opted in to voice: held
    meta.write_text(json.dumps({"title": "Night Song", "artists": ["bea"]}))
    bare = tmp_path / "bare.wav"
    bare.write_bytes(wav_bytes(92, 4))
    with serve(world.client.app) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page, errors = signed_in(browser, world, base, "fan")
            page.goto(f"{base}/uploads")
            sync_api.expect(page.get_by_role("heading", name="Your uploads")).to_be_visible()
            no_axe_violations(page)
            # the optional inputs left unchosen: the browser sends them empty, they are absent
            file_input = page.get_by_label("Audio (WAV, FLAC, OGG, MP3), MIDI or MusicXML")
            file_input.set_input_files(str(bare))
            page.get_by_role("button", name="Upload and screen").click()
            page.wait_for_url(f"{base}/uploads#job-*")
            sync_api.expect(page.locator("#uploads-list")).to_contain_text("screening…")
            file_input.set_input_files(str(wav))
            page.get_by_label("Metadata JSON (title, artists, AI disclosure; optional)") \
                .set_input_files(str(meta))
            page.get_by_role("button", name="Upload and screen").click()
            page.wait_for_url(f"{base}/uploads#job-*")
            no_axe_violations(page)  # the list while it polls
            assert run_jobs(world) == 2
            # HTMX replaces the list in place: the decisions with their reasons
            rows = page.locator("#uploads-list tbody tr")
            sync_api.expect(rows).to_have_count(2)
            sync_api.expect(page.locator("#uploads-list")).not_to_contain_text("screening…")
            held = page.locator("#uploads-list tr.outcome-hold")
            sync_api.expect(held).to_contain_text("impersonation_name")
            sync_api.expect(held).to_contain_text("Night Song")
            sync_api.expect(page.locator("#uploads-list tr.outcome-accept")) \
                .to_contain_text("bare.wav")
            no_axe_violations(page)
            sid = held.get_attribute("id")
            held.get_by_label("Why is this decision wrong?").fill("It is my own song.")
            held.get_by_role("button", name="Appeal").click()
            sync_api.expect(page.locator(f"#{sid}")).to_contain_text("Appeal under review")
            page.reload()
            sync_api.expect(page.locator(f"#{sid}")).to_contain_text("appealed")
            no_axe_violations(page)
            assert errors == []

            admin, admin_errors = signed_in(browser, world, base, "admin")
            admin.goto(f"{base}/review")
            item = admin.locator(f"article#{sid}")
            sync_api.expect(item).to_contain_text("It is my own song.")
            sync_api.expect(item).to_contain_text("impersonation_name")
            sync_api.expect(item).to_contain_text("permitted: False")
            no_axe_violations(admin)
            item.get_by_label("Note").fill("credited honestly")
            item.get_by_role("button", name="Accept", exact=True).click()
            sync_api.expect(admin.get_by_role("status")).to_contain_text(f"{sid}: accept")
            no_axe_violations(admin)
            assert admin_errors == []
            page.reload()
            sync_api.expect(page.locator(f"#{sid}")).to_contain_text("accept")
        finally:
            browser.close()
    r = world.client.get(f"/v1/screenings/{sid}", headers=world.headers("fan"))
    assert r.json()["outcome"] == "accept" and r.json()["status"] == "reviewed"
