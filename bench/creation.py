"""Creation benchmark.

Issue 16's figures, for ANY registered model (`--model`, repeatable) of a home, beside an
n-gram (Kneser-Ney over the same model's training tokens) sampled under the same rules:

    PYTHONPATH=src .venv/bin/python bench/creation.py quality --home H --model M [--model M2]
        [--samples 200] [--bars 8]
    PYTHONPATH=src .venv/bin/python bench/creation.py e2e --home H --model M

`quality`: the well-formedness share of constrained outputs (every one of a cycle of requests:
bars, metre, key, form) and of unconstrained samples, and MusPy statistics of the samples
against held-out real pieces (Essen songs whose melodies the model's memorization guard does
not find in its training snapshot): pitch range, pitch-class entropy, scale consistency, groove
consistency, the share of melodic intervals within a fourth, and the distance between the
interval histograms (total variation, -12..12 semitones). `e2e`: the whole creation (sampling
under constraints, guard, arrangement, rendering, signing, crediting) of one 16-bar piece and
of a batch of 8, with the time of each stage, as music seconds per wall second.

The original sampling-speed benchmark is `sampling` (below): generation speed of the standard
preset with and without the KV cache (same run, same seeds), batch generation, and the
memorization guard's time per output.

    PYTHONPATH=src .venv/bin/python bench/creation.py sampling [--home DEMO_HOME] \
        [--train-seconds 120]

The standard preset (about 1M parameters) is trained here for --train-seconds on Essen folk
songs (music21 corpus, non-commercial licence; a benchmark is non-commercial research) so that
it emits music-like tokens; then new 16-bar pieces are sampled at 120 bpm and timed. Speed is
seconds of decoded music per second of sampling compute. The guard is timed over the index of
the DEMO_HOME model with the largest snapshot (the full demo snapshot): melody extraction plus
the n-gram look-up, per output. Prints a markdown section; writes bench/results/creation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import torch

from accord.creation import compose, guard
from accord.creation.music import duration_seconds
from accord.creation.request import Params
from accord.creation.sampling import Sampling, sample
from accord.music.ngrams import melody
from accord.training.corpus import write_essen
from accord.training.data import Piece
from accord.training.model import preset
from accord.training.tokenizer import Tokenizer
from accord.training.trainer import TrainConfig, load_best, train

ROOT = Path(__file__).resolve().parent


def _generate(model, tok, seeds, use_cache, bars, batch=1):
    p = Params(bars=bars, tempo=120.0)
    plan = compose.plan(tok, "new", p)
    sampling = Sampling(1.0, 0.95, plan.max_new_tokens, use_cache, banned=compose.banned(tok))
    done = compose.done_rule(tok, plan)
    tokens, music_s, compute_s, rows = 0, 0.0, 0.0, []
    for i in range(0, len(seeds), batch):
        chunk = seeds[i:i + batch]
        t0 = time.perf_counter()
        out = sample(model, [plan.prefix] * len(chunk), chunk, sampling, plan.pinned, done)
        compute_s += time.perf_counter() - t0
        for new in out:
            kept = compose.finish(tok, plan, new)
            tokens += len(new)
            music_s += duration_seconds(compose.shape(tok, plan, new, p).score)
            rows.append(kept)
    return {"tokens": tokens, "music_s": round(music_s, 2), "compute_s": round(compute_s, 3),
            "tokens_per_s": round(tokens / compute_s, 1),
            "realtime_x": round(music_s / compute_s, 1)}, rows


def _guard_times(home: Path) -> dict:
    from accord.config import Settings
    from accord.creation import service
    from accord.db.engine import make_engine, session_scope
    from accord.training import service as training
    from accord.training.tables import ModelVersionRow

    s = Settings(home=home)
    with session_scope(make_engine(s.db_url)) as session:
        from accord.training.tables import DatasetSnapshotRow

        # the model of the largest snapshot (the demo's full training snapshot)
        mid = max(training.list_models(session), key=lambda m: session.get(
            DatasetSnapshotRow, m["snapshot"]).item_count)["id"]
        row = session.get(ModelVersionRow, mid)
        path = guard.index_path(s, mid)
        if path.exists():
            path.unlink()
        t0 = time.perf_counter()
        index = service.guard_index(session, s, row)
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        guard.model_index(s, mid, lambda: [])
        load = time.perf_counter() - t0
        outs = service.list_outputs(session)
    times = []
    for o in outs * max(1, 50 // max(1, len(outs))):
        import symusic

        t0 = time.perf_counter()
        guard.check(index, melody(symusic.Score(str(o.midi_path))))
        times.append(time.perf_counter() - t0)
    return {"model": mid, "snapshot_works": len(index), "index_build_s": round(build, 3),
            "index_load_ms": round(1000 * load, 2), "outputs_checked": len(times),
            "check_ms_median": round(1000 * statistics.median(times), 3) if times else None,
            "check_ms_max": round(1000 * max(times), 3) if times else None}


def sampling_main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", default=None, help="a home made by `accord demo`")
    ap.add_argument("--pieces", type=int, default=300)
    ap.add_argument("--train-seconds", type=float, default=120.0)
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--batches", default="8,16", help="batch sizes to time (cached)")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    tok = Tokenizer.create()
    with tempfile.TemporaryDirectory() as tmp:
        midis = write_essen(Path(tmp) / "essen", args.pieces)
        pieces = [Piece(p.stem, tuple(tok.encode(p))) for p in midis]
        cfg = TrainConfig(model=preset("standard", tok.vocab_size), out_dir=str(Path(tmp) / "m"),
                          max_steps=100_000, max_seconds=args.train_seconds, eval_interval=25,
                          learning_rate=3e-3, min_lr=3e-4, warmup_steps=20, progress=False)
        result = train(cfg, pieces)
        model = load_best(Path(tmp) / "m")
    seeds = list(range(1, args.samples + 1))
    cached, rows_c = _generate(model, tok, seeds, True, args.bars)
    plain, rows_p = _generate(model, tok, seeds, False, args.bars)
    batches = {}
    rows_b = rows_c
    for b in (int(x) for x in args.batches.split(",")):
        batches[str(b)], rows = _generate(model, tok, seeds, True, args.bars, batch=b)
        rows_b = rows if rows != rows_c else rows_b
    stats = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in load0],
        "model": {"preset": "standard", "params": model.num_params(),
                  "train_steps": result.steps, "val_nats_per_token": round(result.best_val_loss,
                                                                             3)},
        "bars": args.bars, "samples": args.samples, "threads": Sampling().threads,
        "cached": cached, "uncached": plain, "batch_cached": batches,
        "cache_speedup": round(cached["tokens_per_s"] / plain["tokens_per_s"], 2),
        "cached_equals_uncached": rows_c == rows_p, "batch_equals_single": rows_b == rows_c,
    }
    if args.home:
        stats["guard"] = _guard_times(Path(args.home))
    stats["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    out = ROOT / "results" / "creation.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(stats, indent=2) + "\n")
    print(json.dumps(stats, indent=2))


def main() -> None:
    import sys

    from creation_quality import e2e_main, quality_main

    modes = {"sampling": sampling_main, "quality": quality_main, "e2e": e2e_main}
    if len(sys.argv) < 2 or sys.argv[1] not in modes:
        raise SystemExit(f"usage: bench/creation.py {{{','.join(modes)}}} ...")
    modes[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
