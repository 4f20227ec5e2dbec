"""AI-artefact signal: periodic spectral peaks left by transposed-convolution upsampling.

The rule implemented (after Afchar, Meseguer-Brocal, Akesbi & Hennequin, "A Fourier explanation
of AI-music artifacts", arXiv 2506.19108, 2025): a transposed convolution with stride k is a
zero-insertion upsampling by k followed by a convolution. Zero insertion copies the input
spectrum k times along the output's frequency axis, so whatever the weights learn, the output
carries small, sharp peaks on a comb of frequencies spaced by (output rate)/k, and a decoder that
stacks such layers leaves combs spaced by sr/N for the cumulative strides N. Natural recordings,
and music rendered by synthesisers, have harmonic peaks too, but not on a comb locked to the
sample rate that runs up to the Nyquist frequency.

The detector: the long-term average spectrum (Welch over the whole clip, fine bins of ~BIN_HZ)
in dB, minus its local floor (a running median over FLOOR_HZ), so only narrow peaks remain; for
every candidate spacing F = base/N (base: the file's own rate and common model rates; N a
product of the stride factors 2, 3 and 5, as decoders stack strides such as 2, 4, 5, 8; F at
least 8 bins and MIN_SPACING_HZ wide, finer combs being rhythm's), the residual at each comb
tooth k*F is compared with the strongest residual at fractions (1/2, 1/3, ..., 5/6) of the way
to the previous tooth, and a median statistic over the teeth measures how consistently the comb
stands out (see comb_statistics). The largest over all spacings is the statistic; a logistic
curve fitted in bench/trust.py on decoders of some shapes and on some tracks (the validation
set, which also chose BIN_HZ), and evaluated on decoders of other shapes and other tracks, maps
it to a score in [0, 1].

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

from accord.errors import InvalidInput
from accord.trust.samples import mono

MAX_ANALYSED_S = 120.0  # only the first two minutes are analysed
MIN_DURATION_S = 2.0
MIN_BINS_PER_TOOTH = 8
# combs finer than this are not considered: rhythm makes them (notes on a strict grid repeat the
# spectrum's fine structure at the grid rate, under ~16 Hz), while a decoder's cumulative
# upsampling (hops of 64-2048 samples) leaves combs of sr/N well above it
MIN_SPACING_HZ = 20.0
# a tooth is compared with the strongest of these points between it and the previous tooth
# (fractions of the spacing): notes on a sample-exact grid of rate r put lines every r Hz, and a
# comb of spacing F = m * r would collect them; for m <= 6 one of these points is on such a line
OFF_FRACTIONS = (1 / 2, 1 / 3, 2 / 3, 1 / 4, 3 / 4, 1 / 5, 2 / 5, 3 / 5, 4 / 5, 1 / 6, 5 / 6)
F_LOW = 500.0  # teeth below this are ignored (dense musical harmonics)
BASE_RATES = (16000, 22050, 24000, 32000, 44100, 48000)
STRIDE_FACTORS = (2, 3, 5)  # cumulative upsampling N = 2^a 3^b 5^c: the strides decoders use
# Welch bin width (Hz; the nearest power-of-two segment) and the running median's width (Hz)
# that gives the local spectral floor. BIN_HZ is chosen by bench/trust.py among RESOLUTIONS_HZ
# on the *validation* decoders and tracks; the held-out shapes and tracks take no part in it.
RESOLUTIONS_HZ = (5.0, 2.5, 1.25, 0.625, 0.3125)
BIN_HZ = 0.3125
FLOOR_HZ = 150.0
# logistic calibration of log(statistic): score = 1 / (1 + exp(-(A * log(t) + B))), fitted by
# bench/trust.py on the validation decoders and tracks at BIN_HZ (bench/RESULTS.md, "Trust").
CALIBRATION = (2.3669, 0.4171)


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


def residual_spectrum(samples: np.ndarray, sr: int,
                      bin_hz: float = BIN_HZ) -> tuple[np.ndarray, float]:
    """(long-term average spectrum in dB minus its local floor, bin width in Hz).

    Welch over the whole (first MAX_ANALYSED_S of the) clip with ~bin_hz bins and half-overlapping
    Hann segments (a clip shorter than one segment is analysed as one zero-padded segment); the
    floor is the running median over FLOOR_HZ, so only narrow peaks remain."""
    if not bin_hz > 0:
        raise InvalidInput(f"artefact: bin width must be positive, got {bin_hz!r}")
    x = _mono(samples, sr)
    nper = int(2 ** np.round(np.log2(sr / bin_hz)))
    if x.shape[0] < nper:
        x = np.pad(x, (0, nper - x.shape[0]))
    _, psd = signal.welch(x, fs=sr, nperseg=nper, noverlap=nper // 2, window="hann")
    db = 10.0 * np.log10(psd + 1e-20)
    width = sr / nper
    size = int(FLOOR_HZ / width) | 1
    return db - ndimage.median_filter(db, size=size, mode="nearest"), width


def _smooth(limit: int) -> np.ndarray:
    """The numbers 2..limit whose prime factors are all in STRIDE_FACTORS."""
    out = {1}
    for p in STRIDE_FACTORS:
        more = set()
        for v in out:
            while v * p <= limit:
                v *= p
                more.add(v)
        out |= more
    return np.array(sorted(out - {1}), dtype=np.int64)


def _spacings(sr: int, bin_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    spac, base, up = [], [], []
    nyq = sr / 2
    for b in BASE_RATES + (int(sr),):
        finest = max(MIN_BINS_PER_TOOTH * bin_hz, MIN_SPACING_HZ)
        n = _smooth(int(b / finest))
        f = b / n
        keep = (f <= nyq) & (f >= finest)
        spac.append(f[keep])
        base.append(np.full(keep.sum(), b))
        up.append(n[keep])
    s, b, u = np.concatenate(spac), np.concatenate(base), np.concatenate(up)
    _, first = np.unique(np.round(s, 3), return_index=True)
    return s[first], b[first], u[first]


def comb_statistics(resid: np.ndarray, bin_hz: float, sr: int):
    """Median-tooth z statistic of every candidate comb: (z, spacing, base, N, teeth count).

    Candidate spacings are base/N for N a product of the stride factors 2, 3 and 5 (the comb of
    a decoder's cumulative upsampling). d_k = residual at tooth k minus the strongest residual at
    OFF_FRACTIONS of the way back to the previous tooth, in units of the residual's robust
    spread; a comb's statistic is the median d_k, times sqrt(n) / 1.2533 (the scale of a median
    of n normals; under the null the maximum over the off points biases it below zero). The
    median asks *most* teeth to stand out, so a few loud musical harmonics or a fine comb
    brushing past a few real peaks do not make a comb; the off points make a rhythm's denser
    lines cancel their own teeth."""
    spacing, base, up = _spacings(sr, bin_hz)
    nyq = sr / 2
    top = resid.shape[0] - 1
    # peak of the residual within +-1 bin of a fractional position
    local = ndimage.maximum_filter1d(resid, size=3, mode="nearest")
    band = local[int(F_LOW / bin_hz):int(0.985 * nyq / bin_hz)]
    spread = max(1.4826 * float(np.median(np.abs(band - np.median(band)))) * np.sqrt(2), 1e-3)
    # every comb's teeth at once: tooth j of comb i is k_j * spacing[i], k from 1 to Nyquist
    n_k = (nyq / spacing).astype(np.int64)
    comb = np.repeat(np.arange(spacing.shape[0]), n_k)
    k = np.arange(comb.shape[0]) - np.repeat(np.cumsum(n_k) - n_k, n_k) + 1
    tooth = k * spacing[comb]
    keep = (tooth >= F_LOW) & (tooth <= 0.985 * nyq)
    comb, tooth = comb[keep], tooth[keep]
    on = local[np.clip(np.round(tooth / bin_hz).astype(np.int64), 0, top)]
    # between teeth: the strongest of the points at OFF_FRACTIONS of the way to the previous
    # tooth (a rhythm's lines every F/m, m <= 6, fall on one of them; a decoder leaves none)
    off = np.full(tooth.shape[0], -np.inf)
    for q in OFF_FRACTIONS:
        at = np.round((tooth - q * spacing[comb]) / bin_hz).astype(np.int64)
        off = np.maximum(off, local[np.clip(at, 0, top)])
    d = (on - off) / spread
    # the median of each comb's d: teeth are grouped by comb in increasing order, so one sort of
    # comb * 4096 + d (d clipped to +-1000, far beyond any median) sorts within the groups
    d = np.sort(comb * 4096.0 + np.clip(d, -1000.0, 1000.0)) - comb * 4096.0
    count = np.bincount(comb, minlength=spacing.shape[0])
    start = np.cumsum(count) - count
    ok = count >= 3
    mid_lo = d[np.where(ok, start + (count - 1) // 2, 0)]
    mid_hi = d[np.where(ok, start + count // 2, 0)]
    z_out = np.where(ok, (mid_lo + mid_hi) / 2 * np.sqrt(np.maximum(count, 1)) / 1.2533, -np.inf)
    teeth = np.where(ok, count, 0).astype(np.int64)
    return z_out, spacing, base, up, teeth


def statistic(samples: np.ndarray, sr: int, bin_hz: float = BIN_HZ) -> float:
    """The largest comb statistic at a given resolution (what the bench compares)."""
    resid, width = residual_spectrum(samples, sr, bin_hz)
    return float(max(np.max(comb_statistics(resid, width, int(sr))[0]), 1e-3))


def calibrated(stat: float, calibration: tuple[float, float] = CALIBRATION) -> float:
    a, b = calibration
    return float(1.0 / (1.0 + np.exp(-(a * np.log(max(stat, 1e-3)) + b))))


def artefact_score(samples: np.ndarray, sr: int) -> ArtefactFinding:
    """The AI-artefact finding for a clip (see the module docstring)."""
    resid, bin_hz = residual_spectrum(samples, sr)
    t, spacing, base, up, teeth = comb_statistics(resid, bin_hz, int(sr))
    i = int(np.argmax(t))
    stat = float(max(t[i], 1e-3))
    f = float(spacing[i])
    k = np.arange(1, int(sr / 2 / f) + 1) * f
    k = k[(k >= F_LOW) & (k <= 0.985 * sr / 2)]
    height = resid[np.clip(np.round(k / bin_hz).astype(np.int64), 0, resid.shape[0] - 1)]
    strongest = tuple(float(v) for v in np.sort(k[np.argsort(-height)[:8]]))
    return ArtefactFinding(score=calibrated(stat), statistic=stat, spacing_hz=f,
                           base_rate=int(base[i]), upsampling=int(up[i]),
                           peak_frequencies_hz=strongest, teeth=int(teeth[i]))
