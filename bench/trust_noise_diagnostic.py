"""Diagnostic (validation pieces only): why the quad index misses sparse renderings under noise.

For the rendered corpus's *validation* pieces (bench/trust.py's split, roles, excerpt positions
and per-query noise seeds), each positive query's clean and distorted excerpts are compared
stage by stage:

- peaks: the share of the clean excerpt's peaks found again in the distorted one (+-2 frames,
  +-1.5 bins), and the share of the distorted excerpt's peaks that are the clean one's;
- quads: the query quads built; the reference's quads inside the excerpt that the distorted
  query rebuilds (same 4 peaks within tolerance);
- votes and verification: the right track's hypothesis (votes, verified share) and the best
  wrong one, from the index itself.

A miss is then put down to the first stage that fails: no right hypothesis at all ("votes"),
too few votes for either tier, or a verified share below the thresholds ("verification").
`--sweep` also replays the whole validation set (several distortions) under candidate peak
settings and prints each setting's validation true positives and false matches at thresholds
chosen on the same validation queries (the bench's calibrate criteria). No test piece is read.

    taskset -c 1 nice -n 5 env PYTHONPATH=src .venv/bin/python bench/trust_noise_diagnostic.py \
        --cache /work/wt/fpnoise-cache
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from accord.trust.fingerprint import FingerprintIndex  # noqa: E402
from accord.trust.fingerprint import index as index_mod  # noqa: E402
from accord.trust.fingerprint import peaks as peaks_mod  # noqa: E402
from accord.trust.fingerprint import quads as quads_mod  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_trust", ROOT / "bench" / "trust.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

SWEEP_DISTORTIONS = ["none", "pitch +1 st", "pitch -1 st", "pitch +2 st", "pitch -2 st",
                     "speed +3%", "speed -3%", "mp3 64 kbps", "white noise 10 dB SNR",
                     "band-pass 300-3000 Hz"]


def validation_queries(cache: Path, per_track: int, distortions: list[str]) -> dict:
    """{(track, kind, start, n): {distortion: 8 kHz samples}} for validation pieces only, the
    bench's excerpt positions and noise seeds; cached in `cache`."""
    path = cache / f"diag-queries-{per_track}.npz"
    pieces = bench.rendered_tracks(cache)
    indexed, held = bench.split(pieces)
    role = bench.roles(indexed, held)
    store = dict(np.load(path)) if path.exists() else {}
    rng = np.random.default_rng(bench.EXCERPT_SEED)
    queries = []
    for f, kind in [(f, "indexed") for f in indexed] + [(f, "held-out") for f in held]:
        dur = sf.info(str(f)).duration
        for _ in range(per_track):
            start = float(rng.uniform(2.0, min(dur, 120.0) - bench.EXCERPT_S - 1.0))
            queries.append((f, kind, round(start, 2)))
    out: dict = {}
    changed = False
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        excerpt = work / "excerpt.wav"
        for n, (f, kind, start) in enumerate(queries):
            if role[f.stem] != "validation":
                continue
            qrng = np.random.default_rng([bench.EXCERPT_SEED, n])
            made = False
            got = {}
            for name in distortions:
                key = f"{n}|{name}"
                if key not in store:
                    if not made:
                        subprocess.run(["sox", str(f), "-c", "1", "-r", "22050", str(excerpt),
                                        "trim", str(start), str(bench.EXCERPT_S)], check=True,
                                       capture_output=True)
                        made = True
                    # the noise draw must follow the bench's order of distortions
                    q = excerpt if name == "none" else bench.distort(excerpt, name, work, qrng)
                    y, sr = sf.read(str(q), dtype="float32")
                    store[key] = peaks_mod.to_analysis_rate(y, sr)
                    changed = True
                got[name] = store[key]
            out[(f.stem, kind, start, n)] = got
    if changed:
        np.savez(path, **store)
    return out, indexed, held


def build_index(indexed: list[Path], home: Path) -> FingerprintIndex:
    index = FingerprintIndex.create(home)
    with index.batch():
        for f in indexed:
            x, sr = bench.mono(f)
            index.add(f.stem, x, sr)
    return index


def _match_share(a: peaks_mod.Peaks, b: peaks_mod.Peaks) -> float:
    """Share of a's peaks with a peak of b within +-2 frames and +-1.5 bins."""
    if len(a) == 0:
        return float("nan")
    hit = 0
    for t, f in zip(a.t, a.f, strict=True):
        lo, hi = np.searchsorted(b.t, [t - 2, t + 3])
        hit += bool(np.any(np.abs(b.f[lo:hi] - f) <= 1.5))
    return hit / len(a)


def _survival_by_level(y_clean: np.ndarray, clean: peaks_mod.Peaks,
                       noisy: peaks_mod.Peaks) -> tuple[np.ndarray, np.ndarray]:
    """Each clean peak's level below the loudest bin within 0.5 s (dB) and whether the
    distorted excerpt has it."""
    s = peaks_mod.spectrogram_db(y_clean)[peaks_mod.F_MIN_BIN:peaks_mod.F_MAX_BIN + 1]
    from scipy import ndimage

    loud = ndimage.maximum_filter1d(s.max(axis=0), size=63, mode="nearest")
    rel = loud[clean.t] - clean.level
    hit = np.zeros(len(clean), bool)
    for i, (t, f) in enumerate(zip(clean.t, clean.f, strict=True)):
        lo, hi = np.searchsorted(noisy.t, [t - 2, t + 3])
        hit[i] = bool(np.any(np.abs(noisy.f[lo:hi] - f) <= 1.5))
    return rel, hit


def diagnose(queries: dict, index: FingerprintIndex, distortion: str, h: int, v: float,
             sh: int, sv: float) -> None:
    rows = []
    rels, hits, qrel = [], [], []
    for (track, kind, start, _n), got in queries.items():
        if kind != "indexed":
            continue
        clean = peaks_mod.extract(got["none"], peaks_mod.RATE)
        noisy = peaks_mod.extract(got[distortion], peaks_mod.RATE)
        survive = _match_share(clean, noisy)
        rel, hit = _survival_by_level(got["none"], clean, noisy)
        rels.append(rel)
        hits.append(hit)
        band = peaks_mod.spectrogram_db(got[distortion])[
            peaks_mod.F_MIN_BIN:peaks_mod.F_MAX_BIN + 1]
        noisy_rel = noisy.level - peaks_mod.local_power(band)[noisy.t]
        for t, f, r in zip(noisy.t, noisy.f, noisy_rel, strict=True):
            lo_, hi_ = np.searchsorted(clean.t, [t - 2, t + 3])
            qrel.append((float(r), bool(np.any(np.abs(clean.f[lo_:hi_] - f) <= 1.5))))
        own = _match_share(noisy, clean)
        nq = len(quads_mod.build(noisy, "query"))
        cands = index.query_peaks(noisy, top=15, min_hashes=1, min_verified=0.0,
                                    min_coverage=0.0, min_weakest=0.0)
        right = [m for m in cands if m.track_id == track]
        wrong = [m for m in cands if m.track_id != track]
        r = right[0] if right else None
        ok = r is not None and index_mod.accepted(r.matched_hashes, r.score, min_hashes=h,
                                                  min_verified=v, strong_hashes=sh,
                                                  strong_verified=sv)
        if ok:
            stage = "found"
        elif r is None:
            stage = "no hypothesis"
        elif r.matched_hashes < h:
            stage = "votes"
        elif r.score >= sv and r.matched_hashes < sh:
            stage = "votes (tier 2) / verification"
        else:
            stage = "verification"
        rows.append((track, start, len(clean), len(noisy), survive, own, nq,
                     r.matched_hashes if r else 0, round(r.score, 3) if r else None,
                     max((m.score for m in wrong), default=None), stage))
    print(f"\n{distortion}: track, start, clean peaks, distorted peaks, clean survive, "
          "distorted own, query quads, right votes, right share, best wrong share, stage")
    for row in rows:
        print(" ", row)
    rel, hit = np.concatenate(rels), np.concatenate(hits)
    for lo in range(0, 50, 5):
        sel = (rel >= lo) & (rel < lo + 5)
        print(f"  clean peaks {lo}-{lo + 5} dB below the local loudest: {int(sel.sum())}, "
              f"found again {hit[sel].mean() if sel.any() else float('nan'):.2f}")
    if qrel:
        qa = np.array(qrel)
        for lo in range(-5, 45, 5):
            sel = (-qa[:, 0] >= lo) & (-qa[:, 0] < lo + 5)
            print(f"  distorted peaks {lo}-{lo + 5} dB below the local power: {int(sel.sum())}, "
                  f"the clean excerpt's {qa[sel, 1].mean() if sel.any() else float('nan'):.2f}")
    stages: dict = {}
    for row in rows:
        stages[row[-1]] = stages.get(row[-1], 0) + 1
    print(f"  {distortion}: {stages}; survive median {np.median([r[4] for r in rows]):.2f}, "
          f"own median {np.median([r[5] for r in rows]):.2f}")


def sweep_run(queries: dict, index: FingerprintIndex, variants: dict) -> list[dict]:
    details, ms = [], []
    for (track, kind, start, _n), got in queries.items():
        for name, y in got.items():
            a = time.perf_counter()
            p = peaks_mod.extract(y, peaks_mod.RATE)
            cands = index.query_peaks(p, top=15, min_hashes=1, min_verified=0.0,
                                    min_coverage=0.0, min_weakest=0.0)
            ms.append(1000 * (time.perf_counter() - a))
            details.append({"track": track, "kind": kind, "role": "validation",
                            "start": start, "distortion": name,
                            "candidates": [[m.track_id, m.matched_hashes, round(m.score, 4)]
                                           for m in cands]})
    print(f"query ms (8 kHz input) median {np.median(ms):.1f}, p95 {np.percentile(ms, 95):.1f}")
    return details


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default=str(bench.CACHE))
    ap.add_argument("--excerpts-per-track", type=int, default=3)
    ap.add_argument("--distortion", default="white noise 10 dB SNR")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--set", action="append", default=[],
                    help="module.NAME=value (peaks, quads, verify, match, index): a setting "
                         "to try, e.g. peaks.REL_DB=25")
    args = ap.parse_args()
    from accord.trust.fingerprint import match as match_mod
    from accord.trust.fingerprint import verify as verify_mod

    mods = {"peaks": peaks_mod, "quads": quads_mod, "verify": verify_mod, "match": match_mod,
            "index": index_mod}
    for item in args.set:
        name, value = item.split("=", 1)
        mod, attr = name.split(".", 1)
        if not hasattr(mods[mod], attr):
            sys.exit(f"--set: {name} does not exist")
        setattr(mods[mod], attr, type(getattr(mods[mod], attr))(float(value))
                if isinstance(getattr(mods[mod], attr), (int, float)) else value)
        print(f"set {name} = {getattr(mods[mod], attr)}")
    cache = Path(args.cache)
    queries, indexed, held = validation_queries(cache, args.excerpts_per_track,
                                                SWEEP_DISTORTIONS)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        index = build_index(indexed, Path(tmp) / "quads")
        print(f"index: {len(index)} tracks, {index.hash_count} hashes, "
              f"{time.perf_counter() - t0:.1f} s")
        diagnose(queries, index, args.distortion, index_mod.MIN_HASHES, index_mod.MIN_VERIFIED,
                 index_mod.STRONG_HASHES, index_mod.STRONG_VERIFIED)
        if args.sweep:
            pieces = bench.rendered_tracks(cache)
            variants = bench.variant_groups(pieces)
            details = sweep_run(queries, index, variants)
            cal = bench.part_calibrate({"robust_rendered": {"details": details,
                                                            "variants": variants}})
            print("chosen on validation:", cal["chosen"], "wrong max",
                  cal["validation_wrong_max_verified"])
            for name, row in cal["validation_after"]["rendered"].items():
                print(f"  {name}: TP {row['tp']}/{row['n_pos']} TN {row['tn']}/{row['n_neg']} "
                      f"false {row['false']} variant {row['variant']}")
            fixed = {"min_hashes": index_mod.MIN_HASHES, "min_verified": index_mod.MIN_VERIFIED,
                     "strong_hashes": index_mod.STRONG_HASHES,
                     "strong_verified": index_mod.STRONG_VERIFIED}
            tot = {"tp": 0, "false": 0}
            for d in details:
                o = bench.outcome(d, bench.decide(d["candidates"], fixed["min_hashes"],
                                                  fixed["min_verified"], fixed["strong_hashes"],
                                                  fixed["strong_verified"]), variants)
                tot[o] = tot.get(o, 0) + 1
            print("  at the code's thresholds:", tot)


if __name__ == "__main__":
    main()
