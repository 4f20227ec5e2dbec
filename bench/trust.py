"""Benchmark: upload screening's re-upload detection and AI-artefact signal.

The full protocol (about 2 h on one free core; for the lead):

    PYTHONPATH=src .venv/bin/python bench/trust.py --part all --audio both \
        --excerpts-per-track 4 --scale-tracks 1000,100000

Options: --part robust|scale|artefact|calibrate|all, --audio wesnoth|rendered|both,
--rendered 24,12 (one-line tunes, chorales), --skip-chromaprint (robust: our index only),
--distortions
"none,pitch +1 st,..." (a subset; each run's rows merge into the earlier result for the same
protocol, so the full table can be filled by several shorter runs), --excerpts-per-track 4,
--clips-per-track 8 and --val-clips-per-track 10 (artefact), --cache DIR (indexes, reference
fingerprints, quads, rendered pieces and decoded clips are kept there between runs),
--limit-tracks N (smoke), --out bench/results/trust.json.

Audio: Debian's `wesnoth-1.16-music` (a GPL game soundtrack nobody here wrote; the bench
installs it with apt-get if it is missing and refuses to run without it). Tracks shorter than
40 s are dropped; the rest are split 80/20 by a fixed seed into indexed and held-out tracks.
`--audio rendered`: 36 pieces of the bundled corpus (24 one-line Essen folk tunes, the sparse
solo material of the demo catalogue, and 12 four-part Bach chorales, the first in corpus order
lasting 30-240 s) rendered by the catalogue's renderer (`accord.catalog.audio.render`:
FluidSynth, General MIDI piano, 44.1 kHz), split 80/20 the same way.

robust: the Panako/Olaf protocol. Index the 80% in our quad index; fingerprint the same 80%
with fpcalc through the catalogue's helper (the baseline: Chromaprint alone, offset-searching
bit-error matcher). Cut `--excerpts-per-track` 15 s excerpts (starts drawn per track within the
first 120 s, which is what fpcalc fingerprints by default) of indexed and held-out tracks;
distort each with sox (pitch +-1/+-2 semitones, speed and tempo +-3/+-5%, MP3 64 kbps) or numpy
(white noise at 10 dB SNR, drawn from a per-query seed) or sox's sinc band-pass 300-3000 Hz;
query both systems with the same file. True positive: an indexed excerpt's top match is its own
track (Chromaprint: the lowest bit error rate is its own track and at most MAX_BER). True
negative: a held-out excerpt matches nothing. Any top match on the wrong track counts as a false
match. Thresholds (MIN_HASHES, MAX_BER) were fixed before on other excerpts; the run reports the
margin (largest wrong-track vote count, smallest true one) per distortion. Every query also
records every hypothesis the quad vote produced (track, votes, verified share, coverage, and
the weakest window's share over 4, 3 and 6 s windows) and Chromaprint's five best references
(with the matcher's 5 s overlap and with 80% of the shorter fingerprint), so that `calibrate`
and bench/trust_overlap.py can replay any thresholds on the same queries.

calibrate: the index's thresholds (MIN_HASHES votes and MIN_VERIFIED, the verified share of
accord.trust.fingerprint.verify, then the second tier STRONG_HASHES and STRONG_VERIFIED of
index.accepted) chosen on *validation* pieces and reported on *test* pieces.
Each side of the 80/20 split is halved by its own seed (ROLE_SEED): half of the indexed and half
of the held-out pieces are validation pieces. Over the validation queries of every recorded
robust run (audio sets and distortions pooled), the grid H_GRID x V_GRID is searched for no
false match, then most true positives, then the highest verified share; the test pieces'
queries are then scored with the choice, beside the rule before verification (most votes, at
least 20) on the same queries. Rendered pieces that are one tune (`variant_groups`: the
melodies of their canonical MIDI share half their 8-grams) are reported apart: a match between
them is neither a true positive nor a false match.

scale: query time per excerpt at 1,000 and 100,000 indexed tracks. The index holds the real
indexed tracks plus synthetic tracks: each synthetic track's quads are rows drawn at random
from the real tracks' quads and moved a little (coordinates +-0.04, box width and height
+-15%, root frequency x0.7-1.4), so keys, box sizes and root frequencies follow the real joint
distribution and its popular regions without copying the real keys; root times are spread over
the track, and a track has as many quads as a real track (drawn from the real per-track
counts). Written with the public `add_many` in batches of 10,000 tracks (one segment each, as
an uncompacted index would be).
The baseline is Chromaprint's linear scan: its measured cost per reference times the count.

artefact: ROC AUC and the true-positive rate at 1% false positives of accord.trust.artefact on
held-out decoders and held-out tracks. Its own split of the tracks: a third for validation
(`--val-clips-per-track` clips each), the rest for evaluation (`--clips-per-track` clips each).
10 s clips at 22,050 Hz: clean clips vs the same clips through small strided-conv encoder /
transposed-conv decoder autoencoders trained briefly on the validation tracks (a few hundred
Adam steps, CPU). Everything tunable is chosen on the validation shapes and validation tracks
only: the spectral resolution (among artefact.RESOLUTIONS_HZ, by partial AUC up to 5% false
positives, then AUC), the logistic calibration and an operating threshold (the clean validation
clips' 99th percentile). AUC, TPR at 1% FPR, and TPR/FPR at that threshold are reported on
other tracks through other (held-out) shapes; the held-out figures at every resolution are
printed too, marked as not used for the choice.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from accord.catalog.audio import fingerprint as fpcalc_fingerprint  # noqa: E402
from accord.trust import artefact as artefact_mod  # noqa: E402
from accord.trust.fingerprint import FingerprintIndex, decode, match_raw  # noqa: E402
from accord.trust.fingerprint import chromaprint as cp  # noqa: E402
from accord.trust.fingerprint import peaks as peaks_mod  # noqa: E402
from accord.trust.fingerprint import quads as quads_mod  # noqa: E402
from accord.trust.fingerprint import verify as verify_mod  # noqa: E402
from accord.trust.fingerprint.index import accepted  # noqa: E402

MUSIC = Path("/usr/share/games/wesnoth/1.16/data/core/music")
CACHE = Path(tempfile.gettempdir()) / "accord-bench-trust-cache"
RENDERED_SPARSE, RENDERED_DENSE, RENDERED_MIN_S = 24, 12, 30.0
EXCERPT_S = 15.0
SEED = 14  # the track split
ROLE_SEED = 17  # each side of the split halved into validation and test pieces (calibrate)
VARIANT_COVERAGE = 0.4  # rendered pieces sharing this much of their melodic 4-grams: one tune
VARIANT_N = 4
EXCERPT_SEED = 141  # excerpt positions and noise; run 1 (seed 14) tuned the thresholds
MAX_CANDIDATES = 15  # hypotheses recorded per query (the vote verifies at most this many)
DISTORTIONS: dict[str, list[str] | str | None] = {
    "none": [],
    "pitch +1 st": ["pitch", "100"], "pitch -1 st": ["pitch", "-100"],
    "pitch +2 st": ["pitch", "200"], "pitch -2 st": ["pitch", "-200"],
    "speed +3%": ["speed", "1.03"], "speed -3%": ["speed", "0.97"],
    "speed +5%": ["speed", "1.05"], "speed -5%": ["speed", "0.95"],
    "tempo +3%": ["tempo", "-m", "1.03"], "tempo -3%": ["tempo", "-m", "0.97"],
    "tempo +5%": ["tempo", "-m", "1.05"], "tempo -5%": ["tempo", "-m", "0.95"],
    "mp3 64 kbps": "mp3", "white noise 10 dB SNR": "noise", "band-pass 300-3000 Hz": ["sinc",
                                                                                      "300-3000"],
}


def machine() -> dict:
    return {"nproc": os.cpu_count(), "load": os.getloadavg(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def ensure_music() -> list[Path]:
    if not MUSIC.exists():
        subprocess.run(["apt-get", "install", "-y", "wesnoth-1.16-music"], check=False)
    if not MUSIC.exists() or shutil.which("sox") is None:
        sys.exit("bench/trust.py needs Debian's wesnoth-1.16-music and sox "
                 "(apt-get install -y wesnoth-1.16-music sox libsox-fmt-mp3)")
    tracks = []
    for f in sorted(MUSIC.glob("*.ogg")):
        if sf.info(str(f)).duration >= 40:
            tracks.append(f)
    return tracks


def split(tracks: list[Path]) -> tuple[list[Path], list[Path]]:
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(tracks))
    cut = int(round(0.8 * len(tracks)))
    return [tracks[i] for i in sorted(order[:cut])], [tracks[i] for i in sorted(order[cut:])]


def roles(indexed: list[Path], held: list[Path]) -> dict[str, str]:
    """Each piece's role for calibration: half of the indexed and half of the held-out pieces
    (by a seed of their own) are *validation* pieces, on which thresholds are chosen; the
    others are *test* pieces, on which they are reported."""
    out = {}
    for group in (indexed, held):
        order = np.random.default_rng(ROLE_SEED).permutation(len(group))
        for rank, i in enumerate(order):
            out[group[i].stem] = "validation" if rank < (len(group) + 1) // 2 else "test"
    return out


def variant_groups(pieces: list[Path]) -> dict[str, list[str]]:
    """Rendered pieces that are one tune: their canonical MIDI's melodies (accord.music.ngrams
    n-grams of VARIANT_N notes, transposition- and tempo-invariant) share at least
    VARIANT_COVERAGE of the smaller piece's distinct n-grams (on the 36 pieces: 0.38-0.81
    within the Essen book's tunes 22/23/24 and 28/29, at most 0.26 between any other two). The
    book holds some tunes several times (ornaments differ, rendered alike); a match between
    such pieces is reported apart, neither a true positive nor a false match. Pieces without a
    MIDI beside the WAV have no variants."""
    from accord.music.ngrams import melody_from_midi, ngram_keys

    keys = {}
    for p in pieces:
        mid = p.with_suffix(".mid")
        if mid.exists():
            keys[p.stem] = set(ngram_keys(melody_from_midi(mid), VARIANT_N).tolist())
    out: dict[str, list[str]] = {k: [] for k in keys}
    names = sorted(keys)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            small = min(len(keys[a]), len(keys[b]))
            if small and len(keys[a] & keys[b]) / small >= VARIANT_COVERAGE:
                out[a].append(b)
                out[b].append(a)
    return {k: v for k, v in out.items() if v}


def mono(path: Path) -> tuple[np.ndarray, int]:
    x, sr = sf.read(str(path), always_2d=True, dtype="float32")
    return x.mean(axis=1), sr


def distort(src: Path, name: str, work: Path, rng: np.random.Generator) -> Path:
    how = DISTORTIONS[name]
    if how == "mp3":
        out = work / "q.mp3"
        subprocess.run(["sox", str(src), "-C", "64", str(out)], check=True, capture_output=True)
        return out
    out = work / "q.wav"
    if how == "noise":
        x, sr = sf.read(str(src), dtype="float32")
        noise = rng.normal(0, np.sqrt(np.mean(x ** 2) / 10.0), x.shape)
        sf.write(str(out), np.clip(x + noise, -1, 1), sr)
        return out
    subprocess.run(["sox", str(src), str(out), *how], check=True, capture_output=True)
    return out


def chromaprint_scan(query: np.ndarray, refs: dict[str, np.ndarray],
                     min_coverage: float) -> list[tuple[str, cp.ChromaprintMatch]]:
    """Every reference's best offset (match_raw at any bit error rate, with an overlap of at
    least `min_coverage` of the shorter fingerprint besides MIN_OVERLAP), lowest bit error rate
    first: Chromaprint alone, a linear scan."""
    found = [(name, m) for name, raw in refs.items()
             if (m := match_raw(query, raw, max_ber=1.0, min_coverage=min_coverage)) is not None]
    return sorted(found, key=lambda x: x[1].bit_error_rate)


def scan_rows(scan: list[tuple[str, cp.ChromaprintMatch]], top: int = 5) -> list:
    """The `top` references of a scan as recorded for calibration: [name, ber, overlap_s]."""
    return [[name, round(m.bit_error_rate, 4), round(m.overlap_s, 2)] for name, m in scan[:top]]


WINDOWS_S = (4.0, 3.0, 6.0)  # windows recorded for `weakest` (verify.WINDOW_S is one of them)
#: every hypothesis the vote finds, whatever its verification (see index.LIMITS)
ALL_HYPOTHESES = {"min_hashes": 1, "min_verified": 0.0, "min_coverage": 0.0, "min_weakest": 0.0}


def candidate_row(m, index: FingerprintIndex, p) -> list:
    """[track, votes, verified share, coverage, weakest at each of WINDOWS_S] for one recorded
    hypothesis: what calibrate and bench/trust_overlap.py replay rules on. The match carries
    its weakest at verify.WINDOW_S; the other windows are verified again."""
    row = [m.track_id, m.matched_hashes, round(m.score, 4), round(m.coverage, 4)]
    stored = index.peaks_of(m.track_id)
    for w in WINDOWS_S:
        weakest = m.weakest if w == verify_mod.WINDOW_S else verify_mod.check(
            p.t, p.f, stored[0], stored[1], m.offset_s * peaks_mod.FRAMES_PER_S,
            1.0 / m.time_ratio, m.pitch_ratio, window_s=w).weakest
        row.append(round(weakest, 4))
    return row


def rendered_tracks(cache: Path, sparse: int = RENDERED_SPARSE,
                    dense: int = RENDERED_DENSE) -> list[Path]:
    """Pieces of the bundled corpus rendered by the catalogue's renderer (FluidSynth, General MIDI
    piano, 44.1 kHz, `accord.catalog.audio.render` from the canonical MIDI), cached in `cache`:
    `sparse` one-line Essen folk tunes and `dense` four-part Bach chorales, the first in corpus
    order that last RENDERED_MIN_S to 240 s."""
    from accord.catalog import audio, corpus, symbolic

    out_dir = cache / "rendered"
    out_dir.mkdir(parents=True, exist_ok=True)
    listing = out_dir / f"pieces-{sparse}-{dense}.json"
    if listing.exists():
        paths = [Path(p) for p in json.loads(listing.read_text())]
        if all(p.exists() for p in paths):
            return paths
    paths = []
    for collection, want, prefix in (("essenFolksong", sparse, "essen"), ("bach", dense, "bach")):
        got = 0
        for _, path in corpus.corpus_files([collection]):
            for i, text in symbolic.pieces_in_file(path):
                if got >= want:
                    break
                try:
                    piece = symbolic.parse(path, text)
                except Exception:  # noqa: BLE001 - a piece the parser refuses is skipped
                    continue
                if not RENDERED_MIN_S <= symbolic.duration_seconds(piece) <= 240:
                    continue
                stem = f"{prefix}-{path.stem}-{i}".replace(".", "_")
                mid, wav = out_dir / f"{stem}.mid", out_dir / f"{stem}.wav"
                if not wav.exists():
                    mid.write_bytes(symbolic.canonical_midi(piece))
                    audio.render(mid, wav)
                paths.append(wav)
                got += 1
            if got >= want:
                break
    from accord import atomic

    atomic.write_text(listing, json.dumps([str(p) for p in paths]))
    return paths


def _cached_index(indexed: list[Path], cache: Path | None, work: Path,
                  chromaprint: bool = True):
    """The quad index and Chromaprint references of `indexed`, built or reused from `cache`
    (keyed by the track list; an index of other parameters is refused by open and rebuilt)."""
    import hashlib

    from accord.errors import InvalidInput

    key = hashlib.sha256("\n".join(str(f) for f in indexed).encode()).hexdigest()[:16]
    home = (cache if cache else work) / f"index-{key}"
    refs_path = home / "chromaprint.json"
    meta_path = home / "build.json"
    if home.exists() and refs_path.exists() and meta_path.exists():
        try:
            index = FingerprintIndex.open(home / "quads")
            refs = {k: np.array(v, dtype=np.uint32)
                    for k, v in json.loads(refs_path.read_text()).items()}
            if chromaprint and not refs:  # cached by a run without Chromaprint
                refs = {f.stem: decode(fpcalc_fingerprint(f)) for f in indexed}
                refs_path.write_text(json.dumps({k: [int(v) for v in r]
                                                 for k, r in refs.items()}))
            return index, refs, json.loads(meta_path.read_text()) | {"reused": True}
        except InvalidInput as exc:
            print(f"  rebuilding the cached index: {exc}", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    index = FingerprintIndex.create(home / "quads")
    t0 = time.perf_counter()
    hashes = 0
    with index.batch():
        for f in indexed:
            x, sr = mono(f)
            hashes += index.add(f.stem, x, sr)
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    refs = {f.stem: decode(fpcalc_fingerprint(f)) for f in indexed} if chromaprint else {}
    meta = {"hashes": hashes, "index_build_s": round(t_index, 1),
            "chromaprint_reference_s": round(time.perf_counter() - t0, 1), "machine": machine()}
    refs_path.write_text(json.dumps({k: [int(v) for v in r] for k, r in refs.items()}))
    meta_path.write_text(json.dumps(meta))
    return index, refs, meta | {"reused": False}


def _empty_row() -> dict:
    return {"tp": 0, "tn": 0, "false": 0, "n_pos": 0, "n_neg": 0, "ms": []}


def part_robust(indexed: list[Path], held: list[Path], per_track: int, work: Path,
                distortions: list[str], cache: Path | None, chromaprint: bool = True,
                variants: dict[str, list[str]] | None = None) -> dict:
    index, refs, build = _cached_index(indexed, cache, work, chromaprint)
    role = roles(indexed, held)
    variants = variants or {}
    rng = np.random.default_rng(EXCERPT_SEED)
    queries = []
    for f, kind in [(f, "indexed") for f in indexed] + [(f, "held-out") for f in held]:
        dur = sf.info(str(f)).duration
        for _ in range(per_track):
            start = float(rng.uniform(2.0, min(dur, 120.0) - EXCERPT_S - 1.0))
            queries.append((f, kind, round(start, 2)))
    systems = ("ours", "chromaprint") if chromaprint else ("ours",)
    rows = {name: {**{s: _empty_row() for s in systems},
                   "margin": {"ours_wrong_max_hashes": 0, "ours_true_min_hashes": None,
                              "chromaprint_wrong_min_ber": 1.0}}
            for name in distortions}
    excerpt = work / "excerpt.wav"
    details = []
    for n, (f, kind, start) in enumerate(queries):
        subprocess.run(["sox", str(f), "-c", "1", "-r", "22050", str(excerpt), "trim",
                        str(start), str(EXCERPT_S)], check=True, capture_output=True)
        # the noise of each query is drawn from its own seed, so a run over a subset of the
        # distortions sees the same queries as a run over all of them
        qrng = np.random.default_rng([EXCERPT_SEED, n])
        for name in distortions:
            q = excerpt if name == "none" else distort(excerpt, name, work, qrng)
            y, sr = sf.read(str(q), dtype="float32")
            r = rows[name]
            margin = r["margin"]
            a = time.perf_counter()
            # every hypothesis the vote produced, with its votes and verified share: the
            # calibration (--part calibrate) replays any thresholds on these
            qpeaks = peaks_mod.extract(y, sr)  # timed with the query, as index.query does
            cands = index.query_peaks(qpeaks, top=MAX_CANDIDATES, **ALL_HYPOTHESES)
            r["ours"]["ms"].append(1000 * (time.perf_counter() - a))
            best = None
            cp_cands = None
            if chromaprint:
                a = time.perf_counter()
                qraw = decode(fpcalc_fingerprint(q))
                scan = chromaprint_scan(qraw, refs, cp.MIN_COVERAGE)  # what screening runs
                r["chromaprint"]["ms"].append(1000 * (time.perf_counter() - a))
                best = (scan[0][0], scan[0][1].bit_error_rate) if scan else None
                cp_cands = {"items": int(qraw.shape[0]),
                            "default": scan_rows(chromaprint_scan(qraw, refs, 0.0)),
                            f"cover_{cp.MIN_COVERAGE:g}": scan_rows(scan)}
            found = [m for m in cands
                     if accepted(m.matched_hashes, m.score, m.coverage, m.weakest)]
            ours_top = found[0] if found else None
            for m in cands:
                if m.track_id != f.stem:
                    margin["ours_wrong_max_hashes"] = max(margin["ours_wrong_max_hashes"],
                                                          m.matched_hashes)
            if best is not None and best[0] != f.stem:
                margin["chromaprint_wrong_min_ber"] = min(margin["chromaprint_wrong_min_ber"],
                                                          round(best[1], 4))
            cp_top = best[0] if best is not None and best[1] <= cp.MAX_BER else None
            tops = {"ours": ours_top.track_id if ours_top else None, "chromaprint": cp_top}
            for system in systems:
                top = tops[system]
                s = r[system]
                if kind == "indexed":
                    s["n_pos"] += 1
                    s["tp"] += top == f.stem
                else:
                    s["n_neg"] += 1
                    s["tn"] += top is None
                s["false"] += top is not None and top != f.stem \
                    and top not in variants.get(f.stem, ())
            if kind == "indexed" and ours_top and ours_top.track_id == f.stem:
                h = ours_top.matched_hashes
                cur = margin["ours_true_min_hashes"]
                margin["ours_true_min_hashes"] = h if cur is None else min(cur, h)
            details.append({"track": f.stem, "kind": kind, "role": role[f.stem], "start": start,
                            "distortion": name,
                            "ours": ours_top.to_json() if ours_top else None,
                            "candidates": [candidate_row(m, index, qpeaks) for m in cands],
                            "chromaprint": {"track": best[0], "ber": round(best[1], 4)}
                            if best else None,
                            "chromaprint_candidates": cp_cands})
        print(f"  query {n + 1}/{len(queries)} {f.stem} ({kind}) done", flush=True)
    for r in rows.values():
        for system in systems:
            ms = r[system].pop("ms")
            r[system]["query_ms_median"] = round(float(np.median(ms)), 1)
            r[system]["query_ms_p95"] = round(float(np.percentile(ms, 95)), 1)
        r["machine"] = machine()
    cp_ms = [r["chromaprint"]["query_ms_median"] for r in rows.values()] if chromaprint else []
    return {"indexed_tracks": len(indexed), "held_out_tracks": len(held),
            "excerpts_per_track": per_track, "queries_per_distortion": len(queries),
            "excerpt_s": EXCERPT_S, **build, "rows": rows, "variants": variants,
            "chromaprint_ms_per_reference": round(float(np.median(cp_ms)) / max(len(refs), 1),
                                                  3) if cp_ms else None,
            "details": details, "machine": machine()}


def merge_robust(old: dict | None, new: dict) -> dict:
    """A run over some distortions merged into an earlier run's result for the other ones (the
    same tracks, excerpts and index; a different protocol replaces the old result)."""
    same = old and all(old.get(k) == new[k] for k in ("indexed_tracks", "held_out_tracks",
                                                      "queries_per_distortion", "excerpt_s"))
    if not same:
        return new
    rows = {**old["rows"], **new["rows"]}
    details = [d for d in old.get("details", []) if d["distortion"] not in new["rows"]]
    return {**new, "rows": {k: rows[k] for k in DISTORTIONS if k in rows},
            "details": details + new["details"]}


def fill_index(path, real: dict, size: int, rng: np.random.Generator) -> FingerprintIndex:
    """An index of the real tracks' quads plus synthetic tracks up to `size` (module docstring)."""
    index = FingerprintIndex.create(path)
    with index.batch():
        for name, (q, p, _) in real.items():
            index.add_quads(name, q, p)
    pool = quads_mod.Quads(*(np.concatenate([getattr(q, fld) for q, _, _ in real.values()])
                             for fld in ("coords", "t", "width", "height", "f_root")))
    peak_f = np.concatenate([p.f for _, p, _ in real.values()])
    counts = np.array([len(q) for q, _, _ in real.values()])
    density = sum(len(p) for _, p, _ in real.values()) / sum(d for _, _, d in real.values())
    durations = np.array([d for _, _, d in real.values()])
    made = len(real)
    while made < size:
        n = min(10_000, size - made)
        per = rng.choice(counts, n)
        owner = np.repeat(np.arange(n), per)
        k = owner.shape[0]
        rows = rng.integers(0, len(pool), k)
        # a real row, moved a little: new keys near the real ones, not copies of them (a pool
        # of ~76k real rows would otherwise crowd 100k tracks into the same ~60k keys)
        coords = np.clip(pool.coords[rows] + rng.normal(0, 0.04, (k, 4)).astype(np.float32),
                         0, 1)
        frames = (rng.choice(durations, n) * peaks_mod.FRAMES_PER_S).astype(np.int64)
        fake = quads_mod.Quads(
            coords=coords.astype(np.float32),
            width=np.maximum(np.round(pool.width[rows] * rng.uniform(0.85, 1.15, k)),
                             1).astype(np.int32),
            height=(pool.height[rows] * rng.uniform(0.85, 1.15, k)).astype(np.float32),
            f_root=np.clip(pool.f_root[rows] * rng.uniform(0.7, 1.4, k), 13,
                           486).astype(np.float32),
            t=(rng.random(k) * frames[owner]).astype(np.int32))
        # spectral peaks for verification: the real density, times spread over the track,
        # frequencies drawn from the real peaks' (so a synthetic candidate costs what a real
        # one costs to verify, and its peaks land where real peaks do)
        npk = np.maximum((frames / peaks_mod.FRAMES_PER_S * density).astype(np.int64), 1)
        pown = np.repeat(np.arange(n), npk)
        pt = (rng.random(pown.shape[0]) * frames[pown]).astype(np.int32)
        order = np.lexsort((pt, pown))
        pf = peak_f[rng.integers(0, peak_f.shape[0], pown.shape[0])]
        fake_peaks = peaks_mod.Peaks(t=pt[order], f=pf, strength=np.zeros(pf.shape, np.float32))
        index.add_many([f"synthetic-{made + i:06d}" for i in range(n)], fake, owner,
                       fake_peaks, pown[order])
        made += n
        print(f"  index of {size}: {made} tracks", flush=True)
    return FingerprintIndex.open(path)


def real_quads(indexed: list[Path], cache: Path | None) -> dict:
    """Each track's reference quads, peaks and duration, cached by the track list and the
    source of the peak and quad code (a change to either recomputes them)."""
    import hashlib

    h = hashlib.sha256("\n".join(str(f) for f in indexed).encode())
    for mod in (peaks_mod, quads_mod):
        h.update(Path(mod.__file__).read_bytes())
    path = cache / f"quads-peaks-{h.hexdigest()[:16]}.npz" if cache else None
    fields = ("coords", "t", "width", "height", "f_root")
    pfields = ("t", "f", "strength")
    if path is not None and path.exists():
        z = np.load(path)
        return {f.stem: (quads_mod.Quads(*(z[f"{i}-{fld}"] for fld in fields)),
                         peaks_mod.Peaks(*(z[f"{i}-p{fld}"] for fld in pfields)),
                         float(z[f"{i}-duration"])) for i, f in enumerate(indexed)}
    real = {}
    for f in indexed:
        x, sr = mono(f)
        p = peaks_mod.extract(x, sr, per_s=peaks_mod.VERIFY_PEAKS_PER_S)  # as index.add
        q = quads_mod.build(peaks_mod.loudest(p, peaks_mod.PEAKS_PER_S), "reference")
        real[f.stem] = (q, p, x.shape[0] / sr)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {}
        for i, (q, p, d) in enumerate(real.values()):
            arrays |= {f"{i}-{fld}": getattr(q, fld) for fld in fields}
            arrays |= {f"{i}-p{fld}": getattr(p, fld) for fld in pfields}
            arrays[f"{i}-duration"] = np.array(d)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    return real


def part_scale(indexed: list[Path], sizes: list[int], work: Path, robust: dict | None,
               cache: Path | None = None) -> dict:
    rng = np.random.default_rng(SEED + 1)
    real = real_quads(indexed, cache)
    # query set: 15 s excerpts of 8 indexed tracks, undistorted, pitch +1 st and speed +3%
    qset = []
    for f in indexed[:: max(1, len(indexed) // 8)][:8]:
        x, sr = mono(f)
        for name in ("none", "pitch +1 st", "speed +3%"):
            ex = work / "scale-ex.wav"
            sf.write(str(ex), x[int(30 * sr):int(45 * sr)], sr)
            q = ex if name == "none" else distort(ex, name, work, rng)
            y, ysr = sf.read(str(q), dtype="float32")
            qset.append((f.stem, name, y.copy(), ysr))
    out = {"sizes": {}, "synthetic_note": "real tracks + synthetic tracks sampled from real quads"}
    for size in sizes:
        path = work / f"scale-{size}"
        t0 = time.perf_counter()
        index = fill_index(path, real, size, rng)
        build = time.perf_counter() - t0
        times, right, wrong = [], 0, 0
        for _ in range(2):  # the first pass warms the page cache; the second is timed
            times, right, wrong = [], 0, 0
            for stem, _name, y, ysr in qset:
                a = time.perf_counter()
                found = index.query(y, ysr)
                times.append(time.perf_counter() - a)
                right += bool(found) and found[0].track_id == stem
                wrong += bool(found) and found[0].track_id != stem
        seg_bytes = sum(p.stat().st_size for p in path.rglob("*.npy"))
        cp_ms = robust["chromaprint_ms_per_reference"] if robust else None
        out["sizes"][str(size)] = {
            "tracks": len(index), "real_tracks": len(real), "hashes": index.hash_count,
            "segments": len(index._manifest["segments"]), "disk_mb": round(seg_bytes / 2**20),
            "build_s": round(build, 1), "queries": len(times),
            "query_ms_median": round(1000 * float(np.median(times)), 1),
            "query_ms_p95": round(1000 * float(np.percentile(times, 95)), 1),
            "top1_correct": right, "wrong_top1": wrong,
            "chromaprint_linear_ms_projected": round(cp_ms * size, 1) if cp_ms else None,
            "machine": machine()}
        print(f"  scale {size}: {out['sizes'][str(size)]}", flush=True)
        shutil.rmtree(path, ignore_errors=True)
    return out


def autoencoder(strides: tuple[int, ...], kernels: tuple[int, ...], ch: int = 24):
    """Strided-conv encoder, transposed-conv decoder; the output is cut or padded to the input."""
    import torch

    class AE(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            y = self.net(x)[..., :x.shape[-1]]
            return torch.nn.functional.pad(y, (0, x.shape[-1] - y.shape[-1]))

    enc, dec, c = [], [], 1
    for s, k in zip(strides, kernels, strict=True):
        enc += [torch.nn.Conv1d(c, ch, k, stride=s, padding=(k - s) // 2), torch.nn.ELU()]
        c = ch
    for i, (s, k) in enumerate(zip(reversed(strides), reversed(kernels), strict=True)):
        last = i == len(strides) - 1
        dec.append(torch.nn.ConvTranspose1d(ch, 1 if last else ch, k, stride=s,
                                            padding=(k - s) // 2))
        if not last:
            dec.append(torch.nn.ELU())
    return AE(torch.nn.Sequential(*enc, *dec))


CAL_SHAPES = {"s4x4 k8": ((4, 4), (8, 8)), "s8x2 k16,4": ((8, 2), (16, 4)),
              "s2x2x2x2 k4": ((2, 2, 2, 2), (4, 4, 4, 4))}
HELD_SHAPES = {"s5x4 k10,8": ((5, 4), (10, 8)), "s3x3x2 k6,6,4": ((3, 3, 2), (6, 6, 4)),
               "s8x4 k8,4 (no overlap)": ((8, 4), (8, 4))}


def artefact_clips(cal_tracks: list[Path], eval_tracks: list[Path], val_clips: int,
                   clips_per_track: int, steps: int, cache: Path | None) -> tuple[dict, dict]:
    """The artefact part's clips: ({"val": [(clip, label, shape)], "eval": [...]}, shape info);
    clean clips and the same clips through every decoder, cached (float16) in `cache`."""
    import hashlib

    import torch
    from scipy import signal

    torch.set_num_threads(1)
    sr = 22050
    key = hashlib.sha256(json.dumps([[str(f) for f in cal_tracks], [str(f) for f in eval_tracks],
                                     val_clips, clips_per_track, steps, repr(CAL_SHAPES),
                                     repr(HELD_SHAPES), SEED]).encode()).hexdigest()[:16]
    path = cache / f"artefact-clips-{key}.npz" if cache else None
    if path is not None and path.exists():
        z = np.load(path, allow_pickle=False)
        meta = json.loads(str(z["meta"]))
        sets = {role: [(z[f"{role}-{i}"].astype(np.float32), lab, name)
                       for i, (lab, name) in enumerate(meta["labels"][role])]
                for role in ("val", "eval")}
        return sets, meta["shapes"]

    def clips(tracks: list[Path], per_track: int) -> list[np.ndarray]:
        out = []
        for f in tracks:
            info = sf.info(str(f))
            fsr = info.samplerate
            for start in np.linspace(5.0, info.duration - 11.0, per_track):
                x, _ = sf.read(str(f), start=int(start * fsr), frames=10 * fsr,
                               always_2d=True, dtype="float32")
                out.append(signal.resample_poly(x.mean(axis=1), sr, fsr).astype(np.float32))
        return out

    cal, ev = clips(cal_tracks, val_clips), clips(eval_tracks, clips_per_track)
    train = np.concatenate(cal)

    def trained(strides, kernels):
        torch.manual_seed(SEED)
        model = autoencoder(strides, kernels)
        opt = torch.optim.Adam(model.parameters(), lr=2e-3)
        hop = int(np.prod(strides))
        n = (sr // 2) // hop * hop
        g = np.random.default_rng(SEED)
        t0 = time.perf_counter()
        losses = []
        for _ in range(steps):
            idx = g.integers(0, train.shape[0] - n, 8)
            batch = torch.tensor(np.stack([train[i:i + n] for i in idx]))[:, None]
            loss = torch.nn.functional.l1_loss(model(batch), batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        return model, {"train_s": round(time.perf_counter() - t0, 1),
                       "l1_first": round(float(np.mean(losses[:10])), 4),
                       "l1_last": round(float(np.mean(losses[-10:])), 4)}

    def through(model, strides, x):
        hop = int(np.prod(strides))
        n = x.shape[0] // hop * hop
        with torch.no_grad():
            y = model(torch.tensor(x[:n])[None, None])[0, 0].numpy()
        return y

    shapes_info = {}
    sets = {"val": [(x, 0, "clean") for x in cal], "eval": [(x, 0, "clean") for x in ev]}
    for role, shapes, base in (("val", CAL_SHAPES, cal), ("eval", HELD_SHAPES, ev)):
        for name, (s, k) in shapes.items():
            model, info = trained(s, k)
            shapes_info[name] = dict(info, role="validation" if role == "val" else "held-out")
            sets[role] += [(through(model, s, x), 1, name) for x in base]
            print(f"  {role} shape {name} trained {info}", flush=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"labels": {r: [(lab, name) for _, lab, name in v] for r, v in sets.items()},
                "shapes": shapes_info}
        arrays = {f"{r}-{i}": x.astype(np.float16) for r, v in sets.items()
                  for i, (x, _, _) in enumerate(v)}
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)
        os.replace(tmp, path)
    return sets, shapes_info


def part_artefact(cal_tracks: list[Path], eval_tracks: list[Path], val_clips: int,
                  clips_per_track: int, steps: int, cache: Path | None = None) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score, roc_curve

    sr = 22050
    resolutions = artefact_mod.RESOLUTIONS_HZ
    sets, shapes_info = artefact_clips(cal_tracks, eval_tracks, val_clips, clips_per_track,
                                       steps, cache)

    def stats(x) -> list[float]:  # one statistic per candidate resolution
        return [artefact_mod.statistic(x, sr, r) for r in resolutions]

    t0 = time.perf_counter()
    val = [(stats(x), lab, name) for x, lab, name in sets["val"]]
    ev_stats = [(stats(x), lab, name) for x, lab, name in sets["eval"]]
    stat_s = time.perf_counter() - t0
    vx = np.log(np.maximum(np.array([v for v, _, _ in val]), 1e-3))  # (clips, resolutions)
    vy = np.array([y for _, y, _ in val])
    ex = np.log(np.maximum(np.array([v for v, _, _ in ev_stats]), 1e-3))
    ey = np.array([y for _, y, _ in ev_stats])
    en = [n for _, _, n in ev_stats]

    def tpr_at(y, s, fpr_max=0.01):
        f, t, _ = roc_curve(y, s)
        return float(np.max(t[f <= fpr_max]))

    # the choice, on validation only: the highest partial AUC up to 5% false positives (1% is
    # one or two clean validation clips, too coarse to rank on), then the higher full AUC
    choice = []
    for j, r in enumerate(resolutions):
        choice.append({"bin_hz": r, "val_pauc_5pct": round(float(
            roc_auc_score(vy, vx[:, j], max_fpr=0.05)), 4),
            "val_auc": round(float(roc_auc_score(vy, vx[:, j])), 4),
            "val_tpr_at_1pct_fpr": round(tpr_at(vy, vx[:, j]), 4)})
    best = max(range(len(resolutions)),
               key=lambda j: (choice[j]["val_pauc_5pct"], choice[j]["val_auc"]))
    lr = LogisticRegression(C=100.0).fit(vx[:, best][:, None], vy)
    a, b = float(lr.coef_[0][0]), float(lr.intercept_[0])
    score = 1 / (1 + np.exp(-(a * ex[:, best] + b)))
    vscore = 1 / (1 + np.exp(-(a * vx[:, best] + b)))
    # the operating threshold, also from validation: the lowest score above every clean
    # validation clip but the top 1%
    thr = float(np.quantile(vscore[vy == 0], 0.99))
    per_shape = {}
    for name in HELD_SHAPES:
        sel = np.array([n in ("clean", name) for n in en])
        per_shape[name] = {"auc": round(float(roc_auc_score(ey[sel], score[sel])), 4),
                           "tpr_at_1pct_fpr": round(tpr_at(ey[sel], score[sel]), 4),
                           "tpr_at_val_threshold": round(float(np.mean(
                               score[np.array([n == name for n in en])] > thr)), 4)}
    # for transparency only (not used for any choice): the held-out figures at every resolution
    held_by_res = {str(r): {"auc": round(float(roc_auc_score(ey, ex[:, j])), 4),
                            "tpr_at_1pct_fpr": round(tpr_at(ey, ex[:, j]), 4)}
                   for j, r in enumerate(resolutions)}
    clean_scores = score[ey == 0]
    return {"sr": sr, "clip_s": 10, "validation_tracks": len(cal_tracks),
            "held_out_tracks": len(eval_tracks),
            "validation_clips": sum(lab == 0 for _, lab, _ in sets["val"]),
            "evaluation_clips": sum(lab == 0 for _, lab, _ in sets["eval"]),
            "train_steps": steps, "shapes": shapes_info,
            "statistic_ms_per_clip_and_resolution": round(
                1000 * stat_s / (len(val) + len(ev_stats)) / len(resolutions), 1),
            "resolution_choice": choice, "bin_hz": resolutions[best],
            "calibration": [round(a, 4), round(b, 4)],
            "auc": round(float(roc_auc_score(ey, score)), 4),
            "tpr_at_1pct_fpr": round(tpr_at(ey, score), 4),
            "validation_threshold": round(thr, 4),
            "tpr_at_val_threshold": round(float(np.mean(score[ey == 1] > thr)), 4),
            "fpr_at_val_threshold": round(float(np.mean(clean_scores > thr)), 4),
            "tpr_at_score_0.5": round(float(np.mean(score[ey == 1] > 0.5)), 4),
            "fpr_at_score_0.5": round(float(np.mean(clean_scores > 0.5)), 4),
            "per_held_out_shape": per_shape,
            "held_out_by_resolution_not_used_for_choice": held_by_res,
            "clean_stat_median": round(float(np.exp(np.median(ex[ey == 0, best]))), 3),
            "fake_stat_median": round(float(np.exp(np.median(ex[ey == 1, best]))), 3),
            "machine": machine()}


BEFORE = {"min_hashes": 20, "min_verified": None}  # the index before verification
H_GRID = [3, 4, 5, 6, 8, 10, 12, 15, 20]
V_GRID = [round(float(v), 2) for v in np.arange(0.10, 0.905, 0.02)]
STRONG_H_GRID = [20, 25, 30, 35, 40, 50, 60, 80]  # the second tier (index.accepted)
STRONG_V_GRID = [round(float(v), 2) for v in np.arange(0.30, 0.785, 0.02)]


def decide(cands: list, min_hashes: int, min_verified: float | None,
           strong_hashes: int | None = None, strong_verified: float = 1.0) -> str | None:
    """The top match a rule gives from a query's recorded hypotheses [track, votes, verified
    share]. min_verified None: the rule before verification (most votes, at least min_hashes).
    strong_hashes: the second tier of index.accepted (that many votes and strong_verified)."""
    if min_verified is None:
        ok = [c for c in cands if c[1] >= min_hashes]
        return min(ok, key=lambda c: (-c[1], c[0]))[0] if ok else None
    ok = [c for c in cands if (c[1] >= min_hashes and c[2] >= min_verified)
          or (strong_hashes is not None and c[1] >= strong_hashes and c[2] >= strong_verified)]
    return max(ok, key=lambda c: (c[2], c[1]))[0] if ok else None


def outcome(d: dict, top: str | None, variants: dict) -> str:
    if top is not None and top != d["track"] and top in variants.get(d["track"], ()):
        return "variant"
    if d["kind"] == "indexed":
        return "tp" if top == d["track"] else ("miss" if top is None else "false")
    return "tn" if top is None else "false"


def part_calibrate(result: dict) -> dict:
    """Thresholds (MIN_HASHES, MIN_VERIFIED) chosen on the validation pieces' queries of every
    recorded robust run (all audio sets and distortions pooled): no false match, then most true
    positives, then the highest verified share, then the most votes. Reported per audio set and
    distortion on the test pieces, beside the rule before verification on the same queries."""
    runs = {k.removeprefix("robust_"): v for k, v in result.items()
            if k.startswith("robust_") and v.get("details") and "candidates" in v["details"][0]}
    if not runs:
        sys.exit("calibrate: no robust run with recorded candidates in the result file")
    rows = [(audio, d, r.get("variants", {})) for audio, r in runs.items() for d in r["details"]]
    val = [(d, var) for _, d, var in rows if d["role"] == "validation"]
    grid = []
    for h in H_GRID:
        for v in V_GRID:
            outs = [outcome(d, decide(d["candidates"], h, v), var) for d, var in val]
            grid.append({"min_hashes": h, "min_verified": v, "false": outs.count("false"),
                         "tp": outs.count("tp"), "tn": outs.count("tn")})
    clean = [g for g in grid if g["false"] == 0]
    chosen = max(clean, key=lambda g: (g["tp"], g["min_verified"], g["min_hashes"]))
    # the second tier, given the first: no false match, most true positives, then the most
    # votes and the highest share (the most demanding tier that finds as many)
    h, v = chosen["min_hashes"], chosen["min_verified"]
    tier2 = []
    for sh in STRONG_H_GRID:
        for sv in (x for x in STRONG_V_GRID if x < v):
            outs = [outcome(d, decide(d["candidates"], h, v, sh, sv), var) for d, var in val]
            tier2.append({"strong_hashes": sh, "strong_verified": sv,
                          "false": outs.count("false"), "tp": outs.count("tp"),
                          "tn": outs.count("tn")})
    clean2 = [g for g in tier2 if g["false"] == 0 and g["tp"] > chosen["tp"]]
    if clean2:
        best2 = max(clean2, key=lambda g: (g["tp"], g["strong_hashes"], g["strong_verified"]))
        chosen = {**chosen, **best2}
    # margins on validation: the highest verified share of a wrong hypothesis with enough votes
    wrong = [c[2] for d, var in val for c in d["candidates"]
             if c[0] != d["track"] and c[0] not in var.get(d["track"], ())
             and c[1] >= chosen["min_hashes"]]
    right = [c[2] for d, var in val for c in d["candidates"]
             if c[0] == d["track"] and c[1] >= chosen["min_hashes"]]

    def table(role: str, rule: dict) -> dict:
        out: dict = {}
        for audio, d, var in rows:
            if d["role"] != role:
                continue
            o = outcome(d, decide(d["candidates"], rule["min_hashes"], rule["min_verified"],
                                  rule.get("strong_hashes"), rule.get("strong_verified", 1.0)),
                        var)
            row = out.setdefault(audio, {}).setdefault(d["distortion"], {
                "tp": 0, "n_pos": 0, "tn": 0, "n_neg": 0, "false": 0, "variant": 0})
            row["n_pos" if d["kind"] == "indexed" else "n_neg"] += 1
            if o in ("tp", "tn", "false", "variant"):
                row[o] += 1
        return out

    rule = {k: chosen[k] for k in ("min_hashes", "min_verified", "strong_hashes",
                                   "strong_verified") if k in chosen}
    return {"chosen": chosen, "grid_zero_false": len(clean), "validation_queries": len(val),
            "test_queries": sum(d["role"] == "test" for _, d, _ in rows),
            "validation_wrong_max_verified": round(max(wrong), 4) if wrong else None,
            "validation_right_verified_p05": round(float(np.percentile(right, 5)), 4)
            if right else None,
            "test_after": table("test", rule), "test_before": table("test", BEFORE),
            "validation_after": table("validation", rule),
            "validation_before": table("validation", BEFORE), "machine": machine()}


def earlier_code(result: dict) -> dict:
    """Test and validation tables of an earlier code's robust runs (another result file, the
    same queries): each query scored by the top match that code returned (`ours`), with the
    thresholds it had then. The before column of a code change measured in one session."""
    out: dict = {}
    for key, r in result.items():
        if not key.startswith("robust_"):
            continue
        var = r.get("variants", {})
        for d in r["details"]:
            top = d["ours"]["track_id"] if d.get("ours") else None
            o = outcome(d, top, var)
            row = out.setdefault(d["role"], {}).setdefault(key.removeprefix("robust_"), {}) \
                .setdefault(d["distortion"], {"tp": 0, "n_pos": 0, "tn": 0, "n_neg": 0,
                                              "false": 0, "variant": 0})
            row["n_pos" if d["kind"] == "indexed" else "n_neg"] += 1
            if o in ("tp", "tn", "false", "variant"):
                row[o] += 1
    return out


def print_before_after(title: str, rows: dict, before: dict) -> None:
    """One markdown table: each distortion's TP, TN, false and variant counts, before -> after
    (distortions missing from either side are left out)."""
    print(title)
    print("| distortion | TP before | TP after | TN before | TN after | false before | "
          "false after | variant before / after |")
    for name in DISTORTIONS:
        if name not in rows or name not in before:
            continue
        a, b = rows[name], before[name]
        print(f"| {name} | {b['tp']}/{b['n_pos']} | {a['tp']}/{a['n_pos']} | "
              f"{b['tn']}/{b['n_neg']} | {a['tn']}/{a['n_neg']} | {b['false']} | "
              f"{a['false']} | {b['variant']} / {a['variant']} |")


def print_comparison(c: dict, before: dict) -> None:
    """The earlier code's tables beside this code's calibrated ones, test pieces first."""
    for role in ("test", "validation"):
        for audio, rows in c[f"{role}_after"].items():
            print_before_after(f"{role} pieces, {audio}: earlier code -> this code (calibrated)",
                               rows, before.get(role, {}).get(audio, {}))


def print_calibration(c: dict) -> None:
    print(f"chosen on {c['validation_queries']} validation queries: {c['chosen']}; "
          f"validation: highest wrong verified share {c['validation_wrong_max_verified']}, "
          f"5th percentile of right ones {c['validation_right_verified_p05']}")
    for role in ("test", "validation"):
        for audio, rows in c[f"{role}_after"].items():
            print_before_after(f"{role} pieces, {audio}: before (votes >= 20) -> after "
                               "(verified)", rows, c[f"{role}_before"][audio])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="all",
                    choices=["robust", "scale", "artefact", "calibrate", "all"])
    ap.add_argument("--skip-chromaprint", action="store_true",
                    help="robust: query our index only (no Chromaprint baseline)")
    ap.add_argument("--rendered", default=f"{RENDERED_SPARSE},{RENDERED_DENSE}",
                    help="rendered pieces: one-line tunes,chorales")
    ap.add_argument("--audio", default="wesnoth", choices=["wesnoth", "rendered", "both"],
                    help="robust: the Wesnoth soundtrack, rendered corpus pieces, or both")
    ap.add_argument("--excerpts-per-track", type=int, default=4)
    ap.add_argument("--distortions", default="all",
                    help="robust: comma-separated subset of the distortion names (or 'all'); "
                         "results merge into the earlier run's for the others")
    ap.add_argument("--scale-tracks", default="1000,100000")
    ap.add_argument("--clips-per-track", type=int, default=8, help="held-out tracks")
    ap.add_argument("--val-clips-per-track", type=int, default=10, help="validation tracks")
    ap.add_argument("--train-steps", type=int, default=200)
    ap.add_argument("--limit-tracks", type=int, default=0, help="use only the first N (smoke)")
    ap.add_argument("--cache", default=str(CACHE),
                    help="indexes, references and renderings kept between runs")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "trust.json"))
    ap.add_argument("--before", default="",
                    help="calibrate: a result file of an earlier code's robust runs on the same "
                         "queries, printed beside this code's calibrated tables")
    args = ap.parse_args()
    distortions = list(DISTORTIONS) if args.distortions == "all" else [
        d.strip() for d in args.distortions.split(",")]
    unknown = [d for d in distortions if d not in DISTORTIONS]
    if unknown:
        ap.error(f"--distortions: unknown {unknown}; known: {list(DISTORTIONS)}")
    if args.excerpts_per_track < 1:
        ap.error("--excerpts-per-track: must be at least 1")
    cache = Path(args.cache)
    tracks = ensure_music()
    if args.limit_tracks:
        tracks = tracks[:args.limit_tracks]
    indexed, held = split(tracks)
    print(f"{len(tracks)} tracks: {len(indexed)} indexed, {len(held)} held out; {machine()}")
    out_path = Path(args.out)
    result = json.loads(out_path.read_text()) if out_path.exists() else {}
    work = Path(tempfile.mkdtemp(prefix="accord-bench-trust-"))
    try:
        if args.part in ("robust", "all"):
            sets = {"wesnoth": (indexed, held)}
            variants: dict[str, list[str]] = {}
            if args.audio in ("rendered", "both"):
                sparse, dense = (int(x) for x in args.rendered.split(","))
                pieces = rendered_tracks(cache, sparse, dense)
                if args.limit_tracks:
                    pieces = pieces[:args.limit_tracks]
                sets["rendered"] = split(pieces)
                variants = variant_groups(pieces)
                print(f"rendered: {len(pieces)} pieces, {len(sets['rendered'][0])} indexed")
            if args.audio == "rendered":
                del sets["wesnoth"]
            for audio, (ix, ho) in sets.items():
                key = f"robust_{audio}"
                run = part_robust(ix, ho, args.excerpts_per_track, work, distortions, cache,
                                  not args.skip_chromaprint,
                                  variants if audio == "rendered" else None)
                result[key] = merge_robust(result.get(key), run)
                _write(out_path, result)
                print(f"{audio}:")
                print_robust(result[key])
        if args.part in ("calibrate", "all"):
            result["calibration"] = part_calibrate(result)
            if args.before:
                result["calibration"]["earlier_code"] = earlier_code(
                    json.loads(Path(args.before).read_text()))
            _write(out_path, result)
            print_calibration(result["calibration"])
            if args.before:
                print_comparison(result["calibration"], result["calibration"]["earlier_code"])
        if args.part in ("scale", "all"):
            sizes = [int(s) for s in args.scale_tracks.split(",")]
            robust = result.get("robust_wesnoth")
            result["scale"] = part_scale(indexed, sizes, work, robust, cache)
            _write(out_path, result)
        if args.part in ("artefact", "all"):
            # its own split: validation on a third of the tracks, evaluation on the rest (more
            # clean clips than the 20% hold-out gives, so 1% false positives is measurable)
            order = np.random.default_rng(SEED + 2).permutation(len(tracks))
            cal_n = len(tracks) // 3
            result["artefact"] = part_artefact([tracks[i] for i in order[:cal_n]],
                                               [tracks[i] for i in order[cal_n:]],
                                               args.val_clips_per_track,
                                               args.clips_per_track, args.train_steps, cache)
            _write(out_path, result)
            print(json.dumps(result["artefact"], indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_robust(r: dict) -> None:
    print("| distortion | ours TP | Chromaprint TP | ours TN | Chromaprint TN | false (ours/cp) "
          "| ms ours / cp | margin |")
    for name, row in r["rows"].items():
        o = row["ours"]
        c = row.get("chromaprint") or {k: "-" for k in o}
        print(f"| {name} | {o['tp']}/{o['n_pos']} | {c['tp']}/{c['n_pos']} | "
              f"{o['tn']}/{o['n_neg']} | {c['tn']}/{c['n_neg']} | {o['false']} / {c['false']} "
              f"| {o['query_ms_median']} / {c['query_ms_median']} | {json.dumps(row['margin'])} |")


def _write(path: Path, result: dict) -> None:
    from accord import atomic

    atomic.write_text(path, json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
