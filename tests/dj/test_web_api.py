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


@pytest.mark.slow
def test_a_set_is_built_by_a_job_and_the_page_polls_until_it_is_ready(tmp_path):
    """The API answers 202 with the job; the page shows 'Building your set…' (polling) until
    the worker has run the one build_set call, whose set the job names."""
    from accord.demo.dj_stage import prepare
    from tests.trust.api_support import run_jobs

    w = make_world(tmp_path / "home")
    prepare(w.settings, quiet=True, render=(("bach", 3), ("airdsAirs", 2), ("ryansMammoth", 1)))
    r = w.client.post("/v1/dj/sets", json={"minutes": 1, "request": "something calm"},
                      headers=w.headers("fan"))
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["kind"] == "dj_set" and job["set_id"] is None
    assert r.headers["Location"] == job["status_url"] == f"/v1/dj/jobs/{job['id']}"
    assert w.client.get(job["status_url"], headers=w.headers("holder")).status_code == 403
    fan = browser(w, "fan")
    page = fan.get("/dj").text
    assert "Building your set…" in page and f'hx-get="/dj/jobs/{job["id"]}"' in page
    assert run_jobs(w) == 1
    done = w.client.get(job["status_url"], headers=w.headers("fan")).json()
    assert done["status"] == "done" and done["set_id"] and done["result"]["tracks"] >= 1
    listing = w.client.get(done["set_url"], headers=w.headers("fan")).json()
    assert listing["set_id"] == done["set_id"] and listing["request"] == "something calm"
    # built for the instant of the request (the check's), not the worker's
    assert listing["at"] <= job["created_at"] < done["started_at"]
    poll = fan.get(f"/dj/jobs/{job['id']}", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "Building your set" not in poll.text
    assert f"/v1/dj/sets/{done['set_id']}/audio.mp3" in poll.text and "hx-get" not in poll.text
    r = fan.post("/dj/sets", data={"minutes": "1", "request_text": "",
                                   "csrf_token": fan.cookies["accord_csrf"]},
                 headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Building your set…" in r.text
    assert run_jobs(w) == 1
