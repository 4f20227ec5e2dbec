"""Audio ingest (each format, rejection of truncated files) and rendering to demo recordings."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime

import numpy as np
import pytest
import soundfile as sf

from accord.catalog import audio, service
from accord.catalog.importer import DEMO_START, import_corpus
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.errors import InvalidInput
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.model import Use
from accord.rights.tables import RecordingRow

pytestmark = pytest.mark.skipif(not (shutil.which("fpcalc") and shutil.which("fluidsynth")
                                     and shutil.which("ffmpeg")),
                                reason="needs Debian libchromaprint-tools, fluidsynth, ffmpeg")


def _tone(seconds: float = 8.0, rate: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 440 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)))


@pytest.mark.parametrize("suffix", ["wav", "flac", "ogg", "mp3"])
def test_each_format_is_probed(tmp_path, suffix):
    wav = tmp_path / "tone.wav"
    sf.write(wav, _tone(), 22050)
    path = wav
    if suffix != "wav":
        path = tmp_path / f"tone.{suffix}"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), str(path)], check=True)
    info = audio.probe(path)
    assert info.format == suffix and info.sample_rate == 22050 and info.channels == 1
    assert info.duration_s == pytest.approx(8.0, abs=0.1)
    assert -25 < info.loudness_lufs < -5 and info.fingerprint.startswith("AQ")
    assert len(info.content_hash) == 64


def test_truncated_and_unknown_audio_is_rejected(tmp_path):
    wav = tmp_path / "tone.wav"
    sf.write(wav, _tone(), 22050)
    cut = tmp_path / "cut.flac"
    sf.write(cut, _tone(), 22050)
    cut.write_bytes(cut.read_bytes()[:60])
    with pytest.raises(InvalidInput, match="cut.flac: cannot decode audio"):
        audio.probe(cut)
    with pytest.raises(InvalidInput, match="unsupported audio format"):
        audio.probe(tmp_path / "x.aiff")


def test_render_creates_demo_recordings_with_demo_isrcs(tmp_path, db_url):
    s = Settings(home=tmp_path / "h", database_url=db_url)
    s.ensure_home()
    import_corpus(s, ["essenFolksong"], limit=1, workers=1)
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        item = service.symbolic_items(session)[0]
        out = service.render_items(session, s, [item.work_id], AuditLog(session, "t"),
                                   DEMO_START)
    assert out[0]["isrc"].startswith("XDACR26") and out[0]["duration_s"] > 1
    with session_scope(engine) as session:
        again = service.render_items(session, s, [item.work_id], AuditLog(session, "t"),
                                     DEMO_START)
        rec = session.get(RecordingRow, out[0]["recording"])
        rec = {"demo": rec.demo, "title": rec.title}
        d = rights.check(session, Use.TRAIN, recording=out[0]["isrc"],
                         at=datetime(2026, 3, 1, tzinfo=UTC))
    assert again[0]["isrc"] == out[0]["isrc"]  # rendering twice creates nothing new
    assert rec["demo"] is True and "(demo rendering)" in rec["title"]
    # the Essen encoders' terms are non-commercial: a commercial use of the recording is denied
    assert not d.allowed and any("encoder-essen" in json.dumps(m.__dict__) for m in d.missing)
