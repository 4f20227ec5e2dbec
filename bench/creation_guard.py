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


def _max_other(index: NgramIndex, notes, own: str) -> tuple[float, str | None]:
    for o in index.overlap(notes):
        if o.doc_id != own:
            return o.coverage, o.doc_id
    return 0.0, None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--import-per-collection", type=int, default=0)
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
    whole, windows, top_pairs = [], [], []
    t0 = time.perf_counter()
    for wid, notes in docs:
        if len(notes) < guard.N:
            continue
        cov, other = _max_other(index, notes, wid)
        whole.append(cov)
        top_pairs.append((cov, wid, other))
        step = max(1, args.window // 2)
        for start in range(0, max(1, len(notes) - args.window + 1), step):
            part = notes[start:start + args.window]
            if len(part) >= guard.N:
                windows.append(_max_other(index, part, wid)[0])
    query_s = time.perf_counter() - t0
    w, p = np.array(windows), np.array(whole)
    stats = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"), "home": str(s.home),
        "pieces": len(docs), "collections": sorted(set(by_coll.values())), "n": guard.N,
        "window_notes": args.window, "windows": len(windows),
        "whole": {str(q): round(float(np.percentile(p, q)), 4) for q in PCTS},
        "excerpt": {str(q): round(float(np.percentile(w, q)), 4) for q in PCTS},
        "excerpt_share_above": {str(t): round(float((w > t).mean()), 5)
                                for t in (0.3, 0.4, 0.5, 0.6, 0.8)},
        "pairs_above_0.8": [{"coverage": round(c, 3), "piece": a, "other": b,
                             "collections": [by_coll.get(a), by_coll.get(b)]}
                            for c, a, b in sorted(top_pairs, reverse=True) if c > 0.8][:10],
        "threshold": guard.THRESHOLD, "index_build_s": round(build_s, 3),
        "query_ms_per_window": round(1000 * query_s / max(1, len(windows) + len(docs)), 3),
    }
    out = ROOT / "results" / "creation_guard.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(stats, indent=2) + "\n")
    print(f"## creation: memorization-guard calibration ({stats['date']})\n")
    print(f"{stats['pieces']} distinct pieces ({', '.join(stats['collections'])}), "
          f"{stats['windows']} excerpts of {args.window} melody notes, n = {guard.N}.\n")
    print("| max coverage by one other piece | p50 | p90 | p99 | p99.9 | max |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("whole", "excerpt"):
        print(f"| {name} | " + " | ".join(f"{stats[name][str(q)]:.3f}" for q in PCTS) + " |")
    print(f"\nshare of excerpts above t: {stats['excerpt_share_above']}")
    print(f"pairs above 0.8: {stats['pairs_above_0.8']}")
    print(f"threshold in code: {guard.THRESHOLD}")


if __name__ == "__main__":
    main()
