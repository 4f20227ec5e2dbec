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


def add_screening(world, who: str, seed: int = 71) -> str:
    """A held upload by `who`: credited to Bea, who has not opted in to voice."""
    meta = json.dumps({"title": "Test", "artists": ["bea"]}).encode()
    r = world.client.post("/v1/screenings", headers=world.headers(who),
                          files={"file": ("t.wav", wav_bytes(seed), "audio/wav"),
                                 "metadata": ("m.json", meta, "application/json")})
    assert r.status_code == 201, r.text
    return r.json()["id"]
