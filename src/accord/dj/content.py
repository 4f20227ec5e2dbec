"""Content-based scores for cold starts (pure): a new listener, or a recording the taste model
has never seen. A recording is a small vector of what the registry and catalogue know:
its genre (catalogue collection), its writers and performers (hashed), tempo, energy and its
key's place on the Camelot wheel. A listener is the mean of what they played to the end or
liked; the score is the cosine similarity. With no history at all: popularity.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping

import numpy as np

from accord.dj import camelot
from accord.dj.model import Track

DIM = 16


def _h(text: str) -> int:
    return int(hashlib.md5(text.encode()).hexdigest()[:8], 16) % DIM


def vector(t: Track) -> np.ndarray:
    v = np.zeros(2 * DIM + 6, dtype=np.float64)
    if t.genre:
        v[_h(t.genre)] = 1.0
    for p in t.writers + t.performers:
        v[DIM + _h(p.party_id)] += 0.7
    f = t.features
    v[2 * DIM] = min(2.0, f.tempo_bpm / 120.0)
    v[2 * DIM + 1] = f.energy
    if f.camelot:
        n, letter = camelot.parse(f.camelot)
        v[2 * DIM + 2] = 0.5 * math.cos(2 * math.pi * n / 12)
        v[2 * DIM + 3] = 0.5 * math.sin(2 * math.pi * n / 12)
        v[2 * DIM + 4] = 0.3 if letter == "B" else -0.3
    v[2 * DIM + 5] = 0.5
    return v


def similarity(a: Track, b: Track) -> float:
    x, y = vector(a), vector(b)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9))


def scores(history: list[Track], candidates: list[Track],
           popularity: Mapping[str, float] | None = None) -> dict[str, float]:
    if not history:
        pop = popularity or {}
        return {t.recording_id: float(pop.get(t.recording_id, 0.0)) for t in candidates}
    profile = np.mean([vector(t) for t in history], axis=0)
    pn = np.linalg.norm(profile) + 1e-9
    return {t.recording_id: float(vector(t) @ profile / (np.linalg.norm(vector(t)) * pn + 1e-9))
            for t in candidates}
