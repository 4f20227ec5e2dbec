"""The uploads page and the review queue over TestClient: upload, decision with reasons,
appeal form, the admin's evidence and accept button; CSRF and roles."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.api_support import browser, make_world
from tests.trust.api_support import run_jobs, wav_bytes


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("web-trust"))


def upload(c, seed, artists=("bea",), token=True):
    data = {"csrf_token": c.cookies["accord_csrf"]} if token else {}
    meta = json.dumps({"title": f"Song {seed}", "artists": list(artists)}).encode()
    return c.post("/uploads", data=data, follow_redirects=False,
                  files={"file": (f"s{seed}.wav", wav_bytes(seed), "audio/wav"),
                         "metadata": ("m.json", meta, "application/json")})


def test_upload_appeal_and_review_through_the_pages(world):
    fan = browser(world, "fan")
    r = upload(fan, 81)
    assert r.status_code == 303 and r.headers["location"].startswith("/uploads#job-")
    job_id = r.headers["location"].split("#")[1]
    page = fan.get("/uploads").text  # until its job is done: 'screening…', and it polls
    assert job_id in page and "screening…" in page and 'hx-trigger="every 2s"' in page
    assert run_jobs(world) == 1
    sid = world.client.get(f"/v1/screenings/jobs/{job_id}",
                           headers=world.headers("fan")).json()["screening"]
    page = fan.get("/uploads").text
    assert "screening…" not in page and 'hx-trigger="every 2s"' not in page
    assert sid in page and "hold" in page and "impersonation_name" in page
    assert "Why is this decision wrong?" in page
    r = fan.post(f"/uploads/{sid}/appeal", data={"statement": "my own song",
                                                 "csrf_token": fan.cookies["accord_csrf"]},
                 headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Appeal under review" in r.text

    assert browser(world, "fan").get("/review").status_code == 403
    admin = browser(world, "admin")
    queue = admin.get("/review").text
    assert sid in queue and "my own song" in queue
    assert "permitted: False" in queue and "Accept" in queue
    r = admin.post(f"/review/{sid}", data={"outcome": "accept", "note": "ok",
                                           "csrf_token": admin.cookies["accord_csrf"]},
                   follow_redirects=False)
    assert r.status_code == 303
    assert sid not in admin.get("/review").text
    assert "accept" in fan.get("/uploads").text


def test_forms_without_the_csrf_token_are_refused_and_nothing_is_stored(world):
    c = browser(world, "songwriter")
    r = upload(c, 82, token=False)
    assert r.status_code == 403 and "CSRF" in r.text
    assert run_jobs(world) == 0
    assert "No uploads yet" in c.get("/uploads").text


def test_a_bad_upload_is_refused_at_once_on_the_page(world):
    c = browser(world, "holder")
    r = c.post("/uploads", data={"csrf_token": c.cookies["accord_csrf"]},
               follow_redirects=False, files={"file": ("x.txt", b"hello", "text/plain")})
    assert r.status_code == 422 and "unsupported upload format" in r.text
    assert run_jobs(world) == 0
    assert "No uploads yet" in c.get("/uploads").text


def test_the_pages_need_a_session(world):
    c = TestClient(world.client.app)
    assert c.get("/uploads", follow_redirects=False).status_code == 303
    assert c.get("/review", follow_redirects=False).status_code == 303
