"""Tune families and the grouped split: variants of one tune never straddle train and test.

The folk collections hold many versions of the same tune (an Essen song under two titles, one
chorale melody set in several cantatas); a split by piece then puts one version in training and
another in validation, and the validation loss measures recall, not generalisation. So pieces are
grouped first, with the measure the memorization guard uses (`accord.music.ngrams`): the
**coverage** of piece A by piece B is the share of A's melodic 8-gram positions whose key occurs
in B. A and B belong to one family when either covers the other at or above a threshold; families
are the connected components (union-find), and whole families are assigned to train /
validation / test by a hash of (seed, the family's smallest id), so the assignment of a family
does not depend on which other pieces are present.

The threshold is calibrated (`calibrate`): the per-piece largest coverage by a piece of ANOTHER
tradition (which cannot be a version of the same tune, up to rare borrowings) is chance overlap of
idioms; the threshold is its 99.9th percentile rounded up to 0.05 (and at least `floor`).

Pure functions over melodies (numpy + scipy.sparse); no files, no registry.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from accord.music.ngrams import DEFAULT_N, Note, ngram_keys

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Coverage:
    """Pairwise coverage of melodies, kept only where it reaches `floor`."""

    ids: tuple[str, ...]
    lengths: np.ndarray            # n-gram positions per piece (0: too short to compare)
    a: np.ndarray                  # pair rows: coverage of piece a by piece b (a != b) ...
    b: np.ndarray
    c: np.ndarray                  # ... kept where it reaches the floor


def _matrices(melodies: Sequence[Sequence[Note]], n: int
              ) -> tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray]:
    """(positions: piece x key counts, presence: piece x key 0/1, positions per piece)."""
    keys = [ngram_keys(m, n) for m in melodies]
    lengths = np.array([len(k) for k in keys], dtype=np.int64)
    allk = np.concatenate(keys) if keys else np.zeros(0, np.uint64)
    if len(allk) == 0:
        empty = sparse.csr_matrix((len(melodies), 0), dtype=np.float32)
        return empty, empty, lengths
    _, cols = np.unique(allk, return_inverse=True)
    rows = np.repeat(np.arange(len(melodies)), lengths)
    shape = (len(melodies), int(cols.max()) + 1)
    counts = sparse.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=shape)
    counts.sum_duplicates()
    presence = counts.copy()
    presence.data[:] = 1.0
    return counts, presence, lengths


def coverage(melodies: Mapping[str, Sequence[Note]], n: int = DEFAULT_N, floor: float = 0.05,
             chunk: int = 512) -> Coverage:
    """Every ordered pair's coverage at or above `floor` (computed in row chunks)."""
    ids = tuple(melodies)
    counts, presence, lengths = _matrices([melodies[i] for i in ids], n)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    pt = presence.T.tocsc()
    for lo in range(0, len(ids), chunk):
        block = (counts[lo:lo + chunk] @ pt).tocoo()  # shared positions of row piece in col
        a = block.row + lo
        denom = np.maximum(lengths[a], 1)
        cov = block.data / denom
        keep = (cov >= floor) & (a != block.col)
        parts.append((a[keep].astype(np.int64), block.col[keep].astype(np.int64),
                      cov[keep].astype(np.float64)))
    cat = [np.concatenate([p[k] for p in parts]) if parts else np.zeros(0) for k in range(3)]
    return Coverage(ids, lengths, cat[0].astype(np.int64), cat[1].astype(np.int64), cat[2])


def families(cov: Coverage, threshold: float) -> list[tuple[str, ...]]:
    """Connected components of 'one covers the other at or above threshold', sorted."""
    parent = list(range(len(cov.ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    strong = cov.c >= threshold
    for a, b in zip(cov.a[strong].tolist(), cov.b[strong].tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[str]] = {}
    for i, pid in enumerate(cov.ids):
        groups.setdefault(find(i), []).append(pid)
    return sorted((tuple(sorted(g)) for g in groups.values()), key=lambda g: g[0])


def max_cross_coverage(cov: Coverage, group_of: Mapping[str, str]) -> list[float]:
    """Per comparable piece: its largest coverage by a piece of another group (0 if none)."""
    groups = {g: k for k, g in enumerate(sorted(set(group_of.values())))}
    code = np.array([groups[group_of[i]] for i in cov.ids], dtype=np.int64)
    best = np.zeros(len(cov.ids))
    cross = code[cov.a] != code[cov.b]
    np.maximum.at(best, cov.a[cross], cov.c[cross])
    return [float(best[i]) for i in range(len(cov.ids)) if cov.lengths[i] > 0]


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    return float(np.percentile(np.asarray(values), q * 100))


def calibrate(cov: Coverage, group_of: Mapping[str, str], q: float = 0.999,
              floor: float = 0.2) -> dict:
    """The threshold: the q-quantile of cross-tradition largest coverage, rounded up to 0.05."""
    null = max_cross_coverage(cov, group_of)
    p = percentile(null, q)
    threshold = max(floor, math.ceil(p * 20 - 1e-9) / 20)
    return {"threshold": threshold, "quantile": q, "null_quantile_value": round(p, 4),
            "null_pieces": len(null), "null_max": round(max(null, default=0.0), 4),
            "null_p50": round(percentile(null, 0.5), 4),
            "null_p99": round(percentile(null, 0.99), 4), "floor": floor}


def assign(fams: Sequence[Sequence[str]], seed: int, fractions: tuple[float, float] = (0.05, 0.05),
           max_heldout_family: int = 50) -> dict[str, str]:
    """piece id -> "train" | "validation" | "test": whole families, by a hash of (seed, family).

    A family's place is its hash as a fraction of 2^64: below fractions[0] validation, below the
    sum test, else train. Families larger than `max_heldout_family` always train (one big
    family must not decide a held-out split on its own)."""
    val_f, test_f = fractions
    out: dict[str, str] = {}
    for fam in fams:
        h = int.from_bytes(hashlib.sha256(f"{seed}:family:{fam[0]}".encode()).digest()[:8], "big")
        u = h / 2 ** 64
        side = "train"
        if len(fam) <= max_heldout_family:
            side = "validation" if u < val_f else "test" if u < val_f + test_f else "train"
        for pid in fam:
            out[pid] = side
    return out


def naive_assign(ids: Sequence[str], seed: int, fractions: tuple[float, float] = (0.05, 0.05)
                 ) -> dict[str, str]:
    """The split by piece alone (every piece its own family), for comparison."""
    return assign([(i,) for i in ids], seed, fractions, max_heldout_family=1)


def near_duplicate_share(cov: Coverage, side: Mapping[str, str], threshold: float,
                         heldout: str = "validation") -> dict:
    """Share of held-out pieces covered at or above threshold by some training piece."""
    where = np.array([side.get(i, "") for i in cov.ids])
    held = where == heldout
    best = np.zeros(len(cov.ids))
    ok = held[cov.a] & (where[cov.b] == "train")
    np.maximum.at(best, cov.a[ok], cov.c[ok])
    hits = int((best[held] >= threshold).sum())
    n = int(held.sum())
    return {"heldout": heldout, "pieces": n, "with_near_duplicate": hits,
            "share": hits / max(1, n), "threshold": threshold}
