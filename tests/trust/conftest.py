"""Shared fixtures for screening tests: a registry with the demo scenario, a catalogue
recording with real audio, and files made with real tools (soundfile, sox, c2pa-python)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from accord.config import Settings
from accord.db.engine import session_scope
from accord.demo import scenario
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.timeutil import parse_instant

SR = 22050


def tune(seed: int, seconds: float = 24.0, sr: int = SR) -> np.ndarray:
    """A synthetic melody with harmonics and a little noise (distinct per seed)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    x = np.zeros_like(t)
    step = 0.25
    for k in range(int(seconds / step)):
        f = 196.0 * 2 ** (int(rng.integers(0, 19)) / 12)
        m = (t >= k * step) & (t < (k + 1) * step)
        tt = t[m] - k * step
        env = np.exp(-6 * tt)
        for h, a in ((1, 0.5), (2, 0.25), (3, 0.12)):
            x[m] += a * env * np.sin(2 * np.pi * f * h * tt)
    x += 0.005 * rng.standard_normal(len(t))
    return (0.6 * x / np.max(np.abs(x))).astype(np.float32)


def write_tune(path: Path, seed: int, seconds: float = 24.0) -> Path:
    sf.write(str(path), tune(seed, seconds), SR)
    return path


def sox(src: Path, dst: Path, *effects: str) -> Path:
    subprocess.run(["sox", str(src), str(dst), *effects], check=True, capture_output=True)
    return dst


def metadata(path: Path, **fields) -> Path:
    path.write_text(json.dumps(fields), encoding="utf-8")
    return path


def sign_as_ai(settings: Settings, src: Path, dst: Path) -> Path:
    """Embed an Accord C2PA credential (trainedAlgorithmicMedia) as creation does."""
    from accord.creation.keys import ensure_dev_chain, signing_material
    from accord.creation.provenance import sign_audio

    ensure_dev_chain(settings)
    sign_audio(src, dst, {"output_id": "test-ai", "model": {"id": "m-test"}, "kind": "new"},
               signing_material(settings))
    return dst


@pytest.fixture
def home(tmp_path, engine, db_url) -> Settings:
    """The demo scenario's registry (Bea Lantern opted in to train only) with one catalogue
    recording (demo-rec-lantern) whose audio is a synthetic tune, fingerprinted and indexed."""
    from accord.catalog import service as catalog
    from accord.trust import service

    s = Settings(home=tmp_path / "home", database_url=db_url)
    s.ensure_home()
    wav = write_tune(tmp_path / "lantern.wav", seed=1)
    with session_scope(engine) as session:
        rights_service.import_document(session, parse_document(
            scenario.document(parse_instant("2026-01-01")), "demo"), "demo",
            AuditLog(session, "test"))
        catalog.ingest_audio(session, wav, scenario.RECORDING)
    with session_scope(engine) as session:
        service.index_catalogue(session, s)
    return s
