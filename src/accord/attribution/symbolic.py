"""Symbolic attribution: shared melodic n-grams plus style similarity.

For an output melody q and a training work w (melodies as skylines, accord.music.ngrams):

    coverage(q, w) = share of q's n-grams (n notes: transposition-invariant intervals and
                     inter-onset intervals) that also occur in w
    style(q, w)    = max(0, (cos(e(q), e(w)) - m) / (1 - m)),  e = embedding.embed, m = the
                     median cosine of q over all works (so an ordinary resemblance scores 0)
    score(q, w)    = coverage + style_weight · style

The evidence of a score keeps both parts and the matched passages: runs of consecutive shared
n-grams, as note and bar ranges in the output and in the work (bars counted from the first time
signature; 1-based).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from accord.attribution.embedding import embed
from accord.attribution.model import Query, Score, TrainingItem
from accord.music.ngrams import NgramIndex, ngram_keys


@dataclass(frozen=True)
class SymbolicConfig:
    n: int = 6                  # n-gram length in melody notes
    style_weight: float = 0.25  # weight of the style similarity beside the n-gram coverage
    passages: int = 3           # matched passages kept as evidence per work (the longest)
    evidence_works: int = 25    # works (best first) whose passages are located

    def to_json(self) -> dict:
        return asdict(self)


class SymbolicMethod:
    name = "symbolic"
    version = "1"

    def __init__(self, config: SymbolicConfig = SymbolicConfig()) -> None:
        self.config = config
        self.index: NgramIndex | None = None
        self.vectors: np.ndarray | None = None
        self.doc_keys: list[np.ndarray] = []
        self.doc_onsets: list[np.ndarray] = []
        self.beats_per_bar: np.ndarray | None = None

    def build_index(self, items: list[TrainingItem], directory: Path) -> None:
        n = self.config.n
        self.index = NgramIndex.build(((it.item_id, list(it.notes)) for it in items), n=n)
        self.vectors = np.stack([embed(it.notes) for it in items]) if items else \
            np.zeros((0, 1))
        self.doc_keys = [ngram_keys(list(it.notes), n) for it in items]
        self.doc_onsets = [np.array([x.onset for x in it.notes], dtype=np.float64)
                           for it in items]
        self.beats_per_bar = np.array([it.beats_per_bar for it in items], dtype=np.float64)
        directory.mkdir(parents=True, exist_ok=True)
        self.index.save(directory / "ngrams.npz")
        sizes = np.array([len(k) for k in self.doc_keys], dtype=np.int64)
        np.savez(directory / "works.npz", vectors=self.vectors, beats_per_bar=self.beats_per_bar,
                 key_sizes=sizes,
                 keys=np.concatenate(self.doc_keys) if items else np.zeros(0, np.uint64),
                 onset_sizes=np.array([len(o) for o in self.doc_onsets], dtype=np.int64),
                 onsets=np.concatenate(self.doc_onsets) if items else np.zeros(0))
        (directory / "meta.json").write_text(json.dumps(
            {"method": self.name, "version": self.version, "config": self.config.to_json(),
             "items": [it.item_id for it in items]}, indent=2) + "\n")

    def load_index(self, directory: Path) -> None:
        self.index = NgramIndex.load(directory / "ngrams.npz")
        with np.load(directory / "works.npz") as z:
            self.vectors = z["vectors"]
            self.beats_per_bar = z["beats_per_bar"]
            self.doc_keys = np.split(z["keys"], np.cumsum(z["key_sizes"])[:-1])
            self.doc_onsets = np.split(z["onsets"], np.cumsum(z["onset_sizes"])[:-1])

    def attribute(self, query: Query) -> list[Score]:
        if self.index is None or self.vectors is None:
            raise RuntimeError("no index loaded")
        ids = self.index.doc_ids
        overlaps = {o.doc_id: o for o in self.index.overlap(list(query.notes))}
        cos = self.vectors @ embed(query.notes) if len(ids) else np.zeros(0)
        med = float(np.median(cos)) if len(cos) else 0.0
        style = np.clip((cos - med) / max(1e-9, 1 - med), 0, None)
        total = np.array([overlaps[d].coverage if d in overlaps else 0.0 for d in ids]) \
            + self.config.style_weight * style
        order = sorted(range(len(ids)), key=lambda i: (-float(total[i]), ids[i]))
        qkeys = ngram_keys(list(query.notes), self.config.n)
        out = []
        for rank, i in enumerate(order):
            o = overlaps.get(ids[i])
            ev = {"ngram_coverage": round(o.coverage, 4) if o else 0.0,
                  "longest_run_notes": o.longest_run_notes(self.config.n) if o else 0,
                  "style_cosine": round(float(cos[i]), 4),
                  "style": round(float(style[i]), 4), "n": self.config.n}
            if o and rank < self.config.evidence_works:
                ev["passages"] = self._passages(query, qkeys, i, o.positions)
            out.append(Score(ids[i], float(total[i]), ev))
        return out

    def _passages(self, query: Query, qkeys: np.ndarray, doc: int,
                  positions: tuple[int, ...]) -> list[dict]:
        """The longest runs of shared n-grams, located in the work."""
        n = self.config.n
        runs, start = [], positions[0]
        for a, b in zip(positions, positions[1:] + (None,), strict=True):
            if b != a + 1:
                runs.append((start, a))
                if b is not None:
                    start = b
        runs.sort(key=lambda r: (-(r[1] - r[0]), r[0]))
        keys, onsets = self.doc_keys[doc], self.doc_onsets[doc]
        q_on = np.array([x.onset for x in query.notes])
        out = []
        for s, e in runs[:self.config.passages]:
            length = e - s + 1
            hits = np.flatnonzero(keys == qkeys[s])
            j = next((int(h) for h in hits
                      if np.array_equal(keys[h:h + length], qkeys[s:e + 1])),
                     int(hits[0]) if len(hits) else -1)
            p = {"notes": length + n - 1, "output_notes": [s + 1, e + n],
                 "output_bars": _bars(q_on, s, e + n - 1, query.beats_per_bar)}
            if j >= 0:
                p["work_notes"] = [j + 1, j + length + n - 1]
                p["work_bars"] = _bars(onsets, j, min(j + length + n - 2, len(onsets) - 1),
                                       float(self.beats_per_bar[doc]))
            out.append(p)
        return out


def _bars(onsets: np.ndarray, first: int, last: int, beats_per_bar: float) -> list[int]:
    bpb = beats_per_bar if beats_per_bar > 0 else 4.0
    last = min(last, len(onsets) - 1)
    return [int(onsets[first] // bpb) + 1, int(onsets[last] // bpb) + 1]
