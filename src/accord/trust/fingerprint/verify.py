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
Before it is verified, the vote's line is re-fitted to the peaks (`refine`: a few quads give
a time scale up to ~2% off under noise, which alone halves a true excerpt's share). A match is
accepted by index.accepted (a vote count and a share, in two tiers, with coverage and the
weakest window), chosen on validation pieces by bench/trust.py and bench/trust_overlap.py.
Pure functions over arrays: no I/O.
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
# refine: the time scale is searched within +-REFINE_G_SPAN of the line's in REFINE_G_STEPS
# steps (turning about the query's middle), the offset within +-REFINE_FRAMES frames
REFINE_G_SPAN = 0.02
REFINE_G_STEPS = 21
REFINE_FRAMES = 12


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


def refine(q_t: np.ndarray, q_f: np.ndarray, r_t: np.ndarray, r_f: np.ndarray,
           offset: float, g: float, pitch: float) -> tuple[float, float]:
    """The (offset, g) near the line's that lands the most query peaks on reference peaks.

    The vote fits its line through a handful of quads whose corners a distortion has moved by a
    frame or two: under noise, with 5-10 votes, the time scale g comes out up to ~2% off, which
    moves the ends of a 15 s query 5-10 frames off their reference peaks, and a true hypothesis
    verifies at 0.3-0.5 instead of 0.8. So the peaks themselves re-fit it. Every (query peak,
    reference peak) pair at the line's pitch (within verification's frequency tolerance) and
    within REFINE_FRAMES (plus the largest shift a change of g makes) of the line votes, for
    each g in the grid, for the offsets that would align it (+-TIME_TOL). The (g, offset)
    aligning the most distinct query peaks wins; ties go to the most within +-1 frame, then to
    the nearest to the line. The grid turns about the query's median peak time, so a change of
    g does not move the line's middle. A local search: it cannot move a hypothesis to another
    passage, and verification's own tolerances are unchanged."""
    if q_t.shape[0] == 0 or r_t.shape[0] == 0:
        return offset, g
    qt = q_t.astype(np.float64)
    mid = float(np.median(qt))
    dq = qt - mid
    deltas = np.linspace(-REFINE_G_SPAN, REFINE_G_SPAN, REFINE_G_STEPS)
    reach = REFINE_FRAMES + REFINE_G_SPAN * g * float(np.abs(dq).max()) + TIME_TOL
    tt = offset + g * qt
    ff = q_f.astype(np.float64) / pitch
    rt = np.asarray(r_t, dtype=np.float64)
    lo = np.searchsorted(rt, tt - reach, side="left")
    n = np.searchsorted(rt, tt + reach, side="right") - lo
    if int(n.sum()) == 0:
        return offset, g
    qi = np.repeat(np.arange(qt.shape[0]), n)
    rj = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
    tol = FREQ_TOL_BINS + FREQ_TOL_REL * ff[qi]
    near = np.abs(np.asarray(r_f, dtype=np.float64)[rj] - ff[qi]) <= tol
    qi, rj = qi[near], rj[near]
    if qi.shape[0] == 0:
        return offset, g
    # the offset change that puts the pair's query peak exactly on its reference peak, per g
    shift = np.rint((rt[rj] - tt[qi])[None, :] - g * deltas[:, None] * dq[qi][None, :])
    shift = shift.astype(np.int64) + REFINE_FRAMES  # as a column of the offset grid
    width = 2 * REFINE_FRAMES + 1

    def aligned(tol: int) -> np.ndarray:
        """(g, offset): distinct query peaks with a pair within +-tol frames."""
        hit = np.zeros((deltas.shape[0], qt.shape[0], width), dtype=bool)
        for k in range(-tol, tol + 1):
            col = shift - k
            d, c = np.nonzero((col >= 0) & (col < width))
            hit[d, qi[c], col[d, c]] = True
        return hit.sum(axis=1)

    # most peaks within verification's tolerance; of equal counts, most within +-1 frame (the
    # middle of a plateau of equal counts), then the nearest to the line's own
    score = aligned(TIME_TOL) * (qt.shape[0] + 1) + aligned(1)
    centre = (REFINE_G_STEPS // 2, REFINE_FRAMES)
    gi, oi = np.nonzero(score == score.max())
    pick = int(np.argmin(np.abs(gi - centre[0]) + np.abs(oi - centre[1])))
    best = (int(gi[pick]), int(oi[pick]))
    d, o = float(deltas[best[0]]), float(best[1] - REFINE_FRAMES)
    g_new = g * (1.0 + d)
    return offset + g * mid - g_new * mid + o, g_new


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
