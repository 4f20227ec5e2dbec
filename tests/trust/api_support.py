"""Screening in the API tests' world (tests.api_support): an upload by one account."""

from __future__ import annotations

import io
import json

import soundfile as sf

from tests.trust.conftest import SR, tune


def wav_bytes(seed: int, seconds: float = 4.0) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, tune(seed, seconds), SR, format="WAV")
    return buf.getvalue()


def run_jobs(world) -> int:
    """Run the queued jobs the way a worker does (accord.api.app.job_worker); how many ran."""
    from accord.api.app import job_worker
    from accord.api.settings import ApiSettings
    from accord.db.engine import make_engine

    return job_worker(world.settings, ApiSettings(),
                      make_engine(world.settings.db_url)).run(once=True)


def screened(world, who: str, job: dict) -> str:
    """Run the worker, then the screening id the finished job names."""
    assert run_jobs(world) >= 1
    r = world.client.get(job["status_url"], headers=world.headers(who))
    assert r.status_code == 200 and r.json()["status"] == "done", r.text
    return r.json()["screening"]


def post_screening(world, who: str, seed: int = 71) -> dict:
    """Queue a held upload by `who` (credited to Bea, who has not opted in to voice): the job."""
    meta = json.dumps({"title": "Test", "artists": ["bea"]}).encode()
    r = world.client.post("/v1/screenings", headers=world.headers(who),
                          files={"file": ("t.wav", wav_bytes(seed), "audio/wav"),
                                 "metadata": ("m.json", meta, "application/json")})
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == r.json()["status_url"]
    return r.json()


def add_screening(world, who: str, seed: int = 71) -> str:
    """A held upload by `who`, screened by the worker: its screening id."""
    return screened(world, who, post_screening(world, who, seed))
