"""Spectral peaks: the points every fingerprint here is built from.

Audio is mixed to mono, resampled to 8 kHz and cut into a magnitude spectrogram (1024-sample
window, 128-sample hop: 62.5 frames a second, 7.8 Hz a bin) on a *linear* frequency axis, so a
pitch shift or a speed change multiplies every frequency by one factor and a tempo or speed change
multiplies every time by one factor: the quads built on these points (quads.py) are invariant to
both. A peak is a local maximum of the log-magnitude in a time-frequency neighbourhood that
stands out from its frame's median *and* from its own frequency bin's noise floor (a running low
percentile over a few seconds: white noise or hiss raises the floor, so its peaks in rests and
between notes do not pass, while the music's peaks do) *and* lies at most LOCAL_DB below the
band's local power (a weak harmonic that white noise at 10 dB SNR would bury is not used on
either side, so the reference's quads are built from peaks a noisy copy still has: on the
rendered validation excerpts 86% of a clean excerpt's peaks are found in its noisy version
instead of 73%, bench/RESULTS.md 2026-12-03 16:14); the loudest peaks per second are kept, so
the density does not depend on loudness. Ranking by level rather than by prominence over the
frame's median keeps the same peaks when noise is added: noise lifts the median of a quiet frame
and reorders prominences, not levels (bench/RESULTS.md, 2026-12-03 14:00). Frequencies are
refined by parabolic interpolation (sub-bin), which keeps frequency ratios precise under pitch
shift. Quads are built from the PEAKS_PER_S loudest a second; a reference stores up to
VERIFY_PEAKS_PER_S a second for verification (verify.py), so a query peak promoted by a
distortion (a band-pass removes louder ones) still finds its reference peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

from accord.trust.samples import mono

RATE = 8000  # analysis sample rate (Hz)
N_FFT = 1024
HOP = 128
FRAMES_PER_S = RATE / HOP  # 62.5
BIN_HZ = RATE / N_FFT  # 7.8125
F_MIN_BIN = 13  # ~100 Hz
F_MAX_BIN = 486  # ~3.8 kHz
NEIGHBOURHOOD = (19, 13)  # (frequency bins, frames): a peak is the maximum of this box
MIN_PROMINENCE_DB = 6.0  # above the frame's median log-magnitude
PEAKS_PER_S = 18  # density cap: the loudest peaks in each one-second block (quads, queries)
VERIFY_PEAKS_PER_S = 27  # a reference's peaks stored for verification
FLOOR_DB = 15.0  # a peak stands this far above its bin's noise floor ...
FLOOR_PERCENTILE = 20.0  # ... the running 20th percentile of the bin's block means
FLOOR_BLOCK = 8  # frames (0.128 s) a block
FLOOR_WINDOW = 40  # blocks (5.1 s) in the running percentile
LOCAL_DB = 25.0  # a peak is at most this far below the band's local power ...
LOCAL_WINDOW = 63  # ... the mean power of the 100 Hz-3.8 kHz band over 63 frames (1 s)
MAX_DURATION_S = 20 * 60  # refuse longer audio before the spectrogram is computed
MIN_DURATION_S = 1.0


@dataclass(frozen=True)
class Peaks:
    """Spectral peaks sorted by time: frame, frequency in (fractional) bins, strength in dB."""

    t: np.ndarray  # int32 frames
    f: np.ndarray  # float32 bins (sub-bin precision)
    strength: np.ndarray  # float32 dB above the frame median (quads choose partners by it)
    level: np.ndarray | None = None  # float32 dB (the density cap ranks by it)

    def __len__(self) -> int:
        return int(self.t.shape[0])


def to_analysis_rate(samples: np.ndarray, sr: int) -> np.ndarray:
    """Mono float32 at RATE; refuses empty, non-finite, too short or too long audio."""
    x = mono(samples, sr, min_sr=4000, min_s=MIN_DURATION_S, max_s=MAX_DURATION_S)
    sr = int(sr)
    if sr != RATE:
        g = np.gcd(sr, RATE)
        x = signal.resample_poly(x, RATE // g, sr // g)
    return x.astype(np.float32)


def spectrogram_db(x: np.ndarray) -> np.ndarray:
    """Log-magnitude spectrogram (bins x frames) of mono RATE audio."""
    if x.shape[0] < N_FFT:
        x = np.pad(x, (0, N_FFT - x.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP]
    spec = np.abs(np.fft.rfft(frames * np.hanning(N_FFT).astype(np.float32), axis=1))
    return (20.0 * np.log10(spec.T + 1e-6)).astype(np.float32)


def bin_floor(band: np.ndarray) -> np.ndarray:
    """Each bin's local noise floor (bins x frames, dB): the FLOOR_PERCENTILE of the bin's
    block means (FLOOR_BLOCK frames each) over a running window of FLOOR_WINDOW blocks, held
    over each block. Blocks keep it cheap and smooth the floor of a noisy bin."""
    n = band.shape[1]
    nb = -(-n // FLOOR_BLOCK)
    padded = np.pad(band, ((0, 0), (0, nb * FLOOR_BLOCK - n)), mode="edge")
    blocks = padded.reshape(band.shape[0], nb, FLOOR_BLOCK).mean(axis=2)
    floor = ndimage.percentile_filter(blocks, FLOOR_PERCENTILE, size=(1, FLOOR_WINDOW),
                                      mode="nearest")
    return np.repeat(floor, FLOOR_BLOCK, axis=1)[:, :n]


def local_power(band: np.ndarray) -> np.ndarray:
    """The band's power (dB, the scale of a bin's level) in each frame, averaged over a running
    window of LOCAL_WINDOW frames. A sinusoid's peak bin is ~1.8 dB below the power of a frame
    holding only it; white noise at 10 dB SNR lies ~40 dB below the signal's power per bin, so
    a peak within LOCAL_DB of the local power is one the noise cannot bury."""
    power = (10.0 ** (band.astype(np.float64) / 10.0)).sum(axis=0)
    mean = ndimage.uniform_filter1d(power, size=LOCAL_WINDOW, mode="nearest")
    return (10.0 * np.log10(mean + 1e-12)).astype(np.float32)


def _cap(ti: np.ndarray, level: np.ndarray, per_s: int) -> np.ndarray:
    """Indices of the `per_s` loudest peaks of each one-second block."""
    block = (ti // int(FRAMES_PER_S)).astype(np.int64)
    order = np.lexsort((-level, block))
    block = block[order]
    first = np.searchsorted(block, block, side="left")
    return order[(np.arange(block.shape[0]) - first) < per_s]


def extract(samples: np.ndarray, sr: int, per_s: int = PEAKS_PER_S) -> Peaks:
    """The spectral peaks of a clip, at most `per_s` a second (see the module docstring)."""
    s = spectrogram_db(to_analysis_rate(samples, sr))
    band = s[F_MIN_BIN:F_MAX_BIN + 1]
    local_max = ndimage.maximum_filter(band, size=NEIGHBOURHOOD, mode="constant", cval=-np.inf)
    floor = np.median(band, axis=0, keepdims=True)
    prominence = band - floor
    is_peak = ((band == local_max) & (prominence >= MIN_PROMINENCE_DB) & (band > -60.0)
               & (band - bin_floor(band) >= FLOOR_DB)
               & (band >= local_power(band)[None, :] - LOCAL_DB))
    fi, ti = np.nonzero(is_peak)
    keep = _cap(ti, band[fi, ti], per_s)
    fi, ti = fi[keep], ti[keep]
    strength, level = prominence[fi, ti], band[fi, ti]
    # parabolic interpolation of the frequency (the three bins around the maximum)
    fb = fi + F_MIN_BIN
    lo = s[np.maximum(fb - 1, 0), ti]
    mid = s[fb, ti]
    hi = s[np.minimum(fb + 1, s.shape[0] - 1), ti]
    denom = lo - 2 * mid + hi
    delta = np.where(np.abs(denom) > 1e-9, 0.5 * (lo - hi) / np.where(denom == 0, 1, denom), 0.0)
    f = fb + np.clip(delta, -0.5, 0.5)
    order = np.lexsort((f, ti))
    return Peaks(t=ti[order].astype(np.int32), f=f[order].astype(np.float32),
                 strength=strength[order].astype(np.float32),
                 level=level[order].astype(np.float32))


def loudest(p: Peaks, per_s: int) -> Peaks:
    """The `per_s` loudest of each one-second block (what `extract` with that cap keeps)."""
    rank = p.level if p.level is not None else p.strength
    keep = np.sort(_cap(p.t, rank, per_s))
    return Peaks(t=p.t[keep], f=p.f[keep], strength=p.strength[keep],
                 level=None if p.level is None else p.level[keep])
