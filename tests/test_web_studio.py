"""Creation over HTTP and in the studio, over the creation tests' home (a tiny model trained in
the fixture): a fan creates a piece and opens its public credits page; refusals carry the
service's reasons; the creation rate limit answers 429; a creation is its account's."""

from __future__ import annotations

import time
from decimal import Decimal

import jwt
import pytest
import symusic
from fastapi.testclient import TestClient

from accord.api.ratelimit import TokenBucket
from accord.attribution import service as attribution
from accord.royalties import eventlog
from accord.training.tables import ModelVersionRow
from accord.web.session import bound_csrf
from tests.creation.conftest import ESSEN, ONEILL, home  # noqa: F401 - the shared fixture
from tests.studio_support import make_studio

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def studio(home):  # noqa: F811 - the fixture imported above
    return make_studio(home)


@pytest.fixture(scope="module")
def piece(studio) -> dict:
    """A new piece of 4 bars made by the fan through the API (WAV and MIDI)."""
    r = studio.client.post("/v1/creations", headers=studio.headers("fan"),
                           json={"kind": "new", "bars": 4, "seed": 11, "temperature": 0.9})
    assert r.status_code in (201, 202), r.text
    assert r.headers["location"] == f"/v1/creations/{r.json()['id']}"
    assert r.json()["model"] == studio.home.model_id  # the newest active model by default
    job = studio.wait(r.json()["id"])
    assert job["status"] == "done", job.get("error")
    return job


def test_a_fan_creates_a_piece_and_downloads_its_files(studio, piece):
    out = piece["output"]
    assert out["kind"] == "new" and out["model"] == studio.home.model_id
    assert out["guard_passed"] and out["credits_page"] == f"/outputs/{out['id']}"
    assert set(out["files"]) == {"midi", "sidecar", "arrangement", "arrangement_sidecar", "wav"}
    assert not any("/" in f["name"] for f in out["files"].values())  # no server paths
    magic = {"wav": b"RIFF", "midi": b"MThd", "sidecar": b"{", "arrangement": b"MThd",
             "arrangement_sidecar": b"{"}
    for role, f in out["files"].items():
        r = studio.client.get(f["url"], headers=studio.headers("fan"))
        assert r.status_code == 200 and r.content.startswith(magic[role]), role
        assert len(r.content) == f["bytes"]
    assert studio.client.get(f"/v1/creations/{piece['id']}/files/../../keys",
                             headers=studio.headers("fan")).status_code == 404
    missing = studio.client.get(f"/v1/creations/{piece['id']}/files/output.flac",
                                headers=studio.headers("fan"))
    assert missing.status_code == 404 and "has no file 'output.flac'" in missing.json()["detail"]


def test_a_creation_is_its_accounts_and_its_credits_page_is_public(studio, piece):
    url = f"/v1/creations/{piece['id']}"
    other = studio.client.get(url, headers=studio.headers("other"))
    assert other.status_code == 403
    assert "visible to the account that asked for it and admins" in other.json()["detail"]
    assert studio.client.get(url + "/files/output.wav",
                             headers=studio.headers("other")).status_code == 403
    assert studio.client.get(url).status_code == 401
    assert studio.client.get(url, headers=studio.headers("admin")).status_code == 200
    assert studio.client.get("/v1/creations/cre-nothing",
                             headers=studio.headers("fan")).status_code == 404

    out = piece["output"]
    page = TestClient(studio.client.app).get(out["credits_page"])  # nobody signed in
    assert page.status_code == 200, page.text
    for fact in ("AI-generated", studio.home.model_id, out["provenance"]["merkle_root"],
                 "none: a new piece", "Memorization guard", "passed", "output.wav",
                 "output.mid", '<table class="credits">'):
        assert fact in page.text, fact
    with studio.home.session() as session:  # the job credited the output before it was done
        stored = attribution.stored(session, out["id"])
    assert stored and f"<code>{stored['credits'][0]['item_id']}</code>" in page.text
    first = f"{Decimal(stored['credits'][0]['share']) * 100:.2f} %"
    assert first in page.text  # shares shown as percentages
    assert page.text.count("<strong>verified</strong>") == 2  # the WAV and the MIDI sidecar
    assert "does not verify" not in page.text
    assert TestClient(studio.client.app).get("/outputs/out-nothing").status_code == 404


def test_the_job_records_the_outputs_usage_and_credits_for_royalties(studio, piece):
    out = piece["output"]
    events = studio.home.settings.events_dir
    usage = [u for u in eventlog.usage_events(events) if u.output_id == out["id"]]
    assert [(u.kind.value, u.feature) for u in usage] == [("generated", "create")]
    with studio.home.session() as session:
        stored = attribution.stored(session, out["id"])
    logged = {(c.item_id, c.role.value) for c in eventlog.credits(events)
              if c.output_id == out["id"]}
    assert logged == {(c["item_id"], c["role"]) for c in stored["credits"]}


def test_refusals_carry_the_services_reasons(studio, home):  # noqa: F811
    fan = studio.headers("fan")
    style = studio.client.post("/v1/creations", headers=fan,
                               json={"kind": "style", "artist": ESSEN, "bars": 4})
    assert style.status_code == 403, style.text
    assert style.json()["detail"].startswith("style conditioning on")
    assert any("has not opted in to 'style'" in p["message"]
               for p in style.json()["problems"]), style.json()
    commercial = studio.client.post("/v1/creations", headers=fan,
                                    json={"bars": 4, "purpose": "commercial"})
    assert commercial.status_code == 403
    assert "a commercial request is refused" in commercial.json()["detail"]
    bad = studio.client.post("/v1/creations", headers=fan, json={"bars": 4, "temperature": 9})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["where"] == "temperature"  # the schema says 0.05..3
    unknown = studio.client.post("/v1/creations", headers=fan,
                                 json={"kind": "style", "artist": "nobody-at-all"})
    assert unknown.status_code == 404

    with home.session() as s:  # a retired copy of the model
        row = s.get(ModelVersionRow, home.model_id)
        if s.get(ModelVersionRow, "model-retired-studio") is None:
            s.add(ModelVersionRow(**{c.name: getattr(row, c.name) for c in row.__table__.columns
                                     if c.name not in ("id", "status", "retired_reason")},
                                  id="model-retired-studio", status="retired",
                                  retired_reason="test: an item was revoked"))
    retired = studio.client.post("/v1/creations", headers=fan,
                                 json={"model": "model-retired-studio", "bars": 4})
    assert retired.status_code == 403 and "is retired" in retired.json()["detail"]
    assert studio.client.post("/v1/creations", json={"bars": 4}).status_code == 401


def test_the_creation_rate_limit_answers_429(studio):
    ctx = studio.ctx
    saved = ctx.creation_limiter
    ctx.creation_limiter = TokenBucket(per_minute=1, burst=1)
    try:
        fan = studio.headers("other")
        first = studio.client.post("/v1/creations", headers=fan,
                                   json={"kind": "style", "artist": "nobody-at-all"})
        assert first.status_code == 404  # checked after the limiter took its token
        second = studio.client.post("/v1/creations", headers=fan, json={"bars": 4})
        assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
        assert "too many creation requests" in second.json()["detail"]
        # the web studio shares the bucket
        c = _browser(studio, "other")
        page = c.post("/studio", data={"kind": "new", "bars": "4", "csrf_token": _csrf(c)})
        assert page.status_code == 429 and "too many creation requests" in page.text
    finally:
        ctx.creation_limiter = saved


def _browser(studio, who: str | None) -> TestClient:
    client = TestClient(studio.client.app, follow_redirects=False)
    client.get("/login")
    if who:
        client.cookies.set("accord_session", studio.tokens[who])
        # the CSRF token of a signed-in visitor is bound to the session (its token id)
        secret = studio.ctx.secret
        jti = jwt.decode(studio.tokens[who], secret, algorithms=["HS256"])["jti"]
        client.cookies.delete("accord_csrf")
        client.cookies.set("accord_csrf", bound_csrf(secret, jti))
    return client


def _csrf(client: TestClient) -> str:
    return client.cookies["accord_csrf"]


def test_the_studio_offers_opted_in_artists_and_makes_a_piece(studio):
    c = _browser(studio, "fan")
    page = c.get("/studio")
    assert page.status_code == 200 and studio.home.model_id in page.text
    assert f'value="{ONEILL}"' in page.text and f'value="{ESSEN}"' not in page.text
    assert _browser(studio, None).get("/studio").headers["location"] == "/login"

    forged = c.post("/studio", data={"kind": "new", "bars": "4"})
    assert forged.status_code == 403 and "CSRF token" in forged.text
    refused = c.post("/studio", data={"kind": "style", "artist": ESSEN, "bars": "4",
                                      "csrf_token": _csrf(c)})
    assert refused.status_code == 403 and "has not opted in to" in refused.text
    bad = c.post("/studio", data={"kind": "new", "bars": "many", "csrf_token": _csrf(c)})
    assert bad.status_code == 422 and "bars" in bad.text

    made = c.post("/studio", data={"kind": "style", "artist": ONEILL, "bars": "4",
                                   "temperature": "1.0", "seed": "5", "csrf_token": _csrf(c)})
    assert made.status_code == 303, made.text
    where = made.headers["location"]
    assert where.startswith("/studio/creations/cre-")
    deadline = time.monotonic() + 90
    while 'class="status">done<' not in (page := c.get(where)).text:
        assert time.monotonic() < deadline and "failed" not in page.text, page.text
        time.sleep(0.3)
    assert "<audio controls" in page.text
    src = page.text.split('<source src="')[1].split('"')[0]
    audio = c.get(src)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert audio.headers["content-type"] == "audio/wav"
    credits = page.text.split('class="credits-link" href="')[1].split('"')[0]
    public = _browser(studio, None).get(credits)
    assert public.status_code == 200 and "in the style of" in public.text
    assert ONEILL in public.text and "<td>conditioning</td>" in public.text
    fragment = c.get(where, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="creation"')
    assert _browser(studio, "other").get(where).status_code == 403
    assert _browser(studio, "other").get(src).status_code == 403


def test_an_artist_page_lists_the_outputs_that_credit_their_works(studio):
    r = studio.client.post("/v1/creations", headers=studio.headers("fan"),
                           json={"kind": "style", "artist": ONEILL, "bars": 4, "seed": 23})
    assert r.status_code in (201, 202), r.text
    job = studio.wait(r.json()["id"])
    assert job["status"] == "done", job.get("error")
    page = _browser(studio, "oneill").get(f"/artists/{ONEILL}")
    assert page.status_code == 200
    assert "Credits are not computed yet" not in page.text
    assert f"<code>{job['output']['id']}</code>" in page.text  # the reserved style share



def _shaped(job: dict) -> dict:
    return job["output"]["provenance"]["parameters"]["shaped"]


def test_a_piece_has_the_requested_metre_key_form_and_arrangement(studio):
    """The constrained decoding's options over HTTP: what was made is what was asked, in the
    job's answer, in the signed sidecar and in the MIDI itself."""
    r = studio.client.post("/v1/creations", headers=studio.headers("fan"),
                           json={"kind": "new", "bars": 8, "meter": "3/4", "key": "G major",
                                 "form": "ABAC", "arrangement": "folk", "seed": 31,
                                 "formats": ["wav"]})
    assert r.status_code in (201, 202), r.text
    assert r.json()["request"]["params"] | {"meter": "3/4", "form": "ABAC",
                                            "arrangement": "folk"} == r.json()["request"]["params"]
    job = studio.wait(r.json()["id"])
    assert job["status"] == "done", job.get("error")
    shaped = _shaped(job)
    assert shaped["bars"] == 8 and shaped["meter"] == "3/4" and shaped["key"] == "G major"
    assert shaped["constraints"]["form"] == "ABAC" and shaped["constraints"]["ok"]
    arranged = job["output"]["provenance"]["parameters"]["arranged"]
    assert arranged["style"] == "folk"
    made_by = [p["made_by"] for p in arranged["parts"]]
    assert made_by[0] == "model" and len(made_by) > 1 and set(made_by[1:]) == {"rule"}
    files = job["output"]["files"]
    side = studio.client.get(files["sidecar"]["url"], headers=studio.headers("fan")).json()
    assert side["facts"]["parameters"]["shaped"]["constraints"]["form"] == "ABAC"
    midi = symusic.Score.from_midi(
        studio.client.get(files["midi"]["url"], headers=studio.headers("fan")).content)
    assert {(t.numerator, t.denominator) for t in midi.time_signatures} == {(3, 4)}
    end = max(n.time + n.duration for t in midi.tracks for n in t.notes)
    assert 7 * 3 * midi.ticks_per_quarter < end <= 8 * 3 * midi.ticks_per_quarter

    bare = studio.client.post("/v1/creations", headers=studio.headers("fan"),
                              json={"bars": 4, "meter": "6/8", "arrangement": "none",
                                    "seed": 31})
    job = studio.wait(bare.json()["id"])
    assert job["status"] == "done", job.get("error")
    assert _shaped(job)["meter"] == "6/8" and _shaped(job)["constraints"]["form"] is None
    assert "arrangement" not in job["output"]["files"]
    assert job["output"]["provenance"]["parameters"]["arranged"]["style"] == "none"


def test_the_studio_form_offers_and_posts_the_options(studio):
    c = _browser(studio, "fan")
    page = c.get("/studio").text
    for label in ("Length (bars)", "Time signature", "Key", "Form", "Arrangement"):
        assert f">{label}</label>" in page, label
    for control in ("bars", "meter", "key", "form", "arrangement"):
        assert f'<label for="{control}">' in page and f'id="{control}"' in page, control
    assert 'value="16"' in page and "<option value=\"AABB\" selected>" in page
    assert '<option value="auto" selected>' in page and '<option value="12/8" ' in page

    bad = c.post("/studio", data={"kind": "new", "bars": "10", "form": "AABB",
                                  "csrf_token": _csrf(c)})
    assert bad.status_code == 422 and "4 sections do not divide 10 bars evenly" in bad.text
    assert '<select id="form" name="form" aria-invalid="true"' in bad.text
    assert 'value="10"' in bad.text  # the form keeps what was typed

    made = c.post("/studio", data={"kind": "new", "bars": "8", "meter": "6/8",
                                   "key": "D minor", "form": "AA'BB'", "arrangement": "irish",
                                   "seed": "41", "csrf_token": _csrf(c)})
    assert made.status_code == 303, made.text
    job = studio.wait(made.headers["location"].rsplit("/", 1)[1])
    assert job["status"] == "done", job.get("error")
    shaped = _shaped(job)
    assert (shaped["bars"], shaped["meter"], shaped["key"]) == (8, "6/8", "D minor")
    assert shaped["constraints"]["form"] == "AA'BB'"
    assert job["output"]["provenance"]["parameters"]["arranged"]["style"] == "irish"
