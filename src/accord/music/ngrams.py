"""Melodic n-grams: the one notion of "the same tune" shared by the memorization guard
(creation) and symbolic attribution.

A piece's melody is its skyline: at each onset, the highest pitch sounding among the non-drum
tracks. An n-gram is n consecutive melody notes described only by what survives transposition:
the n-1 pitch intervals in semitones and the n-1 inter-onset intervals in twelfths of a beat
(durations are in beats, so a change of tempo does not change them either). Each n-gram becomes
one 64-bit key, computed with numpy over the whole melody at once.

`NgramIndex` is an inverted index from key to the documents (works) holding it, stored as two
sorted arrays so that it loads in milliseconds and answers "how much of this query does each
document share, and in which passages?" with a few vectorised searches.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import symusic

from accord import atomic
from accord.errors import InvalidInput

DEFAULT_N = 8
IOI_STEPS_PER_BEAT = 12      # twelfths of a beat: exact for duplets and triplets
MAX_INTERVAL = 48            # larger leaps are clamped: they are rare and equally telling
MAX_IOI = 8 * IOI_STEPS_PER_BEAT
_FORMAT = "accord-ngram-index-v1"


@dataclass(frozen=True, slots=True)
class Note:
    onset: float     # in beats (quarter notes) from the start
    duration: float  # in beats
    pitch: int       # MIDI pitch


@dataclass(frozen=True, slots=True)
class Overlap:
    """What one indexed document shares with a query melody."""

    doc_id: str
    shared: int          # query n-gram positions whose key occurs in the document
    coverage: float      # shared / number of query n-grams: how much of the query is this doc
    doc_coverage: float  # distinct shared keys / the document's distinct keys
    longest_run: int     # longest run of consecutive matched query positions, in n-grams
    positions: tuple[int, ...]  # the matched query positions (n-gram starts, in melody notes)

    def longest_run_notes(self, n: int) -> int:
        """The longest copied passage, in melody notes."""
        return self.longest_run + n - 1 if self.longest_run else 0


# --- melody ---------------------------------------------------------------------------------

def melody(score: symusic.Score) -> list[Note]:
    """The skyline of a score: the highest non-drum note at each distinct onset."""
    tpq = score.ticks_per_quarter if score.ticks_per_quarter > 0 else 480
    best: dict[int, tuple[int, int]] = {}
    for track in score.tracks:
        if track.is_drum:
            continue
        for note in track.notes:
            if note.duration <= 0:
                continue
            seen = best.get(note.time)
            if seen is None or note.pitch > seen[0]:
                best[note.time] = (note.pitch, note.duration)
    return [Note(onset=t / tpq, duration=d / tpq, pitch=p)
            for t, (p, d) in sorted(best.items())]


def melody_from_midi(path: Path) -> list[Note]:
    try:
        score = symusic.Score(str(path))
    except Exception as exc:  # symusic raises plain RuntimeError/ValueError on bad files
        raise InvalidInput(f"{path}: not a readable MIDI file ({exc})") from None
    return melody(score)


# --- keys -------------------------------------------------------------------------------------

_PRIME = np.uint64(0x100000001B3)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads keys over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _symbols(notes: Sequence[Note]) -> np.ndarray:
    """One symbol per step between consecutive notes: (interval, inter-onset interval)."""
    if len(notes) < 2:
        return np.zeros(0, dtype=np.uint64)
    pitch = np.fromiter((n.pitch for n in notes), dtype=np.int64, count=len(notes))
    onset = np.fromiter((n.onset for n in notes), dtype=np.float64, count=len(notes))
    interval = np.clip(np.diff(pitch), -MAX_INTERVAL, MAX_INTERVAL) + MAX_INTERVAL
    ioi = np.clip(np.rint(np.diff(onset) * IOI_STEPS_PER_BEAT), 0, MAX_IOI).astype(np.int64)
    return (interval * (MAX_IOI + 1) + ioi + 1).astype(np.uint64)


def ngram_keys(notes: Sequence[Note], n: int = DEFAULT_N) -> np.ndarray:
    """The key of the n-gram starting at each melody note (len(notes) - n + 1 keys; none for a
    melody shorter than n)."""
    if n < 2:
        raise InvalidInput(f"n-gram length must be at least 2, got {n}")
    sym = _symbols(notes)
    steps = n - 1
    count = len(sym) - steps + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        acc = np.zeros(count, dtype=np.uint64)
        for j in range(steps):
            acc = acc * _PRIME + sym[j:j + count]
        return _mix(acc + np.uint64(steps))


# --- the index --------------------------------------------------------------------------------

@dataclass(frozen=True)
class NgramIndex:
    n: int
    doc_ids: tuple[str, ...]
    doc_sizes: np.ndarray   # distinct keys per document
    keys: np.ndarray        # sorted distinct keys (uint64)
    offsets: np.ndarray     # postings of keys[i] are docs[offsets[i]:offsets[i + 1]]
    docs: np.ndarray        # document numbers (int32), ascending within each key

    @classmethod
    def build(cls, documents: Iterable[tuple[str, Sequence[Note]]], n: int = DEFAULT_N
              ) -> NgramIndex:
        ids: list[str] = []
        sizes: list[int] = []
        key_parts: list[np.ndarray] = []
        doc_parts: list[np.ndarray] = []
        for doc_id, notes in documents:
            if doc_id in ids:
                raise InvalidInput(f"document {doc_id!r} is indexed twice")
            distinct = np.unique(ngram_keys(notes, n))
            key_parts.append(distinct)
            doc_parts.append(np.full(len(distinct), len(ids), dtype=np.int32))
            sizes.append(len(distinct))
            ids.append(doc_id)
        all_keys = np.concatenate(key_parts) if key_parts else np.zeros(0, np.uint64)
        all_docs = np.concatenate(doc_parts) if doc_parts else np.zeros(0, np.int32)
        order = np.lexsort((all_docs, all_keys))
        all_keys, all_docs = all_keys[order], all_docs[order]
        keys, starts = np.unique(all_keys, return_index=True)
        offsets = np.append(starts, len(all_keys)).astype(np.int64)
        return cls(n=n, doc_ids=tuple(ids), doc_sizes=np.asarray(sizes, dtype=np.int64),
                   keys=keys, offsets=offsets, docs=all_docs)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def overlap(self, notes: Sequence[Note], min_shared: int = 1, limit: int | None = None
                ) -> list[Overlap]:
        """Every document sharing at least `min_shared` query n-grams, most covered first."""
        query = ngram_keys(notes, self.n)
        if len(query) == 0 or len(self.keys) == 0:
            return []
        slot = np.searchsorted(self.keys, query)
        slot_ok = np.minimum(slot, len(self.keys) - 1)
        hit = self.keys[slot_ok] == query
        positions = np.nonzero(hit)[0]
        if len(positions) == 0:
            return []
        lo = self.offsets[slot_ok[positions]]
        hi = self.offsets[slot_ok[positions] + 1]
        lengths = hi - lo
        pos = np.repeat(positions, lengths)
        # posting index for each (position, doc) pair: lo of its run plus the rank inside it
        run_start = np.repeat(np.cumsum(lengths) - lengths, lengths)
        doc = self.docs[np.repeat(lo, lengths) + (np.arange(len(pos)) - run_start)]
        order = np.lexsort((pos, doc))
        doc, pos = doc[order], pos[order]
        bounds = np.flatnonzero(np.diff(doc)) + 1
        found: list[Overlap] = []
        for d_pos, d in zip(np.split(pos, bounds), doc[np.r_[0, bounds]], strict=True):
            if len(d_pos) < min_shared:
                continue
            distinct = len(np.unique(query[d_pos]))
            found.append(Overlap(
                doc_id=self.doc_ids[int(d)], shared=len(d_pos),
                coverage=len(d_pos) / len(query),
                doc_coverage=distinct / max(int(self.doc_sizes[d]), 1),
                longest_run=_longest_run(d_pos), positions=tuple(int(p) for p in d_pos)))
        found.sort(key=lambda o: (-o.coverage, -o.longest_run, o.doc_id))
        return found[:limit] if limit is not None else found

    # --- storage ------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """One .npz file, written atomically."""
        buf = io.BytesIO()
        np.savez(buf, format=np.array(_FORMAT), n=np.array(self.n),
                 doc_ids=np.array(self.doc_ids, dtype=str), doc_sizes=self.doc_sizes,
                 keys=self.keys, offsets=self.offsets, docs=self.docs)
        atomic.write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path: Path) -> NgramIndex:
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["format"]) != _FORMAT:
                    raise InvalidInput(f"{path}: not an {_FORMAT} file")
                return cls(n=int(data["n"]), doc_ids=tuple(str(x) for x in data["doc_ids"]),
                           doc_sizes=data["doc_sizes"], keys=data["keys"],
                           offsets=data["offsets"], docs=data["docs"])
        except (OSError, KeyError, ValueError) as exc:
            raise InvalidInput(f"{path}: cannot read the n-gram index ({exc})") from None


def _longest_run(positions: np.ndarray) -> int:
    """Longest run of consecutive integers in an ascending array."""
    if len(positions) == 0:
        return 0
    breaks = np.flatnonzero(np.diff(positions) != 1)
    edges = np.r_[-1, breaks, len(positions) - 1]
    return int(np.diff(edges).max())
