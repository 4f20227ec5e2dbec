"""The demo's screening stage: three uploads against the demo catalogue and registry.

1. a clean new track (a synthetic melody made here: demo data) -> accepted;
2. a pitch-shifted (+1 semitone), trimmed re-upload of a catalogue recording rendered by
   the catalogue stage -> found by the fingerprint index with its offset and pitch ratio and
   verified by its spectral peaks: rejected as a copy (the verified share, ~0.6-0.8 for a +1
   semitone excerpt of a sparse solo rendering, is at least the policy's `index_copy`; before
   verification its quad share, ~0.3, only held it as a near copy; docs/trust-fingerprints.md);
3. an undisclosed AI track credited to "Bea Lantern" (the demo artist, who opted in to train
   only, not to voice): espeak-ng "singing" in the stand-in voice registered for her (a DEMO
   voice: espeak-ng's en+f3, not a person), carrying Accord's own C2PA credential while its
   metadata says it is not AI -> held for review with every reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from rich.console import Console
from rich.table import Table

from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.demo import scenario
from accord.rights.audit import AuditLog
from accord.trust import service

#: espeak-ng voices standing in for singers (demo only; no real person's voice is used)
DEMO_VOICES = {scenario.SINGER: "en+f3"}
LYRICS = ("The lantern burns all night, the harbour lights are low, and I will carry you "
          "home across the water, home across the water")
AI_LYRICS = ("Night drive on the empty road, the radio is singing softly, I remember every "
             "word you said, every word you said")


def _espeak(voice: str, text: str, dst: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(dst), text], check=True,
                   capture_output=True, timeout=60)
    return dst


def _clean_track(dst: Path) -> Path:
    import numpy as np
    import soundfile as sf

    sr, seconds = 22050, 40.0
    rng = np.random.default_rng(2026)
    t = np.arange(int(sr * seconds)) / sr
    x = np.zeros_like(t)
    for k in range(int(seconds / 0.3)):
        f = 174.6 * 2 ** (int(rng.choice([0, 2, 4, 5, 7, 9, 11, 12])) / 12)
        m = (t >= k * 0.3) & (t < (k + 1) * 0.3)
        tt = t[m] - k * 0.3
        for h, a in ((1, 0.5), (2, 0.2), (3, 0.1)):
            x[m] += a * np.exp(-5 * tt) * np.sin(2 * np.pi * f * h * tt)
    sf.write(str(dst), (0.5 * x / np.abs(x).max()).astype(np.float32), sr)
    return dst


def _ai_track(s: Settings, dst: Path, work: Path) -> Path:
    from accord.creation.keys import signing_material
    from accord.creation.provenance import sign_audio

    raw = _espeak(DEMO_VOICES[scenario.SINGER], AI_LYRICS, work / "ai-raw.wav")
    sign_audio(raw, dst, {"output_id": "demo-undisclosed-ai", "model": {"id": "demo"},
                          "kind": "new"}, signing_material(s))
    return dst


def trust_stage(s: Settings, report, out: Console) -> None:
    from accord.catalog import service as catalog

    out.rule("[bold]Upload screening[/]")
    engine = make_engine(s.db_url)
    work = s.trust_dir / "demo"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with session_scope(engine) as session:
        indexed = service.index_catalogue(session, s)
        recordings = [f for f in catalog.audio_files(session) if f["recording_id"]]
        ref = _espeak(DEMO_VOICES[scenario.SINGER], LYRICS, work / "bea-reference.wav")
        service.register_voice(session, scenario.SINGER, ref, AuditLog(session, "demo"),
                               demo=True)
    out.print(f"fingerprint index: {indexed['indexed']} catalogue recording(s); a DEMO "
              f"reference voice for {scenario.SINGER} (espeak-ng {DEMO_VOICES[scenario.SINGER]})")
    uploads = [("clean new track", _clean_track(work / "harbour-lights.wav"),
                {"title": "Harbour Lights", "artists": ["Demo Uploader"], "ai_generated": False},
                "demo-uploader-1")]
    if recordings:
        shifted = work / "reupload-pitch-shifted.wav"
        subprocess.run(["sox", recordings[0]["path"], str(shifted), "trim", "5", "20",
                        "pitch", "100"], check=True, capture_output=True, timeout=120)
        uploads.append(("pitch-shifted re-upload of " + recordings[0]["recording_id"], shifted,
                        {"title": "Totally Original", "artists": ["Demo Uploader"]},
                        "demo-uploader-2"))
    else:
        out.print("[yellow]no catalogue recording with audio: the re-upload case is skipped[/]")
    uploads.append(("undisclosed AI credited to Bea Lantern (no voice opt-in)",
                    _ai_track(s, work / "night-drive.wav", work),
                    {"title": "Night Drive", "artists": ["Bea Lantern"], "ai_generated": False},
                    "demo-uploader-3"))
    results = []
    for label, path, meta, uploader in uploads:
        mpath = work / f"{path.stem}.json"
        mpath.write_text(json.dumps(meta), encoding="utf-8")
        with session_scope(engine) as session:
            d = service.screen_upload(session, s, path, uploader=uploader,
                                      audit=AuditLog(session, "demo"), metadata=mpath,
                                      demo=True)
        results.append({"case": label, "id": d["id"], "outcome": d["outcome"],
                        "reasons": [f"{r['rule']} ({r['outcome']}): {r['summary']}"
                                    for r in d["reasons"]]})
    t = Table("upload (demo)", "decision", "reasons", show_lines=True)
    for r in results:
        t.add_row(r["case"], r["outcome"], "\n".join(r["reasons"]) or "none")
    out.print(t)
    report.add("trust", {"indexed": indexed, "screenings": results})
