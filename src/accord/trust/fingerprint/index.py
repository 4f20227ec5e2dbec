"""The persistent inverted index of quad hashes: a directory of immutable segments and a manifest.

Layout of an index directory:
    manifest.json        format, parameters, the segment names, the track ids in number order
    seg-<hex>/           one immutable segment: numpy arrays, memory-mapped when read
        keys.npy         uint32 distinct hash keys, sorted
        starts.npy       int64, len(keys) + 1: entries of keys[i] are starts[i]:starts[i + 1]
        track.npy        uint32 internal track number (position in the manifest's track list)
        t.npy            int32 root time (frames)
        width.npy        uint8 box width (frames)
        height.npy       int16 box height (1/8 bins, signed)
        froot.npy        uint16 root frequency (1/8 bins)
        ptrack.npy       uint32 the segment's track numbers whose spectral peaks it holds, sorted
        pstarts.npy      int64, len(ptrack) + 1: peaks of ptrack[i] are pstarts[i]:pstarts[i + 1]
        pt.npy           int32 peak time (frames), sorted within a track
        pf.npy           uint16 peak frequency (1/8 bins)
    lock                 writers hold an exclusive flock on it

Writes are atomic: a segment is written into a temporary directory and renamed into place, then
the manifest is replaced atomically (accord.atomic); a crash leaves at most an unreferenced
directory, which the next compaction removes. Each `add` writes one small segment (or one per
`batch()`); past MAX_SEGMENTS segments they are merged into one. A query sorts its probe keys
once and looks up each distinct one in every segment with a vectorised binary search, reading
each segment's keys and postings front to back, so its cost grows with the number of postings
it touches, not with the number of tracks (bench/trust.py measures 1k and 100k tracks).
Each track's spectral peaks (6 bytes a peak, up to VERIFY_PEAKS_PER_S = 27 a second: about 130-150
bytes a second of audio) are kept beside its quads for verification (verify.py): only the few
tracks that win the quad vote are read.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accord import atomic
from accord.errors import InvalidInput, NotFound
from accord.trust.fingerprint import match as matching
from accord.trust.fingerprint import peaks as peaks_mod
from accord.trust.fingerprint import quads as quads_mod
from accord.trust.fingerprint import verify as verify_mod
from accord.trust.fingerprint.match import Candidates, Match

FORMAT = 4  # 2: spectral peaks stored for verification; 3: noise-floor peaks, DT_MAX 80;
# 4: peaks within LOCAL_DB of the local band power, 8 query partners
MAX_SEGMENTS = 16


class OutdatedIndex(InvalidInput):
    """The index on disk was built by another format or other parameters: its hashes cannot be
    compared with this code's, so it must be rebuilt from the audio (`hint` says how)."""

    def __init__(self, path: Path, found: object, hint: str = "rebuild it") -> None:
        self.path, self.found = path, found
        super().__init__(f"{path}: index built with other parameters or format ({found}, this "
                         f"code reads {FORMAT}); {hint}")

# A match needs MIN_HASHES query quads on one line *and* a verified share of at least
# MIN_VERIFIED (verify.py), or more quad evidence and less peak evidence: STRONG_HASHES quads
# and a share of STRONG_VERIFIED (a pitch-shifted or sped-up dense recording keeps many quads but
# fewer exact peaks; two tunes in one key share few quads but, by chance, many peaks). All four
# chosen on validation pieces by bench/trust.py --part calibrate (RESULTS.md).
MIN_HASHES = 2  # 3 before verify.refine (2026-12-03 night, bench/trust_overlap.py's grid)
MIN_VERIFIED = 0.68  # 0.62 before the overlap tests (2026-12-03 evening), 0.70 before format 4
STRONG_HASHES = 25  # 30 before
STRONG_VERIFIED = 0.42  # 0.48 before
# ... and, since 2026-12-03 (bench/trust_overlap.py, chosen on validation pieces of 72 rendered
# pieces and Wesnoth): the hypothesis must place at least MIN_COVERAGE of the query's peaks
# inside the reference, and every 3 s window of the query (verify.WINDOW_S) must verify at a
# share of at least MIN_WEAKEST unless the line has WEAKEST_EXEMPT_HASHES quad votes. Different
# sparse tunes rendered by one piano at one tempo share cadences that are the same audio: such
# a hypothesis verifies well overall but not in every window, or overlaps the reference only
# in part. Dense recordings with that many votes are exempt: their quiet or noisy windows
# verify poorly without any doubt about the match.
MIN_COVERAGE = 0.75
MIN_WEAKEST = 0.2
WEAKEST_EXEMPT_HASHES = 40
#: every threshold of `accepted`, by keyword: query(..., **limits) overrides any of them
LIMITS = {"min_hashes": MIN_HASHES, "min_verified": MIN_VERIFIED,
          "strong_hashes": STRONG_HASHES, "strong_verified": STRONG_VERIFIED,
          "min_coverage": MIN_COVERAGE, "min_weakest": MIN_WEAKEST,
          "exempt_hashes": WEAKEST_EXEMPT_HASHES}
MAX_TRACK_ID = 200
HOT_KEY_FACTOR = 12  # a key with more postings than this times the segment's mean is skipped
HOT_KEY_MIN = 64
FIELDS = ("track", "t", "width", "height", "froot")
DTYPES = {"track": np.uint32, "t": np.int32, "width": np.uint8, "height": np.int16,
          "froot": np.uint16}


def params() -> dict:
    """The parameters a stored index was built with; an index with others is refused."""
    q = quads_mod
    p = peaks_mod
    return {"rate": p.RATE, "n_fft": p.N_FFT, "hop": p.HOP, "peaks_per_s": p.PEAKS_PER_S,
            "verify_peaks_per_s": p.VERIFY_PEAKS_PER_S,
            "floor": [p.FLOOR_DB, p.FLOOR_PERCENTILE, p.FLOOR_BLOCK, p.FLOOR_WINDOW],
            "local": [p.LOCAL_DB, p.LOCAL_WINDOW],
            "neighbourhood": list(p.NEIGHBOURHOOD), "k_ref": q.K_REF, "k_query": q.K_QUERY,
            "dt": [q.DT_MIN, q.DT_MAX], "df": [q.DF_MIN, q.DF_MAX], "qbins": q.QBINS,
            "coarse": [q.W_OCT, q.H_OCT, q.A_OCT, q.NW, q.NH, q.NA],
            "tolerance": [q.TIME_TOL, q.FREQ_TOL, q.PROBE_MARGIN]}


@dataclass(frozen=True)
class Postings:
    """Stored quads in key order, before they are written as a segment."""

    keys: np.ndarray  # uint32 per entry
    track: np.ndarray
    t: np.ndarray
    width: np.ndarray
    height: np.ndarray
    froot: np.ndarray

    @staticmethod
    def of(track: int, q: quads_mod.Quads) -> Postings:
        return Postings(
            keys=quads_mod.keys(q), track=np.full(len(q), track, dtype=np.uint32),
            t=q.t.astype(np.int32), width=np.clip(q.width, 0, 255).astype(np.uint8),
            height=np.round(q.height * quads_mod.FREQ_SCALE).astype(np.int16),
            froot=np.round(q.f_root * quads_mod.FREQ_SCALE).astype(np.uint16))

    @staticmethod
    def concat(parts: list[Postings]) -> Postings:
        return Postings(*(np.concatenate([getattr(p, f) for p in parts])
                          for f in ("keys",) + FIELDS))


@dataclass(frozen=True)
class PeakRows:
    """Stored spectral peaks, one row a peak, before they are written as a segment."""

    track: np.ndarray  # uint32 track number
    t: np.ndarray  # int32 frames
    f: np.ndarray  # uint16 1/8 bins

    @staticmethod
    def of(owner: np.ndarray, p: peaks_mod.Peaks) -> PeakRows:
        return PeakRows(track=np.asarray(owner).astype(np.uint32), t=p.t.astype(np.int32),
                        f=np.clip(np.round(p.f * quads_mod.FREQ_SCALE), 0,
                                  65535).astype(np.uint16))

    @staticmethod
    def concat(parts: list[PeakRows]) -> PeakRows:
        return PeakRows(*(np.concatenate([getattr(p, f) for p in parts])
                          for f in ("track", "t", "f")))


@dataclass(frozen=True)
class Distinct:
    """The distinct keys of sorted probe keys, and each probe's position among them."""

    keys: np.ndarray
    key_of: np.ndarray

    @staticmethod
    def of(probe: np.ndarray) -> Distinct:
        new = np.concatenate([[True], probe[1:] != probe[:-1]])
        return Distinct(keys=probe[new], key_of=np.cumsum(new) - 1)


class Segment:
    """One immutable segment, memory-mapped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.keys = np.load(path / "keys.npy", mmap_mode="r")
        self.starts = np.load(path / "starts.npy", mmap_mode="r")
        self.cols = {f: np.load(path / f"{f}.npy", mmap_mode="r") for f in FIELDS}
        self.ptrack = np.load(path / "ptrack.npy", mmap_mode="r")
        self.pstarts = np.load(path / "pstarts.npy", mmap_mode="r")
        self.pt = np.load(path / "pt.npy", mmap_mode="r")
        self.pf = np.load(path / "pf.npy", mmap_mode="r")

    def __len__(self) -> int:
        return int(self.starts[-1]) if self.starts.shape[0] else 0

    def peaks_of(self, track: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(times in frames, frequencies in bins) of a track's stored peaks, or None."""
        i = int(np.searchsorted(self.ptrack, track))
        if i >= self.ptrack.shape[0] or int(self.ptrack[i]) != track:
            return None
        a, b = int(self.pstarts[i]), int(self.pstarts[i + 1])
        return (np.asarray(self.pt[a:b]),
                np.asarray(self.pf[a:b]).astype(np.float32) / quads_mod.FREQ_SCALE)

    @staticmethod
    def write(directory: Path, post: Postings, peaks: PeakRows) -> str:
        order = np.argsort(post.keys, kind="stable")
        keys = post.keys[order]
        uniq, first = np.unique(keys, return_index=True)
        starts = np.append(first, keys.shape[0]).astype(np.int64)
        porder = np.lexsort((peaks.t, peaks.track))
        ptrack_all = peaks.track[porder]
        ptrack, pfirst = np.unique(ptrack_all, return_index=True)
        pstarts = np.append(pfirst, ptrack_all.shape[0]).astype(np.int64)
        name = f"seg-{uuid.uuid4().hex[:16]}"
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-seg-", dir=directory))
        try:
            arrays = {"keys": uniq.astype(np.uint32), "starts": starts}
            arrays.update({f: getattr(post, f)[order].astype(DTYPES[f]) for f in FIELDS})
            arrays.update({"ptrack": ptrack.astype(np.uint32), "pstarts": pstarts,
                           "pt": peaks.t[porder].astype(np.int32),
                           "pf": peaks.f[porder].astype(np.uint16)})
            for field, arr in arrays.items():
                with open(tmp / f"{field}.npy", "wb") as fh:
                    np.save(fh, arr)
                    fh.flush()
                    os.fsync(fh.fileno())
            os.rename(tmp, directory / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return name

    def runs(self, probe: np.ndarray, distinct: Distinct | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For sorted probe keys: (probe index, first entry, entry count) of each probe whose
        key is stored and not hot; each distinct key (`distinct`, computed when not given) is
        searched once, so the key and posting arrays are read front to back. `_entries` turns
        the runs into entry indices."""
        if self.keys.shape[0] == 0 or probe.shape[0] == 0:
            z = np.zeros(0, np.int64)
            return z, z, z
        d = distinct if distinct is not None else Distinct.of(probe)
        keys = np.asarray(self.keys)
        pos = np.searchsorted(keys, d.keys)
        pos_c = np.minimum(pos, keys.shape[0] - 1)
        found = keys[pos_c] == d.keys
        starts = np.asarray(self.starts)
        lo_k = starts[pos_c]
        n_k = starts[pos_c + 1] - lo_k
        # a key far more common than the segment's average says little and costs much (the
        # stop words of an inverted index): its postings are skipped
        cap = max(HOT_KEY_MIN, HOT_KEY_FACTOR * len(self) / max(self.keys.shape[0], 1))
        good = found & (n_k <= cap)
        # back from distinct keys to probes: each probe takes its key's answer
        hit = np.nonzero(good[d.key_of])[0].astype(_index_dtype(probe.shape[0]))
        k = d.key_of[hit]
        return hit, lo_k[k], n_k[k]

    def col(self, field: str) -> np.ndarray:
        """A posting column as a plain array over the mapped file (no memmap wrapper)."""
        return np.asarray(self.cols[field])


def _entries(lo: np.ndarray, n: np.ndarray, size: int) -> np.ndarray:
    """lo[0]..lo[0]+n[0]-1, then lo[1]..: the entries of runs of postings, in one array."""
    total = int(n.sum())
    dt = _index_dtype(max(size, total))
    return (np.repeat((lo - np.concatenate([[0], np.cumsum(n)[:-1]])).astype(dt), n)
            + np.arange(total, dtype=dt))


def _index_dtype(n: int) -> type:
    """The narrowest of int32 and int64 that indexes `n` rows (half the memory traffic)."""
    return np.int32 if n < 2 ** 31 else np.int64


class FingerprintIndex:
    """Quad-hash index of recordings (catalogue tracks and earlier uploads), on disk at `path`."""

    def __init__(self, path: Path, manifest: dict) -> None:
        self.path = Path(path)
        self._manifest = manifest
        self._segments = [Segment(self.path / s) for s in manifest["segments"]]
        self._number = {t: i for i, t in enumerate(manifest["tracks"])}
        self._pending: list[tuple[list[str], Postings, PeakRows]] | None = None

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path | str) -> FingerprintIndex:
        path = Path(path)
        if (path / "manifest.json").exists():
            raise InvalidInput(f"{path}: a fingerprint index already exists there")
        path.mkdir(parents=True, exist_ok=True)
        manifest = {"format": FORMAT, "params": params(), "segments": [], "tracks": []}
        atomic.write_text(path / "manifest.json", json.dumps(manifest))
        return cls(path, manifest)

    @classmethod
    def open(cls, path: Path | str) -> FingerprintIndex:
        path = Path(path)
        try:
            manifest = json.loads((path / "manifest.json").read_text())
        except FileNotFoundError:
            raise NotFound(f"{path}: no fingerprint index (manifest.json missing)") from None
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{path}/manifest.json: unreadable ({exc})") from None
        if manifest.get("format") != FORMAT or manifest.get("params") != params():
            raise OutdatedIndex(path, manifest.get("format"))
        return cls(path, manifest)

    @classmethod
    def open_or_create(cls, path: Path | str) -> FingerprintIndex:
        path = Path(path)
        return cls.open(path) if (path / "manifest.json").exists() else cls.create(path)

    # ---- reading -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._manifest["tracks"])

    def __contains__(self, track_id: object) -> bool:
        return track_id in self._number

    @property
    def hash_count(self) -> int:
        return sum(len(s) for s in self._segments)

    def query(self, samples: np.ndarray, sr: int, *, top: int = 5, **limits) -> list[Match]:
        """Recordings the clip was taken from (distorted or not), best verified first; [] when
        none is `accepted` (`min_hashes` quads on one line and a verified share of
        `min_verified`, or `strong_hashes` quads and a share of `strong_verified`; at least
        `min_coverage` of the clip inside the reference; every 3 s window verified at
        `min_weakest` unless the line has `exempt_hashes` votes). `limits` overrides any of
        LIMITS by name (the bench passes zeros to see every hypothesis)."""
        if top < 1:
            raise InvalidInput(f"top: must be at least 1, got {top}")
        p = peaks_mod.extract(samples, sr)
        return self.query_peaks(p, top=top, **limits)

    def query_peaks(self, p: peaks_mod.Peaks, *, top: int = 5, **limits) -> list[Match]:
        """`query` from the clip's spectral peaks: quad vote, then verification; a track
        whose vote gave several lines (a repeated passage) keeps its best verified one."""
        found = []
        peaks_of: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}
        unknown = set(limits) - set(LIMITS)
        if unknown:
            raise TypeError(f"query: unknown limits {sorted(unknown)} (known: {list(LIMITS)})")
        lim = {**LIMITS, **limits}
        for line in self._lines(quads_mod.build(p, "query"),
                                min(lim["min_hashes"], lim["strong_hashes"])):
            if line.track not in peaks_of:
                peaks_of[line.track] = self._peaks_of(line.track)
            stored = peaks_of[line.track]
            offset, g = line.offset, line.g
            if stored is None:
                v = verify_mod.Verification(0, 0, len(p.t), 0.0)
            else:
                v = verify_mod.check(p.t, p.f, stored[0], stored[1], offset, g, line.pitch)
                # the vote's line re-fitted to the peaks (verify.refine), kept if better
                r_off, r_g = verify_mod.refine(p.t, p.f, stored[0], stored[1], offset, g,
                                               line.pitch)
                if (r_off, r_g) != (offset, g):
                    rv = verify_mod.check(p.t, p.f, stored[0], stored[1], r_off, r_g,
                                          line.pitch)
                    if rv.aligned > v.aligned:
                        v, offset, g = rv, r_off, r_g
            score = verify_mod.score(v.aligned, v.counted)
            if not accepted(line.votes, score, v.coverage, v.weakest, **lim):
                continue
            found.append(Match(track_id=self._manifest["tracks"][line.track], score=score,
                               matched_hashes=line.votes,
                               offset_s=offset / peaks_mod.FRAMES_PER_S,
                               time_ratio=1.0 / g, pitch_ratio=line.pitch,
                               verified_peaks=v.aligned, counted_peaks=v.counted,
                               coverage=v.coverage, weakest=v.weakest))
        found.sort(key=lambda m: (-m.score, -m.matched_hashes, m.track_id))
        best: dict[str, Match] = {}
        for m in found:
            best.setdefault(m.track_id, m)
        return list(best.values())[:top]

    def peaks_of(self, track_id: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The spectral peaks stored for `track_id` (frames, bins), or None (not indexed)."""
        n = self._number.get(track_id)
        return None if n is None else self._peaks_of(n)

    def _peaks_of(self, track: int) -> tuple[np.ndarray, np.ndarray] | None:
        for seg in self._segments:
            got = seg.peaks_of(track)
            if got is not None:
                return got
        return None

    def _lines(self, q: quads_mod.Quads, min_hashes: int) -> list[matching.Line]:
        probe, owner = quads_mod.probe_keys(q)
        # probes in key order (once for every segment): each segment's keys and postings are
        # then read front to back; the candidates are put back in probe order at the end
        order = np.argsort(probe, kind="stable").astype(_index_dtype(probe.shape[0]))
        sorted_probe = probe[order]
        sorted_owner = owner[order].astype(_index_dtype(len(q)))
        inv = np.float32(1.0 / quads_mod.FREQ_SCALE)
        # the query side of each sorted probe, read once for every segment
        q_froot, q_width = q.f_root[sorted_owner], q.width[sorted_owner].astype(np.float32)
        q_height = q.height[sorted_owner]
        distinct = Distinct.of(sorted_probe)
        kept = []  # per segment: the consistent candidates, before the tracks are chosen
        for seg in self._segments:
            hit, lo, n = seg.runs(sorted_probe, distinct)
            total = int(n.sum())
            if total == 0:
                continue
            i, entry = np.repeat(hit, n), _entries(lo, n, len(seg))
            # the cheapest test first, on one column; the other columns only for survivors
            froot = seg.col("froot").take(entry).astype(np.float32) * inv
            fs = np.repeat(q_froot.take(hit), n) / froot  # repeat: ~15x cheaper than take(i)
            near = np.nonzero(matching.pitch_in_range(fs))[0]
            i, entry, fs = i.take(near), entry.take(near), fs.take(near)
            ok, ts = matching.agree(
                q_width.take(i), seg.col("width").take(entry).astype(np.float32),
                q_height.take(i), seg.col("height").take(entry).astype(np.float32) * inv, fs)
            ok = np.nonzero(ok)[0]
            i, entry = i.take(ok), entry.take(ok)
            kept.append((seg, order.take(i), entry, sorted_owner.take(i),
                         seg.col("track").take(entry), ts.take(ok), fs.take(ok)))
        if not kept:
            return []
        # only the tracks with most candidates go on to the vote (matching.voted_tracks): the
        # others' candidates are dropped before their times are read and put in order
        counts = np.zeros(len(self), dtype=np.int64)
        for part in kept:
            counts += np.bincount(part[4], minlength=len(self))
        chosen = np.zeros(len(self), dtype=bool)
        chosen[matching.voted_tracks(counts, min_hashes)] = True
        parts = []
        for seg, which, entry, own, track, ts, fs in kept:
            sel = np.nonzero(chosen[track])[0]
            # back in probe order, the order the vote saw before the sorted lookup
            sel = sel[np.argsort(which.take(sel), kind="stable")]
            entry = entry.take(sel)
            own = own.take(sel)
            parts.append(Candidates(owner=own.astype(np.int64),
                                    track=track.take(sel).astype(np.int64), q_t=q.t.take(own),
                                    r_t=seg.col("t").take(entry), time_scale=ts.take(sel),
                                    freq_scale=fs.take(sel)))
        cand = Candidates(*(np.concatenate([getattr(p, f) for p in parts])
                            for f in Candidates.__dataclass_fields__))
        return matching.lines(cand, min_hashes=min_hashes)

    # ---- writing -------------------------------------------------------------------------
    def add(self, track_id: str, samples: np.ndarray, sr: int) -> int:
        """Index a recording under `track_id`; returns the number of hashes stored."""
        _check_id(track_id)
        if track_id in self._number or (
                self._pending is not None and any(track_id in ids for ids, _, _ in self._pending)):
            raise InvalidInput(f"track {track_id!r}: already in the fingerprint index at "
                               f"{self.path}")
        p = peaks_mod.extract(samples, sr, per_s=peaks_mod.VERIFY_PEAKS_PER_S)
        q = quads_mod.build(peaks_mod.loudest(p, peaks_mod.PEAKS_PER_S), "reference")
        return self.add_quads(track_id, q, p)

    def add_quads(self, track_id: str, q: quads_mod.Quads, p: peaks_mod.Peaks) -> int:
        """Index precomputed quads of one recording, with the peaks stored for verification
        (`add` stores VERIFY_PEAKS_PER_S a second and builds quads from the loudest
        PEAKS_PER_S of them)."""
        return self.add_many([track_id], q, np.zeros(len(q), dtype=np.int64), p,
                             np.zeros(len(p), dtype=np.int64))

    def add_many(self, track_ids: list[str], q: quads_mod.Quads, owner: np.ndarray,
                 p: peaks_mod.Peaks, peak_owner: np.ndarray) -> int:
        """Index precomputed quads and peaks of many recordings at once: quad i belongs to
        track_ids[owner[i]], peak j to track_ids[peak_owner[j]] (bulk loads; the bench fills a
        100,000-track index with this)."""
        for t in track_ids:
            _check_id(t)
        owner = np.asarray(owner, dtype=np.int64)
        peak_owner = np.asarray(peak_owner, dtype=np.int64)
        for name, own, n in (("quad", owner, len(q)), ("peak", peak_owner, len(p))):
            if own.shape[0] != n or (own.size and (own.min() < 0
                                                   or own.max() >= len(track_ids))):
                raise InvalidInput(f"fingerprint index: owner must give each {name} a listed "
                                   "track")
        post = Postings.of(0, q)
        post = Postings(post.keys, owner.astype(np.uint32), post.t, post.width, post.height,
                        post.froot)
        rows = PeakRows.of(peak_owner, p)
        if self._pending is not None:
            self._pending.append((list(track_ids), post, rows))
        else:
            self._commit([(list(track_ids), post, rows)])
        return len(q)

    @contextmanager
    def batch(self) -> Iterator[FingerprintIndex]:
        """Collect adds and write them as one segment at the end (nothing if it raises)."""
        if self._pending is not None:
            raise InvalidInput("fingerprint index: batches do not nest")
        self._pending = []
        try:
            yield self
            pending, self._pending = self._pending, None
            if pending:
                self._commit(pending)
        finally:
            self._pending = None

    def _commit(self, items: list[tuple[list[str], Postings]]) -> None:
        with self._lock():
            self._reload()  # another writer may have added since we opened
            tracks = list(self._manifest["tracks"])
            new = [t for ids, _, _ in items for t in ids]
            clash = [t for t in new if t in self._number]
            if clash or len(set(new)) != len(new):
                raise InvalidInput(f"fingerprint index {self.path}: already indexed: "
                                   f"{', '.join(sorted(set(clash))[:5]) or 'duplicate ids'}")
            parts, peak_parts = [], []
            for ids, post, rows in items:
                base = np.uint32(len(tracks))
                tracks.extend(ids)
                parts.append(Postings(post.keys, post.track + base, post.t,
                                      post.width, post.height, post.froot))
                peak_parts.append(PeakRows(rows.track + base, rows.t, rows.f))
            name = Segment.write(self.path, Postings.concat(parts), PeakRows.concat(peak_parts))
            segments = list(self._manifest["segments"]) + [name]
            manifest = dict(self._manifest, segments=segments, tracks=tracks)
            if len(segments) > MAX_SEGMENTS:
                manifest = self._compacted(manifest)
            atomic.write_text(self.path / "manifest.json", json.dumps(manifest))
            self._reload()
            self._collect_garbage()

    def compact(self) -> None:
        """Merge every segment into one (queries then do one binary search per probe)."""
        with self._lock():
            self._reload()
            if len(self._manifest["segments"]) > 1:
                atomic.write_text(self.path / "manifest.json",
                                  json.dumps(self._compacted(self._manifest)))
                self._reload()
            self._collect_garbage()

    def _compacted(self, manifest: dict) -> dict:
        segs = [Segment(self.path / s) for s in manifest["segments"]]
        parts, peak_parts = [], []
        for s in segs:
            counts = np.diff(np.asarray(s.starts))
            keys = np.repeat(np.asarray(s.keys), counts)
            parts.append(Postings(keys, *(np.asarray(s.cols[f]) for f in FIELDS)))
            peak_parts.append(PeakRows(np.repeat(np.asarray(s.ptrack), np.diff(s.pstarts)),
                                       np.asarray(s.pt), np.asarray(s.pf)))
        name = Segment.write(self.path, Postings.concat(parts), PeakRows.concat(peak_parts))
        return dict(manifest, segments=[name])

    def _collect_garbage(self) -> None:
        live = set(self._manifest["segments"])
        for child in self.path.iterdir():
            if child.is_dir() and child.name.startswith(("seg-", ".tmp-seg-")) \
                    and child.name not in live:
                shutil.rmtree(child, ignore_errors=True)

    def _reload(self) -> None:
        fresh = FingerprintIndex.open(self.path)
        self._manifest, self._segments, self._number = (fresh._manifest, fresh._segments,
                                                        fresh._number)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.path / "lock", "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def accepted(votes: int, verified: float, coverage: float = 1.0, weakest: float = 1.0, *,
             min_hashes: int = MIN_HASHES, min_verified: float = MIN_VERIFIED,
             strong_hashes: int = STRONG_HASHES, strong_verified: float = STRONG_VERIFIED,
             min_coverage: float = MIN_COVERAGE, min_weakest: float = MIN_WEAKEST,
             exempt_hashes: int = WEAKEST_EXEMPT_HASHES) -> bool:
    """Whether a verified hypothesis is a match: enough quads and a high verified share, or many
    quads and a lower one; most of the query inside the reference (coverage); and no window of
    the query that fails to verify (weakest), unless the quad evidence is overwhelming."""
    return (((votes >= min_hashes and verified >= min_verified)
             or (votes >= strong_hashes and verified >= strong_verified))
            and coverage >= min_coverage
            and (weakest >= min_weakest or votes >= exempt_hashes))


def _check_id(track_id: str) -> None:
    if not isinstance(track_id, str) or not track_id.strip() or len(track_id) > MAX_TRACK_ID:
        raise InvalidInput(f"track id {track_id!r}: must be a non-empty string of at most "
                           f"{MAX_TRACK_ID} characters")
