"""Calibrate the memorization guard's threshold on the corpus itself: how much of a real piece
(or of an output-sized excerpt of it) is found in the single most similar OTHER real piece?

    PYTHONPATH=src .venv/bin/python bench/creation_guard.py --home HOME [--window 32]

HOME is an Accord home with a catalogue (e.g. one made by `accord demo`, or by
`--import-per-collection N`, which imports N pieces of each folk/chorale collection first).
Every distinct catalogue piece (content-hash deduplicated) is compared with all the others
through the shared n-gram index (accord.music.ngrams, n=8, the guard's settings). Two
distributions of "max coverage by one other piece" are reported: whole pieces, and excerpts of
`--window` melody notes (about 8 bars, the size of an output) every window/2 notes. The guard's
threshold must sit above the excerpt distribution's 99.9th percentile. Prints a markdown section
and writes bench/results/creation_guard.json.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from accord.config import Settings
from accord.creation import guard
from accord.db.engine import make_engine, session_scope
from accord.music.ngrams import NgramIndex, melody_from_midi

ROOT = Path(__file__).resolve().parent
COLLECTIONS = ("essenFolksong", "oneills1850", "ryansMammoth", "airdsAirs", "bach")
PCTS = (50, 90, 99, 99.9, 100)


def _family(title: str) -> str:
    """A piece's tune family by title: without file suffixes, and for Bach chorales the BWV
    number without the version suffix (bwv112.5.mxl and bwv112.5-sc.mxl, bwv248.9-s and
    bwv248.9-1 are one chorale); two versions of one Essen song carry one title."""
    t = re.sub(r"\.(mxl|krn|abc|xml|mid|midi)$", "", title.strip().lower())
    bwv = re.match(r"(bwv\d+(\.\d+)?)\b", t)  # bwv248.9-s, bwv248.9-1: one chorale
    return bwv.group(1) if bwv else re.sub(r"-sc$", "", t)


def _max_other(index: NgramIndex, notes, own: set[str]) -> tuple[float, str | None]:
    for o in index.overlap(notes):
        if o.doc_id not in own:
            return o.coverage, o.doc_id
    return 0.0, None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--import-per-collection", type=int, default=0)
    ap.add_argument("--same-tune", type=float, default=0.3,
                    help="mutual whole-piece coverage that makes two pieces one tune")
    args = ap.parse_args()
    s = Settings(home=Path(args.home))
    if args.import_per_collection:
        from accord.catalog.importer import import_corpus
        from accord.cli.common import initialise

        initialise(s)
        for c in COLLECTIONS:
            import_corpus(s, [c], limit=args.import_per_collection, workers=1)
    from accord.catalog import service as catalog

    with session_scope(make_engine(s.db_url)) as session:
        items = catalog.symbolic_items(session)
    t0 = time.perf_counter()
    docs = [(i.work_id, melody_from_midi(i.midi_path)) for i in items]
    by_coll = {i.work_id: i.collection for i in items}
    index = NgramIndex.build(docs, n=guard.N)
    build_s = time.perf_counter() - t0
    # Tune families: pieces with one title family, or two whole pieces that share at least
    # --same-tune of EACH OTHER's distinct 8-grams (a chorale melody set in two cantatas, one
    # reel in O'Neill's and in Ryan's), are versions of one tune, joined transitively.
    parent = {i.work_id: i.work_id for i in items}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_title: dict[str, str] = {}
    for i in items:
        first = by_title.setdefault(_family(i.title), i.work_id)
        parent[root(i.work_id)] = root(first)
    for wid, notes in docs:
        for o in index.overlap(notes):
            if o.doc_id != wid and min(o.coverage, o.doc_coverage) >= args.same_tune:
                parent[root(wid)] = root(o.doc_id)
    family = {wid: root(wid) for wid in parent}
    members: dict[str, set[str]] = {}
    for wid, fam in family.items():
        members.setdefault(fam, set()).add(wid)
    runs = {"all": ([], [], []), "distinct": ([], [], [])}
    t0 = time.perf_counter()
    for wid, notes in docs:
        if len(notes) < guard.N:
            continue
        for name, own in (("all", {wid}), ("distinct", members[family[wid]])):
            whole, windows, pairs = runs[name]
            cov, other = _max_other(index, notes, own)
            whole.append(cov)
            pairs.append((cov, wid, other))
            step = max(1, args.window // 2)
            for start in range(0, max(1, len(notes) - args.window + 1), step):
                part = notes[start:start + args.window]
                if len(part) >= guard.N:
                    windows.append(_max_other(index, part, own)[0])
    query_s = time.perf_counter() - t0
    title = {i.work_id: i.title for i in items}

    def dist(name: str) -> dict:
        whole, windows, pairs = runs[name]
        w, p = np.array(windows), np.array(whole)
        return {"windows": len(windows),
                "whole": {str(q): round(float(np.percentile(p, q)), 4) for q in PCTS},
                "excerpt": {str(q): round(float(np.percentile(w, q)), 4) for q in PCTS},
                "excerpt_share_above": {str(t): round(float((w > t).mean()), 5)
                                        for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.8)},
                "excerpt_histogram": np.histogram(w, bins=10, range=(0, 1))[0].tolist(),
                "top_pairs": [{"coverage": round(c, 3), "piece": title.get(a), "other":
                               title.get(b), "collections": [by_coll.get(a), by_coll.get(b)]}
                              for c, a, b in sorted(pairs, reverse=True)[:5]]}
    stats = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"), "home": str(s.home),
        "pieces": len(docs), "tune_families": len(members),
        "collections": sorted(set(by_coll.values())), "n": guard.N,
        "window_notes": args.window, "same_tune": args.same_tune, "all_pairs": dist("all"),
        "distinct_tunes": dist("distinct"), "threshold": guard.THRESHOLD,
        "index_build_s": round(build_s, 3),
        "query_ms": round(1000 * query_s / max(1, 2 * (len(docs) + len(runs["all"][1]))), 3),
    }
    out = ROOT / "results" / "creation_guard.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(stats, indent=2) + "\n")
    print(f"## creation: memorization-guard calibration ({stats['date']})\n")
    print(f"{stats['pieces']} pieces in {stats['tune_families']} tune families "
          f"({', '.join(stats['collections'])}), excerpts of {args.window} melody notes, "
          f"n = {guard.N}.\n")
    print("| max coverage by one other piece | p50 | p90 | p99 | p99.9 | max |")
    print("|---|---:|---:|---:|---:|---:|")
    for run, label in (("all_pairs", "any other piece"), ("distinct_tunes", "another tune")):
        for name in ("whole", "excerpt"):
            d = stats[run][name]
            print(f"| {name}, {label} | " + " | ".join(f"{d[str(q)]:.3f}" for q in PCTS) + " |")
    for run in ("all_pairs", "distinct_tunes"):
        print(f"\n{run}: {stats[run]['windows']} excerpts; share above t: "
              f"{stats[run]['excerpt_share_above']}; histogram (0.1 bins): "
              f"{stats[run]['excerpt_histogram']}; top pairs: {stats[run]['top_pairs'][:3]}")
    print(f"\nthreshold in code: {guard.THRESHOLD}")

if __name__ == "__main__":
    main()
