"""Rendering an output's MIDI to audio at the edge: FluidSynth with the Debian General MIDI
soundfont (through the catalogue's `audio.render`), loudness normalised to -14 LUFS
(ITU-R BS.1770 via pyloudnorm), written as WAV and FLAC (soundfile) and MP3 (ffmpeg, LAME)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from accord.catalog import audio
from accord.errors import InvalidInput

TARGET_LUFS = -14.0
PEAK_CEILING = 0.97       # about -0.26 dBFS: room for MP3's inter-sample overshoot
SAMPLE_RATE = 44100
MP3_BITRATE = "192k"


def loudness(data: np.ndarray, rate: int) -> float | None:
    import pyloudnorm

    if data.shape[0] < int(0.4 * rate):
        return None
    value = pyloudnorm.Meter(rate).integrated_loudness(data)
    return float(value) if np.isfinite(value) else None


def normalise(data: np.ndarray, rate: int, target: float = TARGET_LUFS) -> np.ndarray:
    """Gain to the target loudness; peaks above the ceiling are soft-limited and the gain is
    corrected once more, so the result lands within a fraction of a LU of the target."""
    out = data
    for _ in range(3):
        now = loudness(out, rate)
        if now is None:
            return out
        out = out * 10 ** ((target - now) / 20)
        peak = float(np.max(np.abs(out))) if out.size else 0.0
        if peak <= PEAK_CEILING:
            return out
        knee = PEAK_CEILING * 0.8  # soft knee: samples above it are squashed towards the ceiling
        over = np.abs(out) > knee
        room = PEAK_CEILING - knee
        out = np.where(over, np.sign(out) * (knee + room * np.tanh((np.abs(out) - knee) / room)),
                       out)
    return np.clip(out, -PEAK_CEILING, PEAK_CEILING)


def render(midi: Path, out_dir: Path, stem: str, formats: tuple[str, ...]) -> dict[str, dict]:
    """Render, normalise and encode; returns format -> {path, loudness_lufs, duration_s}.
    Files are written inside `out_dir` (the caller renames the whole directory into place)."""
    import soundfile as sf

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        raw = Path(tmp) / "raw.wav"
        audio.render(midi, raw, sample_rate=SAMPLE_RATE)
        data, rate = sf.read(str(raw), always_2d=True)
        data = _trim_tail(data, rate)
        data = normalise(data, rate)
        wav = out_dir / f"{stem}.wav"
        sf.write(str(wav), data, rate, subtype="PCM_16")
        result: dict[str, dict] = {}
        measured = loudness(sf.read(str(wav), always_2d=True)[0], rate)
        info = {"loudness_lufs": round(measured, 2) if measured is not None else None,
                "duration_s": round(data.shape[0] / rate, 3), "sample_rate": rate}
        if "flac" in formats:
            flac = out_dir / f"{stem}.flac"
            sf.write(str(flac), data, rate, subtype="PCM_16", format="FLAC")
            result["flac"] = {"path": flac, **info}
        if "mp3" in formats:
            mp3 = out_dir / f"{stem}.mp3"
            _mp3(wav, mp3)
            result["mp3"] = {"path": mp3, **info}
        if "wav" in formats:
            result["wav"] = {"path": wav, **info}
        else:
            wav.unlink()
    return result


def _trim_tail(data: np.ndarray, rate: int, floor: float = 1e-4) -> np.ndarray:
    """FluidSynth renders a long silent tail after the last note; keep 1 s of release."""
    loud = np.flatnonzero(np.max(np.abs(data), axis=1) > floor)
    if loud.size == 0:
        return data
    return data[:min(data.shape[0], loud[-1] + rate)]


def _mp3(wav: Path, mp3: Path) -> None:
    if shutil.which("ffmpeg") is None:
        raise InvalidInput("ffmpeg is not installed (Debian ffmpeg); needed for MP3")
    proc = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(wav),
                           "-codec:a", "libmp3lame", "-b:a", MP3_BITRATE, "-bitexact",
                           "-map_metadata", "-1", str(mp3)], capture_output=True, timeout=300)
    if proc.returncode != 0 or not mp3.exists():
        raise InvalidInput(f"ffmpeg could not encode MP3: "
                           f"{proc.stderr.decode(errors='replace').strip()[:300]}")
