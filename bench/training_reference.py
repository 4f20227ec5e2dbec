"""Reference-model benchmark (issue 16): the grouped split, the model's test nats/token and bits
per note beside modified Kneser-Ney n-grams of orders 3-8 on exactly the same tokens, and the
training speed levers (threads, batch shape, bf16, torch.compile) with model FLOP utilisation
against the machine's matmul peak measured in the same process.

    PYTHONPATH=src .venv/bin/python bench/training_reference.py ngrams RUN      # n-grams only
    PYTHONPATH=src .venv/bin/python bench/training_reference.py speed [--steps 4]
    PYTHONPATH=src .venv/bin/python bench/training_reference.py report RUN     # markdown

RUN is the directory scripts/train-reference.py wrote (split.json, tokens.jsonl, tokenizer.json,
run/). Raw figures go to bench/results/training-reference*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import torch

from accord.training import quality
from accord.training.model import ModelConfig, Transformer, preset
from accord.training.tokenizer import Tokenizer
from accord.training.trainer import TrainConfig, _optimizer, load_pieces

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"


def _load(run: Path):
    saved = json.loads((run / "split.json").read_text())
    side = saved["split"]
    pieces = load_pieces(run / "tokens.jsonl")
    by = {s: [p for p in pieces if side[p.id] == s] for s in ("train", "validation", "test")}
    return saved["report"], Tokenizer.load(run / "tokenizer.json"), by


def _machine() -> dict:
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
            "loadavg": list(os.getloadavg())}


def ngrams(run: Path) -> None:
    t0 = time.perf_counter()
    report, tok, by = _load(run)
    out = quality.ngram_report(tok, by["train"], by["validation"], by["test"])
    out.update({"seconds": time.perf_counter() - t0, **_machine(),
                "train_tokens": sum(len(p.ids) for p in by["train"])})
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "training-reference-ngrams.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


def matmul_peak(dtype: torch.dtype, n: int = 1024, reps: int = 12) -> float:
    """GFLOP/s of an n x n matmul (the best of three timings)."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(2):
        a @ b
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = max(best, 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e9)
    return best


def flops_per_token(cfg: ModelConfig, params: int, seq: int) -> float:
    """6N (forward and backward of every weight) + 12 L d T (attention scores and values),
    as in PaLM's model FLOP utilisation (causal masking not discounted)."""
    return 6 * params + 12 * cfg.n_layer * cfg.n_embd * seq


def step_speed(threads: int, batch: int, seq: int, bf16: bool = False, compile_: bool = False,
               steps: int = 4, vocab: int = 340) -> dict:
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = preset("standard", vocab)
    cfg = ModelConfig(**{**cfg.to_json(), "block_size": max(seq, cfg.block_size)})
    model = Transformer(cfg)
    opt = _optimizer(model, TrainConfig(model=cfg, out_dir=""))
    fwd = torch.compile(model) if compile_ else model
    x = torch.randint(0, vocab, (batch, seq))
    y = torch.randint(0, vocab, (batch, seq))

    def one():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            _, loss, _ = fwd(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    t = time.perf_counter()
    one()
    first = time.perf_counter() - t
    one()
    t = time.perf_counter()
    for _ in range(steps):
        one()
    dt = (time.perf_counter() - t) / steps
    tps = batch * seq / dt
    return {"threads": threads, "batch": batch, "seq": seq, "bf16": bf16, "compile": compile_,
            "step_s": dt, "first_step_s": first, "tokens_per_s": tps,
            "gflops": flops_per_token(cfg, model.num_params(), seq) * tps / 1e9}


def speed(steps: int) -> None:
    out = {**_machine(), "torch": torch.__version__, "runs": []}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        out[f"peak_fp32_gflops_{threads}t"] = matmul_peak(torch.float32)
        out[f"peak_bf16_gflops_{threads}t"] = matmul_peak(torch.bfloat16)
    trials = [(1, 8, 256, False, False), (2, 8, 256, False, False), (1, 16, 256, False, False),
              (1, 32, 128, False, False), (1, 8, 256, True, False), (1, 8, 256, False, True)]
    for th, b, s, bf, comp in trials:
        try:
            r = step_speed(th, b, s, bf, comp, steps)
        except Exception as exc:  # noqa: BLE001 - a lever that fails here is reported as such
            r = {"threads": th, "batch": b, "seq": s, "bf16": bf, "compile": comp,
                 "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        peak = out[f"peak_fp32_gflops_{th}t"]
        if "gflops" in r:
            r["mfu_vs_fp32_peak"] = r["gflops"] / peak
        out["runs"].append(r)
        print(json.dumps(r), file=sys.stderr, flush=True)
    from accord.training.data import batch
    data = torch.randint(0, 340, (1_700_000,))
    g = torch.Generator().manual_seed(0)
    t = time.perf_counter()
    for _ in range(50):
        batch(data, 256, 8, g)
    out["batch_building_s_per_step"] = (time.perf_counter() - t) / 50
    out["loadavg_after"] = list(os.getloadavg())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "training-reference-speed.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("ngrams", "speed"))
    ap.add_argument("run", nargs="?", type=Path)
    ap.add_argument("--steps", type=int, default=4)
    args = ap.parse_args()
    if args.what == "ngrams":
        ngrams(args.run)
    else:
        speed(args.steps)


if __name__ == "__main__":
    main()
