"""Audio ingest and rendering at the edge: soundfile (ffmpeg where it cannot decode),
pyloudnorm for integrated loudness, Chromaprint's `fpcalc` for a fingerprint kept for upload
screening, FluidSynth with a Debian General MIDI soundfont for rendering scores."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from accord.errors import InvalidInput
from accord.music.soundfont import soundfont

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3"}
@dataclass(frozen=True)
class AudioInfo:
    content_hash: str  # sha256 of the file's bytes
    format: str
    duration_s: float
    sample_rate: int
    channels: int
    loudness_lufs: float | None  # None for silence (pyloudnorm gives -inf)
    fingerprint: str  # Chromaprint, compressed base64 as fpcalc prints it

    def to_json(self) -> dict:
        return asdict(self)


def _decode(path: Path):
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), always_2d=True)
        return data, rate
    except Exception as first:  # noqa: BLE001 - fall back to ffmpeg, then name the problem
        if shutil.which("ffmpeg") is None:
            raise InvalidInput(f"{path}: cannot decode audio ({first})") from None
        proc = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(path),
                               "-f", "wav", "-"], capture_output=True, timeout=120)
        if proc.returncode != 0 or not proc.stdout:
            msg = proc.stderr.decode(errors="replace").strip().splitlines()
            raise InvalidInput(f"{path}: cannot decode audio ({first}; ffmpeg: "
                               f"{msg[-1] if msg else 'no output'})") from None
        try:
            return sf.read(io.BytesIO(proc.stdout), always_2d=True)
        except Exception as exc:  # noqa: BLE001
            raise InvalidInput(f"{path}: cannot decode audio ({exc})") from None


def fingerprint(path: Path) -> str:
    if shutil.which("fpcalc") is None:
        raise InvalidInput("fpcalc (Debian libchromaprint-tools) is not installed")
    proc = subprocess.run(["fpcalc", "-json", str(path)], capture_output=True, timeout=120)
    # fpcalc reports a decoding hiccup at the very end of some WAV files (FluidSynth's among
    # them) with a non-zero status but a complete fingerprint; the samples were checked by
    # soundfile already, so a printed fingerprint is accepted.
    try:
        return json.loads(proc.stdout)["fingerprint"]
    except (ValueError, KeyError):
        raise InvalidInput(f"{path}: fpcalc failed: "
                           f"{proc.stderr.decode(errors='replace').strip()[:300]}") from None


def probe(path: Path) -> AudioInfo:
    """Read an audio file; raise InvalidInput naming the file if it is truncated or unreadable."""
    import numpy as np
    import pyloudnorm

    path = Path(path)
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise InvalidInput(f"{path}: unsupported audio format {path.suffix!r} "
                           f"(known: {', '.join(sorted(AUDIO_SUFFIXES))})")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the file ({exc})") from None
    data, rate = _decode(path)
    if data.shape[0] == 0:
        raise InvalidInput(f"{path}: no audio samples (empty or truncated)")
    duration = data.shape[0] / rate
    loudness = None
    if duration >= 0.4:  # pyloudnorm's gating block
        value = pyloudnorm.Meter(rate).integrated_loudness(data)
        loudness = round(float(value), 2) if np.isfinite(value) else None
    return AudioInfo(content_hash=hashlib.sha256(raw).hexdigest(),
                     format=path.suffix.lower().lstrip("."), duration_s=round(duration, 3),
                     sample_rate=int(rate), channels=int(data.shape[1]),
                     loudness_lufs=loudness, fingerprint=fingerprint(path))


def render(midi: Path, out: Path, sample_rate: int = 44100) -> None:
    """Render a MIDI file to WAV with FluidSynth; atomic (temp file + os.replace)."""
    if shutil.which("fluidsynth") is None:
        raise InvalidInput("fluidsynth is not installed (Debian fluidsynth)")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".wav", dir=out.parent)
    os.close(fd)
    try:
        proc = subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.8", "-r", str(sample_rate),
                               "-F", tmp, str(soundfont()), str(midi)],
                              capture_output=True, timeout=600)
        if proc.returncode != 0 or os.path.getsize(tmp) <= 44:
            raise InvalidInput(f"{midi}: fluidsynth failed: "
                               f"{proc.stderr.decode(errors='replace').strip()[:300]}")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
