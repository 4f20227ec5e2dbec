"""From raw hash hits to matches: the consistency checks and the scale-aware offset vote.

A query quad that hits a stored quad under the same key is a *candidate*. It carries its own
estimates of the distortion: the width ratio (time scale), the height ratio and the root-frequency
ratio (frequency scale). A candidate whose estimates are out of range (beyond +-SCALE_LIMIT) or
disagree with each other (a height ratio that is not the root-frequency ratio) is dropped.

The survivors vote per track for the line that maps query time to reference time,
    t_ref = offset + g * t_query      (g = 1 / time_ratio),
over a grid of g from 1/1.12 to 1.12 in ~1% steps and offsets in 8-frame (0.128 s) cells (a
Hough transform; Shazam's offset histogram is the special case g = 1). The cell with most votes
gives the line; its votes must also agree on the pitch ratio (within 2.5% of their median) and
each vote's own width ratio must agree with the line; a least-squares line through them refines
the time ratio, and the distinct query quads left are the matched hashes. The line is a
hypothesis, not yet a match: verify.py tests it against every spectral peak of the query, and
index.py accepts it only when enough of them align. Pure functions over arrays: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALE_LIMIT = 1.2  # candidates implying a larger frequency scale (+-3 semitones) are dropped
TIME_LIMIT = 1.12  # lines with a larger time scale are not voted for (+-12%)
G_GRID = np.exp(np.linspace(np.log(1 / TIME_LIMIT), np.log(TIME_LIMIT), 23))
PITCH_AGREEMENT = 0.025  # a line's votes agree on the pitch ratio within 2.5% of their median
TIME_AGREEMENT = 0.2  # and each vote's own width ratio is within 20% (log) of the line's
OFFSET_CELL = 8  # frames
INLIER_FRAMES = 6  # a vote is an inlier of the winning line within this many frames
MAX_TRACKS_VERIFIED = 15  # tracks with most raw candidates that go on to the Hough vote
LINES_PER_TRACK = 3  # a track's best lines verified (a repeated passage splits the vote)
SEPARATION = 64  # frames (~1 s) between the offsets of one track's lines


@dataclass(frozen=True)
class Match:
    """A catalogue or earlier-upload recording the query was found in.

    score: the verified share (verify.py): of the query's spectral peaks that map inside the
    reference under the match's transformation, the share that land on a reference peak (about
    0.9 for an unaltered excerpt, lower under distortion, low for unrelated audio).
    matched_hashes: the query quads that voted for the transformation. offset_s: the reference
    time at the query's start. time_ratio: query duration / reference duration (0.95 for a 5%
    speed-up). pitch_ratio: query frequency / reference frequency (1.122 for +2 semitones).
    verified_peaks / counted_peaks: the numbers behind the score. coverage: the share of the
    query's peaks that map inside the reference (low when the query only partly overlaps it).
    weakest: the lowest verified share over the query's 3 s windows (verify.Verification)."""

    track_id: str
    score: float
    matched_hashes: int
    offset_s: float
    time_ratio: float
    pitch_ratio: float
    verified_peaks: int = 0
    counted_peaks: int = 0
    coverage: float = 1.0
    weakest: float = 1.0

    def to_json(self) -> dict:
        return {"track_id": self.track_id, "score": round(self.score, 4),
                "matched_hashes": self.matched_hashes, "offset_s": round(self.offset_s, 3),
                "time_ratio": round(self.time_ratio, 4), "pitch_ratio": round(self.pitch_ratio, 4),
                "verified_peaks": self.verified_peaks, "counted_peaks": self.counted_peaks,
                "coverage": round(self.coverage, 4), "weakest": round(self.weakest, 4)}


@dataclass(frozen=True)
class Candidates:
    """Hash hits: one row per (query quad, stored quad) pair under a shared key."""

    owner: np.ndarray  # query quad index
    track: np.ndarray  # internal track number
    q_t: np.ndarray  # query root time (frames)
    r_t: np.ndarray  # reference root time (frames)
    time_scale: np.ndarray  # query width / reference width
    freq_scale: np.ndarray  # query root frequency / reference root frequency


def pitch_in_range(fs: np.ndarray) -> np.ndarray:
    """Mask of root-frequency ratios (query / reference, float32) within +-SCALE_LIMIT: the
    first and cheapest consistency test, run on every candidate."""
    return (fs > np.float32(1 / SCALE_LIMIT)) & (fs < np.float32(SCALE_LIMIT))


def agree(q_width, r_width, q_height, r_height, fs) -> tuple[np.ndarray, np.ndarray]:
    """The other consistency tests, for candidates that passed `pitch_in_range` (`fs`, their
    root-frequency ratios): the mask of those whose time scale is in range and whose height
    ratio agrees with `fs`, and the time scales (query width / reference width)."""
    lo, hi = np.float32(1 / SCALE_LIMIT), np.float32(SCALE_LIMIT)
    hs = q_height / r_height
    # a height is the difference of two sub-bin frequencies (+-0.3 bin each): the tolerance on
    # the ratio widens for short heights
    tol = np.float32(0.06) + np.float32(0.8) / np.maximum(np.abs(r_height), 1.0)
    ts = q_width / np.maximum(r_width, 1.0)
    ok = ((ts > lo / 1.1) & (ts < hi * 1.1) & (hs > 0)
          & (np.abs(hs / fs - 1) < tol))
    return ok, ts


def best_lines(c: Candidates, k: int = LINES_PER_TRACK
               ) -> list[tuple[int, float, float, float, np.ndarray]]:
    """Hough vote for one track's candidates: its `k` best lines, at offsets at least
    SEPARATION frames apart, most votes first: (votes, offset frames, g, pitch, inlier mask)
    each. A passage the track repeats splits the vote between its repeats; verification picks
    the right one."""
    q = c.q_t.astype(np.float64)
    r = c.r_t.astype(np.float64)
    off = r[None, :] - G_GRID[:, None] * q[None, :]  # (grid, n)
    cell = np.floor(off / OFFSET_CELL).astype(np.int64)
    lo = int(cell.min())
    width = int(cell.max()) - lo + 2
    flat = (np.arange(G_GRID.shape[0])[:, None] * width + (cell - lo)).ravel()
    # one vote per query quad per cell (a quad hitting a repeated passage twice counts once)
    owner = np.broadcast_to(c.owner[None, :], cell.shape).ravel().astype(np.int64)
    uniq = np.unique(flat * (int(c.owner.max()) + 1) + owner) // (int(c.owner.max()) + 1)
    votes = np.bincount(uniq, minlength=G_GRID.shape[0] * width).reshape(G_GRID.shape[0], width)
    pair = votes[:, :-1] + votes[:, 1:]  # a line near a cell border splits its votes
    found = []
    q_mid = float(np.median(q))
    sep = SEPARATION // OFFSET_CELL
    for _ in range(k):
        if pair.size == 0 or pair.max() <= 0:
            break
        gi, ci = np.unravel_index(int(np.argmax(pair)), pair.shape)
        g0, centre0 = float(G_GRID[gi]), (ci + lo + 1) * OFFSET_CELL
        found.append(_refine(c, q, r, g0, centre0))
        # the same line seen at another g has another offset at q = 0 but the same reference
        # time in the middle of the query: clear it there in every row
        at = np.round((centre0 + (g0 - G_GRID) * q_mid) / OFFSET_CELL).astype(np.int64) - lo - 1
        for row, col in enumerate(at):
            pair[row, max(col - sep, 0):max(col + sep + 1, 0)] = 0
    return found


def _refine(c: Candidates, q: np.ndarray, r: np.ndarray, g: float,
            centre: float) -> tuple[int, float, float, float, np.ndarray]:
    resid = r - g * q - centre
    inlier = ((np.abs(resid) <= OFFSET_CELL + INLIER_FRAMES)
              & (np.abs(np.log(np.maximum(c.time_scale, 1e-3) * g)) < TIME_AGREEMENT))
    if inlier.any():
        # one transformation maps every true vote: the pitch ratios agree
        pitch = float(np.median(c.freq_scale[inlier]))
        inlier &= np.abs(c.freq_scale / pitch - 1) < PITCH_AGREEMENT
    if inlier.sum() >= 3 and np.ptp(q[inlier]) > 0:
        g_fit, off_fit = np.polyfit(q[inlier], r[inlier], 1)
        if 1 / TIME_LIMIT <= g_fit <= TIME_LIMIT:
            g, centre = float(g_fit), float(off_fit)
            inlier &= np.abs(r - g * q - centre) <= INLIER_FRAMES
    n = int(np.unique(c.owner[inlier]).shape[0])
    pitch = float(np.median(c.freq_scale[inlier])) if inlier.any() else 1.0
    return n, float(centre), g, pitch, inlier


@dataclass(frozen=True)
class Line:
    """One track's best transformation from the vote: the hypothesis verification tests."""

    track: int  # internal track number
    votes: int  # distinct query quads on the line
    offset: float  # reference frame at query frame 0
    g: float  # reference frames per query frame (1 / time_ratio)
    pitch: float  # query frequency / reference frequency


def voted_tracks(counts: np.ndarray, min_hashes: int) -> np.ndarray:
    """The tracks that go on to the Hough vote, given each track's number of candidates: the
    MAX_TRACKS_VERIFIED with most (ties: the lower track number), of those at least
    `min_hashes`."""
    order = np.argsort(-counts, kind="stable")[:MAX_TRACKS_VERIFIED]
    return order[counts[order] >= min_hashes]


def lines(c: Candidates, *, min_hashes: int) -> list[Line]:
    """The best lines (up to LINES_PER_TRACK, best_lines) of each of the MAX_TRACKS_VERIFIED
    tracks with most candidates that have at least `min_hashes` votes (voted_tracks), most votes
    first; a track may appear more than once (index.py keeps its best verified line). Only the
    voted tracks' candidates matter: the lines are the same when `c` holds just theirs."""
    if c.track.shape[0] == 0:
        return []
    order = voted_tracks(np.bincount(c.track), min_hashes)
    by_track = np.argsort(c.track, kind="stable")
    sorted_track = c.track[by_track]
    found: list[Line] = []
    for tr in order:
        a, b = np.searchsorted(sorted_track, [tr, tr + 1])
        sel = by_track[a:b]
        sub = Candidates(owner=c.owner[sel], track=c.track[sel], q_t=c.q_t[sel], r_t=c.r_t[sel],
                         time_scale=c.time_scale[sel], freq_scale=c.freq_scale[sel])
        for n, offset, g, pitch, _ in best_lines(sub):
            if n >= min_hashes:
                found.append(Line(int(tr), n, offset, g, pitch))
    found.sort(key=lambda m: (-m.votes, m.track))
    return found
