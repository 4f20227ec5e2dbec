"""Training benchmark: tokens/s of both presets, the standard preset's validation loss vs the
smoothed 5-gram on the same tokens, and DDP with 2 processes vs 1 (as a ratio).

    PYTHONPATH=src .venv/bin/python bench/training.py [--pieces 600] [--seconds 540]

DDP alone, 2 processes vs 1 on the same tokens and configuration, 100 optimizer steps each (on a
quiet machine: nothing else running, record nproc and the load average; about 10-20 minutes on
2 cores):

    nproc; cat /proc/loadavg
    PYTHONPATH=src .venv/bin/python bench/training.py --ddp-only --ddp-steps 100

It writes bench/results/training-ddp.json and prints the ratio of training tokens/s (all
processes together) with the load average before and after each run.

Data: Essen folk songs from the music21 corpus (non-commercial licence; a benchmark is
non-commercial research), REMI tokens, split by piece after deduplication. Prints a markdown
section for bench/RESULTS.md and writes bench/results/training.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import torch

from accord.training import quality
from accord.training.corpus import write_essen
from accord.training.data import Piece, split_by_piece
from accord.training.model import preset
from accord.training.tokenizer import Tokenizer
from accord.training.trainer import TrainConfig, load_best, save_pieces, train

ROOT = Path(__file__).resolve().parent


def _ddp(cfg: TrainConfig, pieces: list[Piece], nproc: int, tmp: Path) -> dict:
    cfg = replace(cfg, out_dir=str(tmp / f"ddp{nproc}"), threads=0)
    (tmp / f"cfg{nproc}.json").write_text(json.dumps(cfg.to_json()))
    save_pieces(tmp / "tokens.jsonl", pieces)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    load = round(os.getloadavg()[0], 2)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                    f"--nproc_per_node={nproc}", "-m", "accord.training.trainer",
                    str(tmp / f"cfg{nproc}.json"), str(tmp / "tokens.jsonl")],
                   env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    m = json.loads((tmp / f"ddp{nproc}" / "metrics.json").read_text())
    return {"nproc": nproc, "tokens_per_s": m["tokens_per_s"], "wall_s": wall,
            "steps": m["steps"], "loadavg_1m_before_after": [load, round(os.getloadavg()[0], 2)]}


def _ddp_pair(cfg: TrainConfig, pieces: list[Piece], steps: int, tmp: Path) -> dict:
    """1 process, then 2, on the same tokens with the same configuration, `steps` optimizer
    steps each (no evaluation, no time limit)."""
    cfg = replace(cfg, max_steps=steps, eval_interval=10_000, max_seconds=0.0,
                  warmup_steps=1, progress=False)
    one, two = _ddp(cfg, pieces, 1, tmp), _ddp(cfg, pieces, 2, tmp)
    return {"one": one, "two": two,
            "tokens_per_s_ratio_2_vs_1": two["tokens_per_s"] / one["tokens_per_s"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pieces", type=int, default=600)
    ap.add_argument("--seconds", type=float, default=540.0)
    ap.add_argument("--ddp-steps", type=int, default=100,
                    help="optimizer steps of each DDP run (at least 100 for a ratio that means "
                         "something; fewer only for a smoke run)")
    ap.add_argument("--ddp-only", action="store_true",
                    help="only DDP, 2 processes vs 1 (standard preset), into training-ddp.json")
    ap.add_argument("--cache", default="/tmp/accord-bench-essen")
    args = ap.parse_args()
    t0 = time.perf_counter()
    paths = write_essen(Path(args.cache), args.pieces)
    tok = Tokenizer.create()
    pieces = [Piece(p.stem, tuple(tok.encode(p))) for p in paths]
    train_p, val_p = split_by_piece(pieces, 0.1, 1337)
    n_tokens = sum(len(p.ids) for p in train_p)
    print(f"{len(pieces)} pieces, {n_tokens} train tokens, {len(val_p)} val pieces "
          f"(data {time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    out: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                 "nproc": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                 "pieces": len(pieces), "train_tokens": n_tokens, "val_pieces": len(val_p)}
    if args.ddp_only:
        with tempfile.TemporaryDirectory() as tmpdir:
            tmp = Path(tmpdir)
            std = TrainConfig(model=preset("standard", tok.vocab_size), out_dir=str(tmp / "std"),
                              batch_size=16, learning_rate=3e-3, min_lr=3e-4)
            out["loadavg_1m_at_start"] = round(os.getloadavg()[0], 2)
            out["ddp"] = d = _ddp_pair(std, pieces, args.ddp_steps, tmp)
        (ROOT / "results").mkdir(exist_ok=True)
        (ROOT / "results" / "training-ddp.json").write_text(json.dumps(out, indent=2) + "\n")
        print(f"DDP standard preset, {args.ddp_steps} steps each, nproc={out['nproc']}: "
              f"2 processes {d['two']['tokens_per_s']:.0f} tokens/s (load "
              f"{d['two']['loadavg_1m_before_after']}), 1 process {d['one']['tokens_per_s']:.0f} "
              f"tokens/s (load {d['one']['loadavg_1m_before_after']}): ratio "
              f"{d['tokens_per_s_ratio_2_vs_1']:.2f}")
        return
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        tiny = TrainConfig(model=preset("tiny", tok.vocab_size), out_dir=str(tmp / "tiny"),
                           batch_size=16, max_steps=150, eval_interval=150,
                           learning_rate=1e-2, min_lr=1e-3, warmup_steps=10, progress=False)
        r = train(tiny, pieces)
        out["tiny"] = {"tokens_per_s": r.tokens_per_s, "steps": r.steps,
                       "val_nats_per_token": r.best_val_loss}
        std = TrainConfig(model=preset("standard", tok.vocab_size), out_dir=str(tmp / "std"),
                          batch_size=16, max_steps=4000, max_seconds=args.seconds,
                          eval_interval=100, learning_rate=3e-3, min_lr=3e-4,
                          warmup_steps=100, patience=5, progress=True)
        r = train(std, pieces)
        model = load_best(tmp / "std")
        losses = quality.losses(model, tok, train_p, val_p)
        print(f"losses done ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
        gaps = quality.sample_gaps(model, tok, val_p[:40], samples=8)
        out["standard"] = {"tokens_per_s": r.tokens_per_s, "steps": r.steps,
                           "params": model.num_params(),
                           "train_seconds": r.history[-1]["elapsed_s"] if r.history else 0,
                           "stopped_early": r.stopped_early, **losses,
                           "quality_gaps": gaps.get("gaps", {})}
        print(f"standard done ({time.perf_counter() - t0:.0f}s); DDP 1 vs 2", file=sys.stderr)
        out["ddp"] = _ddp_pair(std, pieces, args.ddp_steps, tmp)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "training.json").write_text(json.dumps(out, indent=2) + "\n")
    s, d = out["standard"], out["ddp"]
    rows = [
        ("tiny preset, training tokens/s (1 process)", f"{out['tiny']['tokens_per_s']:.0f}"),
        (f"standard preset ({s['params'] / 1e6:.2f}M params), training tokens/s (1 process)",
         f"{s['tokens_per_s']:.0f}"),
        (f"standard: optimizer steps in {s['train_seconds']:.0f} s", f"{s['steps']}"),
        ("standard: validation nats/token", f"{s['val_nats_per_token']:.3f}"),
        ("5-gram Kneser-Ney: validation nats/token (same tokens)",
         f"{s['ngram5_nats_per_token']:.3f}"),
        ("ratio model / 5-gram (below 1: the model wins)",
         f"{s['val_nats_per_token'] / s['ngram5_nats_per_token']:.3f}"),
        ("standard: bits per note (5-gram)",
         f"{s['val_bits_per_note']:.2f} ({s['ngram5_bits_per_note']:.2f})"),
        ("DDP standard, 2 processes vs 1: training tokens/s ratio",
         f"{d['tokens_per_s_ratio_2_vs_1']:.2f} ({d['two']['tokens_per_s']:.0f} vs "
         f"{d['one']['tokens_per_s']:.0f})"),
    ]
    gaps = json.dumps({k: round(v, 3) for k, v in s["quality_gaps"].items()})
    print(f"## training ({out['date'][:10]}, nproc={out['nproc']})\n\n"
          f"Data: {out['pieces']} Essen folk songs (music21 corpus), REMI without BPE, "
          f"{out['train_tokens']} training tokens, {out['val_pieces']} validation pieces "
          "(split by piece after deduplication).\n\n| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\nQuality gaps (8 samples minus held-out means; 0 is best): {gaps}\n")
    print(f"uniform: {math.log(tok.vocab_size):.3f} nats/token", file=sys.stderr)


if __name__ == "__main__":
    main()
