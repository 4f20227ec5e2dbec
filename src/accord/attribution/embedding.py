"""A melody's style vector: what survives transposition and tempo, as histograms. Pure numpy.

Three blocks, each a histogram normalised to sum 1 and square-rooted (so that the dot product
of two vectors is the Bhattacharyya coefficient of their distributions), then concatenated and
scaled to unit length; the cosine of two melodies is the dot product of their vectors:
- melodic intervals in semitones, clamped to -12..12 (25 bins);
- contour of consecutive interval pairs: (down, same, up) x (down, same, up) (9 bins);
- inter-onset intervals in beats, snapped to the nearest of 11 values from 1/4 to > 4 (rhythm).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from accord.music.ngrams import Note

IOI_BINS = np.array([0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])
DIM = 25 + 9 + len(IOI_BINS)


def _block(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return np.sqrt(counts / total) if total > 0 else counts.astype(np.float64)


def embed(notes: Sequence[Note]) -> np.ndarray:
    """The unit style vector of a melody (all zeros for fewer than two notes)."""
    if len(notes) < 2:
        return np.zeros(DIM)
    pitch = np.array([n.pitch for n in notes], dtype=np.int64)
    onset = np.array([n.onset for n in notes], dtype=np.float64)
    iv = np.clip(np.diff(pitch), -12, 12)
    intervals = np.bincount(iv + 12, minlength=25).astype(np.float64)
    s = np.sign(iv) + 1
    contour = np.bincount(s[:-1] * 3 + s[1:], minlength=9).astype(np.float64)
    ioi = np.diff(onset)
    ioi = ioi[ioi > 0]
    snapped = np.abs(np.log2(ioi[:, None]) - np.log2(IOI_BINS[None, :])).argmin(axis=1) \
        if len(ioi) else np.zeros(0, dtype=np.int64)
    rhythm = np.bincount(snapped, minlength=len(IOI_BINS)).astype(np.float64)
    v = np.concatenate([_block(intervals), _block(contour), _block(rhythm)])
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v
