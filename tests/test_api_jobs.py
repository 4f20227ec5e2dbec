"""Durable jobs over HTTP: a creation job outlives the server process; a killed creation leaves
no partial file; a revocation retires the models trained on the works by itself (a job), and the
artist's page says so."""

from __future__ import annotations

import os
import time

import jwt
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.api.app import job_worker
from accord.api.jobs import sweep_outputs
from accord.api.settings import ApiSettings
from accord.db.engine import make_engine, session_scope
from accord.training import service as training
from accord.web.session import bound_csrf
from tests.api_support import make_world
from tests.web_support import MODEL, OUTPUT, add_output_and_job, enrich


def test_a_creation_job_outlives_its_server_process(tmp_path):
    w = enrich(make_world(tmp_path / "home"))
    job_id = add_output_and_job(w)
    # a new app over the same home: another process after a restart
    again = TestClient(create_app(w.settings, ApiSettings(api_inprocess_worker=False)))
    r = again.get(f"/v1/creations/{job_id}", headers=w.headers("fan"))
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert r.json()["output"]["id"] == OUTPUT
    assert again.get(f"/v1/creations/{job_id}", headers=w.headers("rival")).status_code == 403


def test_what_a_killed_creation_left_is_swept(tmp_path):
    w = enrich(make_world(tmp_path / "home"))
    add_output_and_job(w)
    out = w.settings.outputs_dir
    half = out / ".out-0123456789abcdef0123.xyz"   # a temporary directory mid-render
    half.mkdir(parents=True)
    (half / "output.mid").write_bytes(b"MThd")
    rowless = out / "out-ffffffffffffffffffff"     # renamed, but its row never committed
    rowless.mkdir()
    (rowless / "output.wav").write_bytes(b"RIFF")
    old = time.time() - 600
    for d in (half, rowless, out / OUTPUT):
        os.utime(d, (old, old))
    gone = sweep_outputs(w.settings, make_engine(w.settings.db_url), 60)
    assert sorted(gone) == sorted([half.name, rowless.name])
    assert (out / OUTPUT / "output.wav").exists()  # a finished output is never touched


def test_a_revocation_retires_the_models_by_itself_and_the_page_says_so(tmp_path):
    w = enrich(make_world(tmp_path / "home"))
    engine = make_engine(w.settings.db_url)
    c = TestClient(w.client.app, follow_redirects=False)
    c.cookies.set("accord_session", w.tokens["songwriter"])
    jti = jwt.decode(w.tokens["songwriter"], w.secret, algorithms=["HS256"])["jti"]
    r = c.post("/artists/ada/consents/train", headers={"HX-Request": "true"},
               data={"action": "revoke", "csrf_token": bound_csrf(w.secret, jti)})
    assert r.status_code == 200
    assert "being audited after this change" in r.text  # right after the switch
    assert job_worker(w.settings, ApiSettings(), engine).run(once=True) == 1
    with session_scope(engine) as s:
        assert training.get_model(s, MODEL).status == training.RETIRED
    page = c.get("/artists/ada")
    assert "Retired after this change" in page.text and MODEL in page.text
    assert "consent revoked: ada, train" in page.text


def test_an_agreement_termination_queues_an_audit(tmp_path):
    w = enrich(make_world(tmp_path / "home"))
    engine = make_engine(w.settings.db_url)
    r = w.client.post("/v1/agreements/agr-label/terminate", headers=w.headers("holder"),
                      json={"reason": "ended"})
    assert r.status_code == 201, r.text
    from accord.jobs import queue

    with session_scope(engine) as s:
        (job,) = queue.jobs_of(s, "audit")
        assert job.payload["trigger"] == "agreement terminated: agr-label"
        assert job.status == queue.QUEUED
    assert job_worker(w.settings, ApiSettings(), engine).run(once=True) == 1


def test_a_cli_takedown_queues_an_audit_that_accord_worker_runs(tmp_path):
    import json

    from typer.testing import CliRunner

    from accord.cli.main import app as cli
    from accord.jobs import queue

    w = enrich(make_world(tmp_path / "home"))
    home = ["--home", str(w.settings.home)]
    r = CliRunner().invoke(cli, [*home, "rights", "withdraw", "r1", "--reason", "dispute"])
    assert r.exit_code == 0, r.output
    with session_scope(make_engine(w.settings.db_url)) as s:
        (job,) = queue.jobs_of(s, "audit")
        assert job.payload["trigger"] == "recording taken down: r1"
    r = CliRunner().invoke(cli, [*home, "worker", "--once", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"jobs_run": 1}
    with session_scope(make_engine(w.settings.db_url)) as s:
        assert queue.jobs_of(s, "audit")[0].status == queue.DONE
