"""Spectral peaks: the points every fingerprint here is built from.

Audio is mixed to mono, resampled to 8 kHz and cut into a magnitude spectrogram (1024-sample
window, 128-sample hop: 62.5 frames a second, 7.8 Hz a bin) on a *linear* frequency axis, so a
pitch shift or a speed change multiplies every frequency by one factor and a tempo or speed change
multiplies every time by one factor: the quads built on these points (quads.py) are invariant to
both. A peak is a local maximum of the log-magnitude in a time-frequency neighbourhood that
stands out from its frame's median; the strongest peaks per second are kept, so the density does
not depend on loudness. Frequencies are refined by parabolic interpolation (sub-bin), which keeps
frequency ratios precise under pitch shift.
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
PEAKS_PER_S = 18  # density cap: the strongest peaks in each one-second block
MAX_DURATION_S = 20 * 60  # refuse longer audio before the spectrogram is computed
MIN_DURATION_S = 1.0


@dataclass(frozen=True)
class Peaks:
    """Spectral peaks sorted by time: frame, frequency in (fractional) bins, strength in dB."""

    t: np.ndarray  # int32 frames
    f: np.ndarray  # float32 bins (sub-bin precision)
    strength: np.ndarray  # float32 dB above the frame median

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


def extract(samples: np.ndarray, sr: int) -> Peaks:
    """The spectral peaks of a clip (see the module docstring)."""
    s = spectrogram_db(to_analysis_rate(samples, sr))
    band = s[F_MIN_BIN:F_MAX_BIN + 1]
    local_max = ndimage.maximum_filter(band, size=NEIGHBOURHOOD, mode="constant", cval=-np.inf)
    floor = np.median(band, axis=0, keepdims=True)
    prominence = band - floor
    is_peak = (band == local_max) & (prominence >= MIN_PROMINENCE_DB) & (band > -60.0)
    fi, ti = np.nonzero(is_peak)
    strength = prominence[fi, ti]
    # density cap: the strongest PEAKS_PER_S in every one-second block
    block = (ti // int(FRAMES_PER_S)).astype(np.int64)
    order = np.lexsort((-strength, block))
    fi, ti, strength, block = fi[order], ti[order], strength[order], block[order]
    first = np.searchsorted(block, block, side="left")
    keep = (np.arange(block.shape[0]) - first) < PEAKS_PER_S
    fi, ti, strength = fi[keep], ti[keep], strength[keep]
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
                 strength=strength[order].astype(np.float32))
