"""Takedown and reinstatement over HTTP (admins): `accord rights withdraw` / `reinstate`'s
service call, the same audit job of the models, and the permission check that follows it."""

from __future__ import annotations

import pytest

from accord.api.app import job_worker
from accord.api.settings import ApiSettings
from accord.db.engine import make_engine, session_scope
from accord.jobs import queue
from accord.rights import service
from tests.api_support import make_world

CHECK = "/v1/permissions/check?use=train&recording=XDTST2600002&at=2026-06-01"


@pytest.fixture
def world(tmp_path):
    """r1 (ISRC XDTST2600002) permitted for training: Cal, its other artist, opts in too."""
    w = make_world(tmp_path / "home")
    r = w.client.post("/v1/parties/cal/consents", headers=w.headers("admin"),
                      json={"use": "train", "action": "opt_in", "effective_at": "2026-01-01"})
    assert r.status_code == 201, r.text
    return w


def allowed(w) -> bool:
    r = w.client.get(CHECK, headers=w.headers("fan"))
    assert r.status_code == 200, r.text
    return r.json()["allowed"]


@pytest.mark.parametrize("who", ["fan", "artist", "holder", "songwriter"])
def test_only_admins_take_down_or_reinstate(world, who):
    for verb in ("takedown", "reinstate"):
        r = world.client.post(f"/v1/recordings/r1/{verb}", headers=world.headers(who),
                              json={"reason": "dispute"})
        assert r.status_code == 403, r.text
        assert "admins only" in r.json()["detail"]
    assert world.client.post("/v1/recordings/r1/takedown",
                             json={"reason": "x"}).status_code == 401
    assert allowed(world)  # nothing changed
    with session_scope(make_engine(world.settings.db_url)) as s:
        assert queue.jobs_of(s, "audit") == []


def test_an_unknown_recording_is_404_naming_it(world):
    r = world.client.post("/v1/recordings/XXNOP9999999/takedown", headers=world.headers("admin"),
                          json={"reason": "dispute"})
    assert r.status_code == 404 and "XXNOP9999999" in r.json()["detail"]


def test_the_reason_is_required_and_bounded(world):
    h = world.headers("admin")
    for body, where in (({}, "reason"), ({"reason": ""}, "reason"),
                        ({"reason": "x" * 501}, "reason"), ({"reason": "a\x00b"}, "reason")):
        r = world.client.post("/v1/recordings/r1/takedown", headers=h, json=body)
        assert r.status_code == 422, (body, r.text)
        assert [p["where"] for p in r.json()["problems"]] == [where], r.json()
    r = world.client.post("/v1/recordings/r1/takedown", headers=h,
                          json={"reason": "ok", "effective_at": "yesterday"})
    assert r.status_code == 422 and r.json()["detail"].startswith("effective_at:")


def test_takedown_denies_reinstate_allows_and_an_audit_is_queued(world):
    engine = make_engine(world.settings.db_url)
    h = world.headers("admin")
    assert allowed(world)
    r = world.client.post("/v1/recordings/XDTST2600002/takedown", headers=h,
                          json={"reason": "ownership dispute", "effective_at": "2026-05-01"})
    assert r.status_code == 201, r.text
    down = r.json()
    assert down["recording"] == "r1" and down["action"] == "withdraw"
    assert not allowed(world)
    with session_scope(engine) as s:
        (job,) = queue.jobs_of(s, "audit")
        assert job.id == down["audit_job"] and job.status == queue.QUEUED
        assert job.payload["trigger"] == "recording taken down: r1"
        # the service's own record: the same history the CLI writes and shows
        assert [w["action"] for w in service.withdrawals_of(s, "r1")] == ["withdraw"]
    assert job_worker(world.settings, ApiSettings(), engine).run(once=True) == 1
    with session_scope(engine) as s:
        assert queue.get(s, down["audit_job"]).status == queue.DONE

    r = world.client.post("/v1/recordings/r1/reinstate", headers=h,
                          json={"reason": "settled", "effective_at": "2026-05-15"})
    assert r.status_code == 201 and "audit_job" not in r.json()
    assert allowed(world)
    with session_scope(engine) as s:
        assert [w["action"] for w in service.withdrawals_of(s, "r1")] == ["withdraw",
                                                                           "reinstate"]
        assert len(queue.jobs_of(s, "audit")) == 1  # a reinstatement retires nothing


def test_the_same_event_id_twice_is_one_takedown(world):
    h = world.headers("admin")
    body = {"reason": "dispute", "effective_at": "2026-05-01", "event_id": "td-1"}
    for _ in range(2):
        assert world.client.post("/v1/recordings/r1/takedown", headers=h,
                                 json=body).status_code == 201
    with session_scope(make_engine(world.settings.db_url)) as s:
        assert len(service.withdrawals_of(s, "r1")) == 1
