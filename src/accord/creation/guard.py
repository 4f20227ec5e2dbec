"""The memorization guard: before an output is released, its melody is compared with every work
of the model's training snapshot through the shared melodic n-gram index
(`accord.music.ngrams`); an output that reproduces more than THRESHOLD of any single work is
regenerated with a new seed (derived deterministically, at most MAX_ATTEMPTS in all) or refused.

Coverage is the fraction of the output's melodic 8-grams (transposition- and tempo-invariant)
found in one work. THRESHOLD was calibrated on the corpus itself (bench/creation_guard.py,
figures in docs/creation.md): it sits above the 99.9th percentile of the largest coverage
between distinct real pieces, so real pieces that merely share idioms pass.

The index is built once per model version and stored in the model's directory
(ngram-index.npz); it is built lazily when missing. `check` is pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from accord.config import Settings
from accord.music.ngrams import NgramIndex, Note, melody_from_midi

N = 8
THRESHOLD = 0.5
MAX_ATTEMPTS = 3
INDEX_FILE = "ngram-index.npz"


@dataclass(frozen=True)
class GuardResult:
    passed: bool
    max_coverage: float          # the largest share of the output found in one work
    work_id: str | None          # that work
    longest_run_notes: int       # its longest copied passage, in melody notes
    threshold: float
    n: int
    notes: int                   # melody notes of the output
    excluded: tuple[str, ...] = ()  # works not compared (a derivative's licensed source)
    reason: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["excluded"] = list(self.excluded)
        return d


def check(index: NgramIndex, notes: Sequence[Note], threshold: float = THRESHOLD,
          exclude: Iterable[str] = ()) -> GuardResult:
    """Compare one melody with every indexed work (except `exclude`)."""
    excluded = tuple(sorted(set(exclude)))
    if len(notes) < index.n:
        return GuardResult(True, 0.0, None, 0, threshold, index.n, len(notes), excluded,
                           f"shorter than one {index.n}-note n-gram: nothing to compare")
    hits = [o for o in index.overlap(notes) if o.doc_id not in excluded]
    if not hits:
        return GuardResult(True, 0.0, None, 0, threshold, index.n, len(notes), excluded,
                           "no melodic n-gram in common with any training work")
    top = hits[0]
    passed = top.coverage <= threshold
    reason = (f"{top.coverage:.0%} of the output's melodic {index.n}-grams occur in training "
              f"work {top.doc_id} (longest copied passage {top.longest_run_notes(index.n)} "
              f"notes); the limit is {threshold:.0%}")
    return GuardResult(passed, round(top.coverage, 4), top.doc_id,
                       top.longest_run_notes(index.n), threshold, index.n, len(notes),
                       excluded, reason)


def derived_seed(seed: int, attempt: int) -> int:
    """The seed of a regeneration attempt (attempt 0 is the requested seed)."""
    if attempt == 0:
        return seed
    digest = hashlib.sha256(f"accord-guard:{seed}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def index_path(settings: Settings, model_id: str) -> Path:
    return settings.models_dir / model_id / INDEX_FILE


def build_index(documents: Iterable[tuple[str, Path]], n: int = N) -> NgramIndex:
    """The index over (work id, MIDI path) pairs."""
    return NgramIndex.build(((wid, melody_from_midi(path)) for wid, path in documents), n=n)


def model_index(settings: Settings, model_id: str, documents) -> NgramIndex:
    """The model's stored index; built from `documents()` (work id, MIDI path) when missing."""
    path = index_path(settings, model_id)
    if path.exists():
        return NgramIndex.load(path)
    index = build_index(documents(), N)
    index.save(path)
    return index
