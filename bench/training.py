"""Training benchmark: tokens/s of both presets, the standard preset's validation loss vs the
smoothed 5-gram on the same tokens, and DDP with 2 processes vs 1 (as a ratio).

    PYTHONPATH=src .venv/bin/python bench/training.py [--pieces 600] [--seconds 540]

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
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                    f"--nproc_per_node={nproc}", "-m", "accord.training.trainer",
                    str(tmp / f"cfg{nproc}.json"), str(tmp / "tokens.jsonl")],
                   env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    m = json.loads((tmp / f"ddp{nproc}" / "metrics.json").read_text())
    return {"nproc": nproc, "tokens_per_s": m["tokens_per_s"], "wall_s": wall,
            "steps": m["steps"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pieces", type=int, default=600)
    ap.add_argument("--seconds", type=float, default=540.0)
    ap.add_argument("--ddp-steps", type=int, default=12)
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
        ddp_cfg = replace(std, max_steps=args.ddp_steps, eval_interval=10_000, max_seconds=0.0,
                          warmup_steps=1, progress=False)
        one, two = _ddp(ddp_cfg, pieces, 1, tmp), _ddp(ddp_cfg, pieces, 2, tmp)
        out["ddp"] = {"one": one, "two": two,
                      "tokens_per_s_ratio_2_vs_1": two["tokens_per_s"] / one["tokens_per_s"]}
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
