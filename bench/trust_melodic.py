"""Benchmark: the cost of upload screening's `melodic_copy` rule (accord.trust.gather).

    PYTHONPATH=src .venv/bin/python bench/trust_melodic.py [--sizes 1000,10000]
        [--notes 200] [--out bench/results/trust_melodic.json]

What a symbolic screening pays: on first use after a catalogue change, the melody of every
catalogue work's canonical MIDI (accord.music.ngrams.melody_from_midi) and the n-gram index
(NgramIndex.build, n = 8), saved as .npz; on every later upload, loading that file and one
`overlap` query. The catalogue here is synthetic: N MIDI files of `--notes` notes each, a
random walk of pitches (steps -4..+4 semitones) and onsets on a grid of eighths and quarters,
written with symusic at 480 ticks per quarter (thresholds are calibrated on real pieces
elsewhere: docs/creation.md, bench/creation_guard.py). The query is a copy of one catalogue
piece transposed by 3 semitones (coverage 1.0) and a fresh random walk.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import symusic

from accord.music.ngrams import NgramIndex, Note, melody_from_midi


def write_piece(path: Path, rng: np.random.Generator, notes: int) -> None:
    score = symusic.Score(480)
    track = symusic.Track()
    pitch, t = 64, 0
    for _ in range(notes):
        pitch = int(np.clip(pitch + rng.integers(-4, 5), 40, 90))
        dur = int(rng.choice([240, 480]))
        track.notes.append(symusic.Note(t, dur - 20, pitch, 90))
        t += dur
    score.tracks.append(track)
    score.dump_midi(str(path))


def run(size: int, notes: int, folder: Path) -> dict:
    rng = np.random.default_rng(size)
    paths = []
    for i in range(size):
        p = folder / f"w{i:06d}.mid"
        write_piece(p, rng, notes)
        paths.append(p)
    t0 = time.perf_counter()
    melodies = [(p.stem, melody_from_midi(p)) for p in paths]
    t1 = time.perf_counter()
    index = NgramIndex.build(melodies, n=8)
    t2 = time.perf_counter()
    store = folder / "melodies.npz"
    index.save(store)
    t3 = time.perf_counter()
    loaded = NgramIndex.load(store)
    t4 = time.perf_counter()
    copy = [Note(n.onset, n.duration, n.pitch + 3) for n in melodies[size // 2][1]]
    fresh_path = folder / "fresh.mid"
    write_piece(fresh_path, np.random.default_rng(10**9), notes)
    fresh = melody_from_midi(fresh_path)
    times, results = [], {}
    for name, q in (("copy", copy), ("fresh", fresh)):
        s = time.perf_counter()
        hits = loaded.overlap(q, limit=5)
        times.append(time.perf_counter() - s)
        results[name] = round(hits[0].coverage, 4) if hits else 0.0
    for p in paths:
        p.unlink()
    return {"works": size, "notes_per_work": notes, "melodies_s": round(t1 - t0, 3),
            "build_s": round(t2 - t1, 3), "save_s": round(t3 - t2, 3),
            "load_s": round(t4 - t3, 4), "index_bytes": store.stat().st_size,
            "query_ms": [round(x * 1000, 2) for x in times],
            "top_coverage": results}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--notes", type=int, default=200)
    ap.add_argument("--out", default="bench/results/trust_melodic.json")
    a = ap.parse_args()
    out = {"nproc": os.cpu_count(), "loadavg_before": Path("/proc/loadavg").read_text().split()[:3],
           "runs": []}
    with tempfile.TemporaryDirectory() as d:
        for size in [int(x) for x in a.sizes.split(",")]:
            r = run(size, a.notes, Path(d))
            print(json.dumps(r))
            out["runs"].append(r)
    out["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2))
    print(json.dumps({k: out[k] for k in ("nproc", "loadavg_before", "loadavg_after")}))


if __name__ == "__main__":
    main()
