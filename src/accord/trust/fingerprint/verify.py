"""Verification of a match hypothesis by its spectral peaks (after the verification stage of
Sonnleitner & Widmer, "Robust quad-based audio fingerprinting", IEEE/ACM TASLP 2016; written
from the paper, no code from its implementation).

The quad vote (match.py) proposes, per candidate track, one transformation of the query into
the reference: a time offset, a time scale g and a pitch ratio. Quad votes alone are a weak
test on sparse audio (a one-line tune yields few quads, and two tunes in one key and metre share
some by chance). Verification asks a different, denser question of the same hypothesis: map
*every* spectral peak of the query into the reference's coordinates,

    t_ref = offset + g * t_query,    f_ref = f_query / pitch,

and count the peaks that land inside a small tolerance rectangle (+-TIME_TOL frames,
+-(FREQ_TOL_BINS + FREQ_TOL_REL * f) bins) around a stored peak of the reference. The share of
the query's peaks that do (of those that map inside the reference's span and band) is the
match's score: about 0.9 for an unaltered excerpt, lower under distortion (a pitch shift or a
time stretch keeps 75-86% of the peaks), low for a wrong hypothesis, whose peaks land at random.
A match is accepted by index.accepted (a vote count and a share, in two tiers), chosen on
validation pieces by bench/trust.py. Pure functions over arrays: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accord.trust.fingerprint.peaks import F_MAX_BIN, F_MIN_BIN, FRAMES_PER_S

TIME_TOL = 3  # frames (48 ms) either side
FREQ_TOL_BINS = 1.0  # bins either side (7.8 Hz) ...
FREQ_TOL_REL = 0.01  # ... plus 1% of the frequency (the pitch ratio's own error)
MIN_COUNTED = 20  # fewer query peaks inside the reference's span: no verdict (score 0)
WINDOW_S = 3.0  # the windows of the query over which `weakest` is taken (chosen on validation
# pieces among 3, 4 and 6 s by bench/trust_overlap.py) ...
MIN_WINDOW_COUNTED = 10  # ... each with at least this many counted peaks


@dataclass(frozen=True)
class Verification:
    """What verification found for one hypothesis.

    aligned / counted: query peaks that land on a reference peak / that map inside the
    reference's span and band (the score is their ratio). query_peaks: all the query's peaks, so
    `coverage` = counted / query_peaks is the share of the query the hypothesis places inside the
    reference (a query that only partly overlaps a recording has a low coverage). weakest: the
    lowest verified share over the query's WINDOW_S (3 s) windows with at least MIN_WINDOW_COUNTED
    counted peaks (the overall share when fewer than two windows qualify): a copy verifies
    everywhere, a different tune that shares one phrase with the reference only in that phrase."""

    aligned: int
    counted: int
    query_peaks: int
    weakest: float

    @property
    def coverage(self) -> float:
        return self.counted / self.query_peaks if self.query_peaks else 0.0


def check(q_t: np.ndarray, q_f: np.ndarray, r_t: np.ndarray, r_f: np.ndarray,
          offset: float, g: float, pitch: float, *, window_s: float = WINDOW_S) -> Verification:
    """Verify the hypothesis (offset, g, pitch). q_t, q_f: the query's peaks (frames, bins);
    r_t, r_f: the reference's, sorted by time."""
    total = int(q_t.shape[0])
    if total == 0 or r_t.shape[0] == 0:
        return Verification(0, 0, total, 0.0)
    qt = q_t.astype(np.float64)
    tt = offset + g * qt
    ff = q_f.astype(np.float64) / pitch
    inside = ((tt >= r_t[0] - TIME_TOL) & (tt <= r_t[-1] + TIME_TOL)
              & (ff >= F_MIN_BIN) & (ff <= F_MAX_BIN))
    tt, ff, qt = tt[inside], ff[inside], qt[inside]
    counted = int(tt.shape[0])
    if counted == 0:
        return Verification(0, 0, total, 0.0)
    rt = np.asarray(r_t, dtype=np.float64)
    lo = np.searchsorted(rt, tt - TIME_TOL, side="left")
    hi = np.searchsorted(rt, tt + TIME_TOL, side="right")
    span = int((hi - lo).max())
    if span == 0:
        return Verification(0, counted, total, 0.0)
    idx = lo[:, None] + np.arange(span)[None, :]
    valid = idx < hi[:, None]
    idx = np.where(valid, idx, 0)
    tol = FREQ_TOL_BINS + FREQ_TOL_REL * ff
    hit = (valid & (np.abs(np.asarray(r_f, dtype=np.float64)[idx] - ff[:, None])
                    <= tol[:, None])).any(axis=1)
    n_ok = int(hit.sum())
    return Verification(n_ok, counted, total, _weakest(qt, hit, n_ok / counted, window_s))


def _weakest(qt: np.ndarray, hit: np.ndarray, overall: float, window_s: float) -> float:
    """The lowest verified share over consecutive windows of the query (see Verification)."""
    w = np.floor((qt - qt.min()) / (window_s * FRAMES_PER_S)).astype(np.int64)
    n = np.bincount(w)
    k = np.bincount(w, weights=hit.astype(np.float64))
    ok = n >= MIN_WINDOW_COUNTED
    if ok.sum() < 2:
        return overall
    return float((k[ok] / n[ok]).min())


def score(n_aligned: int, counted: int) -> float:
    """The verified share; 0 when too few peaks were counted to judge."""
    return n_aligned / counted if counted >= MIN_COUNTED else 0.0
