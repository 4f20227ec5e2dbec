"""Train the reference model in a home that holds the imported corpus (run in the background).

    PYTHONPATH=src .venv/bin/python scripts/train-reference.py --home ref-home \
        --out ref-home/reference-run --deadline 2026-12-02T15:05:00Z [--threads 2]

1. builds (or reuses) the non-commercial `train` snapshot of everything the registry permits now;
2. tokenizes it and splits it by tune family (`accord.training.reference_build.prepare`);
3. trains the standard preset on the training side, choosing the checkpoint on validation,
   stopping at the deadline at the latest. Writes split.json, tokens.jsonl, tokenizer.json and
   the trainer's files under --out; `scripts/package-reference.py` then evaluates on the test
   side, runs the n-gram baselines and packages the model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.training import dataset_service, reference_build
from accord.training.model import preset
from accord.training.trainer import TrainConfig, save_pieces, train

SCHEDULE = {"batch_size": 8, "learning_rate": 3e-3, "min_lr": 3e-4, "warmup_steps": 100,
            "eval_interval": 300, "patience": 1000, "min_delta": 1e-3}


def log(msg: str) -> None:
    print(f"{datetime.now(UTC).isoformat(timespec='seconds')} {msg}", file=sys.stderr, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--deadline", required=True, help="UTC time the training must end by")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tokens-per-s", type=float, default=800.0,
                    help="expected throughput, to size max_steps to the time left")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--preset", default="standard")
    ap.add_argument("--threshold", type=float, default=None,
                    help="the family threshold (default: calibrated, see families.calibrate)")
    args = ap.parse_args()
    settings = Settings(home=args.home)
    engine = make_engine(settings.db_url)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        built = dataset_service.build(session, settings)
        log(f"snapshot {built.id}: {built.items} items ({time.perf_counter() - t0:.0f}s)")
        prep = reference_build.prepare(session, settings, built.id, seed=args.seed,
                                              threshold=args.threshold)
    log(f"prepared ({time.perf_counter() - t0:.0f}s): {json.dumps(prep.report)}")
    (args.out / "split.json").write_text(json.dumps(
        {"report": prep.report, "split": prep.split_of()}, indent=1) + "\n")
    prep.tokenizer.save(args.out / "tokenizer.json")
    save_pieces(args.out / "tokens.jsonl", prep.train + prep.validation + prep.test)
    deadline = datetime.fromisoformat(args.deadline.replace("Z", "+00:00"))
    seconds = (deadline - datetime.now(UTC)).total_seconds()
    tokens_per_step = SCHEDULE["batch_size"] * 256
    max_steps = max(200, int(seconds * 0.92 * args.tokens_per_s / tokens_per_step))
    cfg = TrainConfig(model=preset(args.preset, prep.tokenizer.vocab_size),
                      out_dir=str(args.out / "run"), seed=args.seed, max_steps=max_steps,
                      max_seconds=max(60.0, seconds - 30), threads=args.threads,
                      progress=False, **SCHEDULE)
    (args.out / "config.json").write_text(json.dumps(cfg.to_json(), indent=2) + "\n")
    log(f"training {args.preset}: max_steps {max_steps}, budget {seconds:.0f}s, "
        f"{sum(len(p.ids) for p in prep.train)} train tokens")
    result = train(cfg, [], split=(prep.train, prep.validation))
    log(f"done: best val {result.best_val_loss:.4f} after {result.steps} steps, "
        f"{result.tokens_per_s:.0f} tokens/s")


if __name__ == "__main__":
    main()
