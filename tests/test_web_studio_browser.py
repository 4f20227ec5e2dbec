"""In a real browser (Debian's headless Chromium through Playwright): a fan signs in, makes a
piece in the studio, waits for it in place (HTMX polling), finds an audio player whose source
is real audio, and opens the piece's public credits page. Over the creation tests' home (a tiny
model trained in the fixture), served by uvicorn on a free loopback port."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright import sync_api

from tests.browser_support import ARGS, CHROMIUM, serve
from tests.creation.conftest import home  # noqa: F401 - the shared fixture
from tests.studio_support import PASSWORD, STUDIO_ACCOUNTS, make_studio

pytestmark = pytest.mark.slow

AUDIO_MAGIC = (b"RIFF", b"fLaC", b"ID3")


def test_a_fan_makes_a_piece_in_the_studio_and_opens_its_credits(home):  # noqa: F811
    studio = make_studio(home)
    with serve(studio.client.app) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            console_errors: list[str] = []
            page.on("console", lambda m: console_errors.append(m.text)
                    if m.type == "error" else None)
            page.goto(f"{base}/login")
            page.get_by_label("E-mail").fill(STUDIO_ACCOUNTS["fan"][0])
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/dashboard")
            page.get_by_role("link", name="Open the studio").click()
            page.wait_for_url(f"{base}/studio")
            page.get_by_label("A new piece").check()
            page.get_by_label("Length (bars)").fill("4")
            page.get_by_label("Seed").fill("23")
            page.get_by_role("button", name="Create").click()
            page.wait_for_url(f"{base}/studio/creations/cre-*")
            where = page.url
            # HTMX polls the status in place until the piece is there
            sync_api.expect(page.locator("#creation .status")).to_have_text("done")
            assert page.url == where
            source = page.locator("audio source").first.get_attribute("src")
            assert source and source.startswith("/studio/creations/")
            audio = page.request.get(f"{base}{source}")  # with the page's session cookie
            assert audio.ok and audio.body()[:4].startswith(AUDIO_MAGIC), audio.body()[:16]
            duration = page.locator("audio").evaluate(
                "a => new Promise(done => a.readyState >= 1 ? done(a.duration) : "
                "a.addEventListener('loadedmetadata', () => done(a.duration)))")
            assert duration > 1.0  # the browser itself decoded the rendered file
            page.locator("a.credits-link").click()
            page.wait_for_url(f"{base}/outputs/out-*")
            sync_api.expect(page.locator("main")).to_contain_text("AI-generated")
            sync_api.expect(page.locator("main")).to_contain_text(home.model_id)
            sync_api.expect(page.locator(".checks")).to_contain_text("verified")
            # the job credited the piece before it was done: shares, roles and evidence
            sync_api.expect(page.locator("table.credits")).to_contain_text("training")
            assert console_errors == []
        finally:
            browser.close()


def _no_axe_violations(page) -> None:
    """axe-core (bundled by axe-playwright-python, injected into the page) finds nothing."""
    found = Axe().run(page)
    assert found.violations_count == 0, found.generate_snapshot()


def test_a_fan_picks_a_form_metre_and_arrangement_in_the_studio(home):  # noqa: F811
    """Every control of the studio form has a label a screen reader announces (found by its
    label, as assistive technology finds it) and axe-core finds no violation on the studio, the
    piece's status page and its credits page; the defaults are 16 bars, AABB and an
    arrangement; the picked form, metre and arrangement are what the piece was made with."""
    studio = make_studio(home)
    with serve(studio.client.app) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            console_errors: list[str] = []
            page.on("console", lambda m: console_errors.append(m.text)
                    if m.type == "error" else None)
            page.goto(f"{base}/login")
            page.get_by_label("E-mail").fill(STUDIO_ACCOUNTS["fan"][0])
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/dashboard")
            page.goto(f"{base}/studio")
            unlabelled = page.evaluate(
                "() => [...document.querySelectorAll('form.studio input:not([type=hidden]), "
                "form.studio select')].filter(e => !e.labels || e.labels.length === 0)"
                ".map(e => e.name)")
            assert unlabelled == []
            _no_axe_violations(page)
            sync_api.expect(page.get_by_label("Length (bars)")).to_have_value("16")
            sync_api.expect(page.get_by_label("Form")).to_have_value("AABB")
            sync_api.expect(page.get_by_label("Arrangement")).to_have_value("auto")
            sync_api.expect(page.get_by_label("Time signature")).to_have_value("")
            page.get_by_label("Length (bars)").fill("8")
            page.get_by_label("Form").select_option(label="ABAC")
            page.get_by_label("Time signature").select_option("3/4")
            page.get_by_label("Arrangement").select_option("piano")
            page.get_by_label("Seed").fill("29")
            page.get_by_role("button", name="Create").click()
            page.wait_for_url(f"{base}/studio/creations/cre-*")
            sync_api.expect(page.locator("#creation .status")).to_have_text("done")
            music = page.locator("#creation .music")
            sync_api.expect(music).to_contain_text("8 bars in 3/4, ")
            sync_api.expect(music).to_contain_text(
                ", form ABAC; melody by the model, accompaniment arranged by rule (piano)")
            _no_axe_violations(page)
            page.locator("a.credits-link").click()
            page.wait_for_url(f"{base}/outputs/out-*")
            sync_api.expect(page.locator("td.music")).to_contain_text("form ABAC")
            _no_axe_violations(page)
            assert console_errors == []
        finally:
            browser.close()
