"""The listener's page and the HTTP routes: each account sees only its own sets."""

from __future__ import annotations

import json

import pytest

from accord.atomic import write_text
from accord.dj import service
from tests.api_support import browser, make_world

LISTING = {"set_id": "abc123", "listener": "", "duration_s": 600.0, "request": "something calm",
           "not_understood": [], "voice": {"engine": "espeak-ng"},
           "files": {"mp3": "/nonexistent/set.mp3", "flac": "/nonexistent/set.flac"},
           "tracks": [{"position": 1, "title": "Lantern Song", "isrc": "XDTST2600002",
                       "why": "you asked for 'something calm'; new to you",
                       "credits": {"performers": [{"party": "bea", "name": "Bea (test)"}],
                                   "writers": [{"party": "ada", "name": "Ada (test)"}]}}]}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = make_world(tmp_path_factory.mktemp("dj-web"))
    write_text(service.sets_dir(w.settings, w.ids["fan"]) / "abc123.json",
               json.dumps({**LISTING, "listener": w.ids["fan"]}))
    return w


def test_the_page_shows_the_listeners_own_set_with_credits_and_why(world):
    assert browser(world).get("/dj").status_code == 303  # sign in first
    page = browser(world, "fan").get("/dj")
    assert page.status_code == 200
    for text in ("Lantern Song", "performed by Bea (test)", "written by Ada (test)",
                 "something calm", "/v1/dj/sets/abc123/audio.mp3", "generated"):
        assert text in page.text
    other = browser(world, "holder").get("/dj")
    assert other.status_code == 200 and "No set yet" in other.text


def test_routes_are_per_listener(world):
    c = world.client
    assert c.get("/v1/dj/sets/latest", headers=world.headers("fan")).json()["set_id"] == \
        "abc123"
    assert c.get("/v1/dj/sets/abc123", headers=world.headers("holder")).status_code == 404
    r = c.get("/v1/dj/sets/abc123/audio.mp3", headers=world.headers("fan"))
    assert r.status_code == 404 and "no longer there" in r.text


def test_a_new_set_is_refused_with_reasons_when_nothing_is_permitted(world):
    c = browser(world, "fan")
    r = c.post("/dj/sets", data={"minutes": "2", "request_text": "",
                                 "csrf_token": c.cookies["accord_csrf"]})
    assert r.status_code == 403, r.text  # Refused: nothing may be played, and why
    assert "no recording may be played" in r.text and "not permitted for dj" in r.text
    r = world.client.post("/v1/dj/sets", json={"minutes": 2}, headers=world.headers("fan"))
    assert r.status_code == 403 and "not permitted for dj" in r.text
