"""Rendering a set to audio (the edge): tracks and voice placed by `timeline`, equal-power
crossfades, the voice over the ducked intro, loudness normalised to -14 LUFS (ITU-R BS.1770,
pyloudnorm) with a soft peak limiter, written as FLAC (soundfile) and MP3 (ffmpeg, LAME).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from accord.dj.timeline import Slot, VoiceAt
from accord.errors import AccordError

SR = 44100
TARGET_LUFS = -14.0
DUCK_DB = -12.0
RAMP_MS = 250
CEILING = 0.95


def load(path: str | Path, sr: int = SR) -> np.ndarray:
    """Stereo float32 at `sr` (mono is doubled; other rates are resampled)."""
    from scipy.signal import resample_poly

    y, rate = sf.read(str(path), dtype="float32", always_2d=True)
    if y.shape[1] == 1:
        y = np.repeat(y, 2, axis=1)
    elif y.shape[1] > 2:
        y = y[:, :2]
    if rate != sr:
        g = np.gcd(rate, sr)
        y = resample_poly(y, sr // g, rate // g, axis=0).astype(np.float32)
    return y


def _ms(ms: int) -> int:
    return int(round(ms * SR / 1000))


def _ramp(n: int, rising: bool) -> np.ndarray:
    x = np.linspace(0.0, np.pi / 2, n, dtype=np.float32) if n else np.zeros(0, np.float32)
    return np.sin(x) if rising else np.cos(x)


def render(slots: list[Slot], audio: dict[str, np.ndarray], voices: list[VoiceAt],
           voice_audio: dict[int, np.ndarray], total_ms: int) -> np.ndarray:
    out = np.zeros((_ms(total_ms) + 1, 2), dtype=np.float32)
    duck = np.ones(len(out), dtype=np.float32)
    g = np.float32(10 ** (DUCK_DB / 20))
    r = _ms(RAMP_MS)
    for v in voices:
        a, b = _ms(v.start_ms), min(len(out), _ms(v.end_ms))
        duck[a:b] = np.minimum(duck[a:b], g)
        lo = max(0, a - r)
        duck[lo:a] = np.minimum(duck[lo:a], np.linspace(1, g, a - lo, dtype=np.float32))
        hi = min(len(out), b + r)
        duck[b:hi] = np.minimum(duck[b:hi], np.linspace(g, 1, hi - b, dtype=np.float32))
    for s in slots:
        y = audio[s.recording_id].copy()
        fi, fo = _ms(s.fade_in_ms), _ms(s.fade_out_ms)
        if fi:
            y[:fi] *= _ramp(fi, True)[:, None]
        if fo:
            y[-fo:] *= _ramp(fo, False)[:, None]
        a = _ms(s.start_ms)
        b = min(len(out), a + len(y))
        out[a:b] += y[:b - a] * duck[a:b, None]
    for v in voices:
        y = voice_audio[v.index]
        a = _ms(v.start_ms)
        b = min(len(out), a + len(y))
        out[a:b] += y[:b - a] * np.float32(0.9)
    return out


def loudness(y: np.ndarray, rate: int = SR) -> float:
    """Integrated loudness (ITU-R BS.1770-4, LUFS) of stereo audio: pyloudnorm's K-weighting
    filters (as one second-order-section cascade), 400 ms blocks every 100 ms summed from
    100 ms chunks, both gates vectorised. pyloudnorm itself loops over blocks in Python (tens
    of seconds for a long set); the numbers agree (tested)."""
    import pyloudnorm as pyln
    from scipy.signal import sosfilt, tf2sos

    sos = np.vstack([tf2sos(st.b, st.a) for st in pyln.Meter(rate)._filters.values()]
                    ).astype(np.float32)  # float32 all through: half the work, same LUFS
    hop = int(round(0.1 * rate))
    n_chunks = y.shape[0] // hop
    n_blocks = n_chunks - 3
    if n_blocks < 1:
        return float("-inf")
    chunk = np.zeros((n_chunks, y.shape[1]))
    for ch in range(y.shape[1]):
        x = sosfilt(sos, np.ascontiguousarray(y[:, ch], dtype=np.float32))
        xr = x[:n_chunks * hop].reshape(n_chunks, hop)
        chunk[:, ch] = np.einsum("ij,ij->i", xr, xr, dtype=np.float64)
    z = (chunk[:-3] + chunk[1:-2] + chunk[2:-1] + chunk[3:]) / (4 * hop)  # (blocks, channels)
    power = z.sum(axis=1)
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(power)
    gated = lk >= -70.0
    if not gated.any():
        return float("-inf")
    rel = -0.691 + 10 * np.log10(z[gated].mean(axis=0).sum()) - 10.0
    keep = gated & (lk > rel)
    if not keep.any():
        return float("-inf")
    return float(-0.691 + 10 * np.log10(z[keep].mean(axis=0).sum()))


def normalise(y: np.ndarray, target: float = TARGET_LUFS) -> tuple[np.ndarray, float]:
    """Gain to the target integrated loudness, then a soft limiter above the ceiling.
    Returns (audio, measured loudness after)."""
    before = loudness(y)
    if np.isfinite(before):
        y = y * np.float32(10 ** ((target - before) / 20))
    over = np.abs(y) > CEILING
    if not over.any():  # a pure gain: the loudness moves by exactly the gain
        return y, float(target if np.isfinite(before) else before)
    head = 1.0 - CEILING
    y[over] = np.sign(y[over]) * (CEILING + head * np.tanh((np.abs(y[over]) - CEILING) / head))
    after = loudness(y)
    return y, float(after)


def write_flac(y: np.ndarray, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp.flac")
    sf.write(str(tmp), y, SR, format="FLAC", subtype="PCM_16")
    os.replace(tmp, path)


def write_mp3(y: np.ndarray, path: Path):
    """Start the MP3 encode (LAME 192 kb/s, algorithm quality 7 as creation's MP3s: about 40%
    less CPU than LAME's default 3, the longest step of a 20-minute set) of the 16-bit samples
    in the background, fed from memory by a thread, so it runs on the other core while the FLAC
    is written and signed. The caller waits with finish_mp3."""
    import threading

    exe = shutil.which("ffmpeg")
    if exe is None:
        raise AccordError("ffmpeg is not installed (apt-get install ffmpeg)")
    tmp = path.with_name(path.name + ".tmp.mp3")
    proc = subprocess.Popen([exe, "-hide_banner", "-loglevel", "error", "-y", "-f", "s16le",
                             "-ar", str(SR), "-ac", "2", "-i", "-", "-codec:a", "libmp3lame",
                             "-b:a", "192k", "-compression_level", "7", str(tmp)],
                            stdin=subprocess.PIPE)
    pcm = (np.clip(y, -1.0, 1.0) * 32767).astype("<i2").tobytes()

    def feed() -> None:
        try:
            proc.stdin.write(pcm)
        finally:
            proc.stdin.close()

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return proc, thread


def finish_mp3(job, path: Path) -> None:
    proc, thread = job
    thread.join(timeout=600)
    if proc.wait(timeout=600) != 0:
        raise AccordError(f"ffmpeg could not encode {path.name}")
    os.replace(path.with_name(path.name + ".tmp.mp3"), path)
