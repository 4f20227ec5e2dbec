"""AI-artefact signal: periodic spectral peaks left by transposed-convolution upsampling.

The rule implemented (after Afchar, Meseguer-Brocal, Akesbi & Hennequin, "A Fourier explanation
of AI-music artifacts", arXiv 2506.19108, 2025): a transposed convolution with stride k is a
zero-insertion upsampling by k followed by a convolution. Zero insertion copies the input
spectrum k times along the output's frequency axis, so whatever the weights learn, the output
carries small, sharp peaks on a comb of frequencies spaced by (output rate)/k, and a decoder that
stacks such layers leaves combs spaced by sr/N for the cumulative strides N. Natural recordings,
and music rendered by synthesisers, have harmonic peaks too, but not on a comb locked to the
sample rate that runs up to the Nyquist frequency.

The detector: the long-term average spectrum (Welch, ~5 Hz bins) in dB, minus its running median
(so only narrow peaks remain); for every candidate spacing F = base/N (base: the file's own rate
and common model rates, N = 2, 3, ..., while F spans at least 8 bins), the residual at each comb
tooth k*F is compared with the residual halfway between teeth, and a median statistic over
the teeth measures how consistently the comb stands out (see comb_statistics). The largest over
all spacings is the statistic; a logistic curve fitted in bench/trust.py on decoders of some
shapes, and evaluated on decoders of other shapes, maps it to a score in [0, 1].

Evidence, not proof: a decoder without transposed convolutions (nearest or linear upsampling
followed by convolution, diffusion in a spectrogram domain with a vocoder that avoids the
artefact), low-pass filtering, re-sampling to an unusual rate or added noise can hide the comb,
and a synthetic or heavily processed human recording can show one. docs/trust-fingerprints.md
states the measured rates and these limits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

from accord.trust.samples import mono

MAX_ANALYSED_S = 120.0  # only the first two minutes are analysed
MIN_DURATION_S = 2.0
MIN_BINS_PER_TOOTH = 8
F_LOW = 500.0  # teeth below this are ignored (dense musical harmonics)
BASE_RATES = (16000, 22050, 24000, 32000, 44100, 48000)
MEDIAN_BINS = 31
# logistic calibration of log(statistic): score = 1 / (1 + exp(-(A * log(t) + B))).
# Fitted by bench/trust.py on the calibration decoder shapes (2026-12-02; bench/RESULTS.md):
# 0.5 at a statistic of 5.4. On held-out shapes: ROC AUC 0.92, 16% caught at 1% false positives.
CALIBRATION = (4.5322, -7.6627)


@dataclass(frozen=True)
class ArtefactFinding:
    """The AI-artefact evidence for one clip. score: calibrated probability-like value in [0, 1]
    (on the bench's decoders; not a probability of AI origin in the wild)."""

    score: float
    statistic: float  # the largest comb statistic (z-like; see comb_statistics)
    spacing_hz: float  # the comb spacing that produced it
    base_rate: int  # the sample rate the spacing divides
    upsampling: int  # N: spacing = base_rate / N
    peak_frequencies_hz: tuple[float, ...]  # the comb's strongest teeth (up to 8)
    teeth: int  # teeth compared
    note: str = "evidence, not proof: periodic spectral peaks consistent with upsampling layers"

    def to_json(self) -> dict:
        return {"score": round(self.score, 4), "statistic": round(self.statistic, 3),
                "spacing_hz": round(self.spacing_hz, 3), "base_rate": self.base_rate,
                "upsampling": self.upsampling,
                "peak_frequencies_hz": [round(f, 1) for f in self.peak_frequencies_hz],
                "teeth": self.teeth, "note": self.note}


def _mono(samples: np.ndarray, sr: int) -> np.ndarray:
    return mono(samples, sr, min_sr=8000, min_s=MIN_DURATION_S)[: int(MAX_ANALYSED_S * sr)]


def residual_spectrum(samples: np.ndarray, sr: int) -> tuple[np.ndarray, float]:
    """(dB spectrum minus its running median, bin width in Hz)."""
    x = _mono(samples, sr)
    nper = int(2 ** np.round(np.log2(sr / 5.0)))
    _, psd = signal.welch(x, fs=sr, nperseg=nper, noverlap=nper // 2, window="hann")
    db = 10.0 * np.log10(psd + 1e-20)
    return db - ndimage.median_filter(db, size=MEDIAN_BINS, mode="nearest"), sr / nper


def _spacings(sr: int, bin_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    spac, base, up = [], [], []
    nyq = sr / 2
    for b in BASE_RATES + (int(sr),):
        n = np.arange(2, int(b / (MIN_BINS_PER_TOOTH * bin_hz)) + 1)
        f = b / n
        keep = (f <= nyq) & (f >= MIN_BINS_PER_TOOTH * bin_hz)
        spac.append(f[keep])
        base.append(np.full(keep.sum(), b))
        up.append(n[keep])
    s, b, u = np.concatenate(spac), np.concatenate(base), np.concatenate(up)
    _, first = np.unique(np.round(s, 3), return_index=True)
    return s[first], b[first], u[first]


def comb_statistics(resid: np.ndarray, bin_hz: float, sr: int):
    """Median-tooth z statistic of every candidate comb: (z, spacing, base, N, teeth count).

    d_k = residual at tooth k minus residual halfway to the next tooth, in units of the
    residual's robust spread; a comb's statistic is the median d_k scaled to a standard normal
    under the null (median of n normals: sd 1.2533 / sqrt(n)). The median asks *most* teeth to
    stand out, so a few loud musical harmonics or a fine comb brushing past a few real peaks do
    not make a comb."""
    spacing, base, up = _spacings(sr, bin_hz)
    nyq = sr / 2
    top = resid.shape[0] - 1
    # peak of the residual within +-1 bin of a fractional position
    local = ndimage.maximum_filter1d(resid, size=3, mode="nearest")
    band = local[int(F_LOW / bin_hz):int(0.985 * nyq / bin_hz)]
    spread = max(1.4826 * float(np.median(np.abs(band - np.median(band)))) * np.sqrt(2), 1e-3)
    z_out = np.full(spacing.shape[0], -np.inf)
    teeth = np.zeros(spacing.shape[0], dtype=np.int64)
    for i, f in enumerate(spacing):
        k = np.arange(1, int(nyq / f) + 1)
        tooth = k * f
        tooth = tooth[(tooth >= F_LOW) & (tooth <= 0.985 * nyq)]
        if tooth.shape[0] < 3:
            continue
        on = local[np.clip(np.round(tooth / bin_hz).astype(np.int64), 0, top)]
        off = local[np.clip(np.round((tooth - f / 2) / bin_hz).astype(np.int64), 0, top)]
        d = (on - off) / spread
        z_out[i] = float(np.median(d)) * np.sqrt(d.shape[0]) / 1.2533
        teeth[i] = d.shape[0]
    return z_out, spacing, base, up, teeth


def artefact_score(samples: np.ndarray, sr: int) -> ArtefactFinding:
    """The AI-artefact finding for a clip (see the module docstring)."""
    resid, bin_hz = residual_spectrum(samples, sr)
    t, spacing, base, up, teeth = comb_statistics(resid, bin_hz, int(sr))
    i = int(np.argmax(t))
    stat = float(max(t[i], 1e-3))
    a, b = CALIBRATION
    score = float(1.0 / (1.0 + np.exp(-(a * np.log(stat) + b))))
    f = float(spacing[i])
    k = np.arange(1, int(sr / 2 / f) + 1) * f
    k = k[(k >= F_LOW) & (k <= 0.985 * sr / 2)]
    height = resid[np.clip(np.round(k / bin_hz).astype(np.int64), 0, resid.shape[0] - 1)]
    strongest = tuple(float(v) for v in np.sort(k[np.argsort(-height)[:8]]))
    return ArtefactFinding(score=score, statistic=stat, spacing_hz=f, base_rate=int(base[i]),
                           upsampling=int(up[i]), peak_frequencies_hz=strongest,
                           teeth=int(teeth[i]))
