"""POST /v1/screenings and its companions: the same service as the CLI, multipart with a byte
cap enforced before the body is read into memory, roles through accord.accounts.policy."""

from __future__ import annotations

import json

import pytest

from tests.api_support import make_world
from tests.trust.api_support import add_screening, post_screening, run_jobs, wav_bytes


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("api-trust"), api_max_screening_bytes=300_000)


def test_an_upload_is_screened_and_its_uploader_can_appeal(world):
    sid = add_screening(world, "fan")
    r = world.client.get(f"/v1/screenings/{sid}", headers=world.headers("fan"))
    body = r.json()
    assert r.status_code == 200 and body["outcome"] == "hold"
    assert body["uploader"] == world.ids["fan"]
    assert any(f["rule"] == "impersonation_name" and f["verdict"] == "unlicensed_credit"
               for f in body["findings"])
    r = world.client.get(f"/v1/screenings/{sid}", headers=world.headers("holder"))
    assert r.status_code == 403 and "not yours" in r.json()["detail"]
    r = world.client.post(f"/v1/screenings/{sid}/appeal", headers=world.headers("rival"),
                          json={"statement": "mine"})
    assert r.status_code == 403
    r = world.client.post(f"/v1/screenings/{sid}/appeal", headers=world.headers("fan"),
                          json={"statement": "it is a tribute, credited honestly"})
    assert r.status_code == 200 and r.json()["status"] == "appealed"
    r = world.client.get("/v1/screenings?queue=true", headers=world.headers("fan"))
    assert r.status_code == 403
    r = world.client.get("/v1/screenings?queue=true", headers=world.headers("admin"))
    assert sid in [x["id"] for x in r.json()]
    r = world.client.post(f"/v1/screenings/{sid}/review", headers=world.headers("fan"),
                          json={"outcome": "accept"})
    assert r.status_code == 403
    r = world.client.post(f"/v1/screenings/{sid}/review", headers=world.headers("admin"),
                          json={"outcome": "accept", "note": "tribute, labelled"})
    assert r.status_code == 200 and r.json()["outcome"] == "accept"
    mine = world.client.get("/v1/screenings", headers=world.headers("fan")).json()
    assert [x["id"] for x in mine] == [sid]


def test_the_size_cap_is_enforced_before_the_body_is_read(world):
    big = b"\0" * 400_000
    r = world.client.post("/v1/screenings", headers=world.headers("fan"),
                          files={"file": ("big.wav", big, "audio/wav")})
    assert r.status_code == 413 and "larger than 300000 bytes" in r.json()["detail"]

    def chunks():  # no Content-Length: the stream is cut off when it passes the cap
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n"
        for _ in range(100):
            yield b"\0" * 10_000
    r = world.client.post("/v1/screenings", headers={
        **world.headers("fan"), "Content-Type": "multipart/form-data; boundary=b"},
        content=chunks())
    assert r.status_code == 413


@pytest.mark.parametrize("files,status,message", [
    ({"file": ("x.txt", b"hello", "text/plain")}, 422, "unsupported upload format"),
    ({"file": ("x.wav", b"RIFF....WAVE", "audio/wav")}, 422, "x.wav: cannot decode audio"),
    ({"metadata": ("m.json", b"{}", "application/json")}, 422, "no `file` part"),
    ({"file": ("a.wav", wav_bytes(3, 4), "audio/wav"),
      "metadata": ("m.json", b"[1]", "application/json")}, 422, "must be a JSON object"),
])
def test_bad_uploads_are_refused_with_the_reason(world, files, status, message):
    before = len(world.client.get("/v1/screenings", headers=world.headers("songwriter")).json())
    r = world.client.post("/v1/screenings", headers=world.headers("songwriter"), files=files)
    assert r.status_code == status and message in r.json()["detail"], r.text
    assert run_jobs(world) == 0  # refused in the request: no job was queued
    after = world.client.get("/v1/screenings", headers=world.headers("songwriter")).json()
    assert len(after) == before


def test_an_unknown_recording_is_refused_before_a_job_is_queued(world):
    r = world.client.post("/v1/screenings", headers=world.headers("songwriter"),
                          data={"recording": "XDTST9999999"},
                          files={"file": ("a.wav", wav_bytes(5), "audio/wav")})
    assert r.status_code == 404 and "XDTST9999999" in r.json()["detail"], r.text
    assert run_jobs(world) == 0


def test_a_screening_job_is_queued_then_names_its_screening(world):
    job = post_screening(world, "fan", seed=72)
    assert job["status"] == "queued" and job["kind"] == "screening"
    assert job["screening"] is None and job["filename"] == "t.wav"
    r = world.client.get(job["status_url"], headers=world.headers("rival"))
    assert r.status_code == 403
    assert run_jobs(world) == 1
    done = world.client.get(job["status_url"], headers=world.headers("fan")).json()
    assert done["status"] == "done" and done["result"]["outcome"] == "hold"
    r = world.client.get(done["screening_url"], headers=world.headers("fan"))
    assert r.status_code == 200 and r.json()["file"] == "t.wav"
    assert world.client.get("/v1/screenings/jobs/job-nope",
                            headers=world.headers("fan")).status_code == 404


def test_a_queued_screening_survives_a_restart_of_its_worker(world):
    """The upload is kept before the job is queued; a worker that claimed the job and died
    leaves it to the next Worker instance (a restart), which screens it."""
    import socket
    import subprocess

    from fastapi.testclient import TestClient

    from accord.api import create_app
    from accord.api.app import job_worker
    from accord.api.settings import ApiSettings
    from accord.db.engine import make_engine
    from accord.jobs import queue

    job = post_screening(world, "fan", seed=73)
    engine = make_engine(world.settings.db_url)
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = f"{socket.gethostname()}:{gone.pid}:1"  # a worker whose process has exited
    claimed = queue.claim(engine, dead, ("screening",))
    assert claimed is not None and claimed.id == job["id"]
    # the server restarts: a new app over the same home, and a new worker
    again = TestClient(create_app(world.settings, ApiSettings(api_inprocess_worker=False)))
    r = again.get(job["status_url"], headers=world.headers("fan"))
    assert r.status_code == 200 and r.json()["status"] == "running"
    worker = job_worker(world.settings, ApiSettings(), engine)
    worker.stale_s = 0.0  # its heartbeat is old enough: take it back now
    assert worker.run(once=True) == 1
    r = again.get(job["status_url"], headers=world.headers("fan")).json()
    assert r["status"] == "done" and r["attempts"] == 2, r
    shown = again.get(r["screening_url"], headers=world.headers("fan")).json()
    assert shown["outcome"] == "hold"


def test_not_multipart_and_anonymous_are_refused(world):
    r = world.client.post("/v1/screenings", headers=world.headers("fan"),
                          content=json.dumps({"x": 1}),
                          )
    assert r.status_code == 415
    r = world.client.post("/v1/screenings", files={"file": ("a.wav", b"x", "audio/wav")})
    assert r.status_code == 401


def test_a_refusal_found_by_the_worker_is_the_jobs_error_naming_the_clients_file(world):
    """The kept file is gone before the worker runs: the job ends refused, and its error names
    the file as the client sent it, never the server's path."""
    from pathlib import Path

    from accord.db.engine import make_engine, session_scope
    from accord.jobs import queue

    job = post_screening(world, "fan", seed=74)
    with session_scope(make_engine(world.settings.db_url)) as s:
        kept = Path(queue.get(s, job["id"]).payload["path"])
    assert kept.is_relative_to(world.settings.trust_dir / "uploads") and kept.exists()
    kept.unlink()
    assert run_jobs(world) == 1
    r = world.client.get(job["status_url"], headers=world.headers("fan")).json()
    assert r["status"] == "refused" and r["screening"] is None, r
    assert "t.wav" in r["error"]["detail"] and str(kept) not in r["error"]["detail"], r


def _multipart(parts) -> bytes:
    """A multipart body as a browser sends it: (field, filename or None, bytes); an unchosen
    file input is a part with filename "" and no bytes."""
    body = b""
    for name, filename, data in parts:
        disp = f'form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"\r\nContent-Type: application/octet-stream'
        body += b"--b\r\nContent-Disposition: " + disp.encode() + b"\r\n\r\n" + data + b"\r\n"
    return body + b"--b--\r\n"


@pytest.mark.parametrize("parts,message", [
    ([("file", "a.wav", b"")], "the `file` part (a.wav) is empty"),
    ([("file", "", b"")], "the `file` part is empty: choose a file"),
    ([("file", "a.wav", "WAV"), ("metadata", "m.json", b"")],
     "the `metadata` part (m.json) is empty"),
    ([("file", "a.wav", "WAV"), ("ddex", "e.xml", b"")], "the `ddex` part (e.xml) is empty"),
    ([("file", "a.wav", "WAV"), ("metadata", None, b"{}")], "`metadata` must be a file part"),
])
def test_an_empty_file_part_is_refused_naming_the_field(world, parts, message):
    wav = wav_bytes(7, 2)
    parts = [(k, f, wav if d == "WAV" else d) for k, f, d in parts]
    before = len(world.client.get("/v1/screenings", headers=world.headers("songwriter")).json())
    r = world.client.post("/v1/screenings", content=_multipart(parts), headers={
        **world.headers("songwriter"), "Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 422 and message in r.json()["detail"], r.text
    assert run_jobs(world) == 0
    after = world.client.get("/v1/screenings", headers=world.headers("songwriter")).json()
    assert len(after) == before


def test_unchosen_optional_file_inputs_are_absent_not_errors(world):
    """A browser form with the metadata and DDEX inputs left empty screens the file alone."""
    body = _multipart([("file", "a.wav", wav_bytes(81, 3)), ("metadata", "", b""),
                       ("ddex", "", b"")])
    r = world.client.post("/v1/screenings", content=body, headers={
        **world.headers("songwriter"), "Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 202, r.text
    assert run_jobs(world) == 1
    job = world.client.get(r.json()["status_url"], headers=world.headers("songwriter")).json()
    assert job["status"] == "done" and job["screening"], job
