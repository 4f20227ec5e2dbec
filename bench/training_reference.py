"""Reference-model benchmark (issue 16): the grouped split, the model's test nats/token and bits
per note beside modified Kneser-Ney n-grams of orders 3-8 on exactly the same tokens, and the
training speed levers (threads, batch shape, bf16, torch.compile) with model FLOP utilisation
against the machine's matmul peak measured in the same process (bench/matmul_peak.py).

    PYTHONPATH=src .venv/bin/python bench/training_reference.py ngrams RUN      # n-grams only
    PYTHONPATH=src nice -n 5 .venv/bin/python bench/training_reference.py speed [--steps 4]
    PYTHONPATH=src nice -n 5 .venv/bin/python bench/training_reference.py speed --smoke

MFU = achieved model FLOP/s / the measured fp32 matmul peak at the run's thread count (the best
of bench/matmul_peak.py's sweep of square and model-shaped GEMMs, warmed up, best of several
timings), also given against the best thread count and against the theoretical figure from
/proc/cpuinfo. Model FLOPs per token (`flops_per_token`): 6 N + 6 L d T, N the weights of the
linear layers (the tied output head counted once; no embedding lookups, norms or biases), and
6 L d T the attention scores and weighted values (forward 2 x 2 T d per layer, backward twice
that) over the causal half that is computed; PaLM's convention, 12 L d T (no causal discount),
is recorded too (`gflops_palm`). `--smoke` is a short version (< 2 minutes: the peak sweep's
three squares and short timings, eager fp32 at 1 and 2 threads, 2 timed steps, no compile).

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

import matmul_peak  # bench/matmul_peak.py, beside this script
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


def linear_weights(model: Transformer) -> int:
    """N of the model FLOPs: the weights of every linear layer (a tied weight once)."""
    seen = {id(m.weight): m.weight.numel() for m in model.modules()
            if isinstance(m, torch.nn.Linear)}
    return sum(seen.values())


def flops_per_token(cfg: ModelConfig, n_linear: int, seq: int, causal: bool = True) -> float:
    """6 N (forward and backward of every linear weight) + attention: 12 L d T as in PaLM's
    model FLOP utilisation, halved when only the causal half is counted (the default)."""
    return 6 * n_linear + (6 if causal else 12) * cfg.n_layer * cfg.n_embd * seq


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
    n = linear_weights(model)
    return {"threads": threads, "batch": batch, "seq": seq, "bf16": bf16, "compile": compile_,
            "step_s": dt, "first_step_s": first, "tokens_per_s": tps, "linear_weights": n,
            "flops_per_token": flops_per_token(cfg, n, seq),
            "gflops": flops_per_token(cfg, n, seq) * tps / 1e9,
            "gflops_palm": flops_per_token(cfg, n, seq, causal=False) * tps / 1e9}


def speed(steps: int, smoke: bool = False) -> None:
    out = {**_machine(), "torch": torch.__version__, "smoke": smoke, "runs": [],
           "theoretical": matmul_peak.theoretical()}

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    sweep = dict(squares=matmul_peak.SMOKE_SQUARES, min_time=0.15, repeats=3) if smoke else {}
    out["peak_fp32"] = matmul_peak.measure((1, 2), dtype=torch.float32, log=log, **sweep)
    if not smoke:
        out["peak_bf16"] = matmul_peak.measure((1, 2), dtype=torch.bfloat16, shapes=[], log=log,
                                               **sweep)
    trials = [(1, 8, 256, False, False), (2, 8, 256, False, False), (1, 16, 256, False, False),
              (1, 32, 128, False, False), (1, 8, 256, True, False), (1, 8, 256, False, True)]
    if smoke:
        trials = trials[:2]
    theory = out["theoretical"]
    for th, b, s, bf, comp in trials:
        try:
            r = step_speed(th, b, s, bf, comp, steps)
        except Exception as exc:  # noqa: BLE001 - a lever that fails here is reported as such
            r = {"threads": th, "batch": b, "seq": s, "bf16": bf, "compile": comp,
                 "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        out["runs"].append(r)
        print(json.dumps(r), file=sys.stderr, flush=True)
    if not smoke:  # again after the runs: the best of both sweeps, per thread count
        again = matmul_peak.measure((1, 2), dtype=torch.float32, log=log)
        out["peak_fp32_after"] = again
        for t, p in again["by_threads"].items():
            mine = out["peak_fp32"]["by_threads"][t]
            if p["peak_gflops"] > mine["peak_gflops"]:
                mine.update(peak_gflops=p["peak_gflops"], best_shape=p["best_shape"] + " (after)")
        out["peak_fp32"]["peak_gflops"] = max(
            p["peak_gflops"] for p in out["peak_fp32"]["by_threads"].values())
    for r in out["runs"]:
        if "gflops" not in r:
            continue
        peak = out["peak_fp32"]["by_threads"][str(r["threads"])]["peak_gflops"]
        r["mfu"] = r["gflops"] / peak  # against the measured peak at this thread count
        r["mfu_vs_machine_peak"] = r["gflops"] / out["peak_fp32"]["peak_gflops"]
        if theory["peak_gflops"]:
            r["mfu_vs_theoretical"] = r["gflops"] / (theory["peak_gflops_per_core"]
                                                     * min(r["threads"], theory["cores"]))
        if r["mfu"] > 1:  # the sweep missed a faster kernel, or interference held it down
            r["exceeds_measured_peak"] = True
            log(f"WARNING: {r['gflops']:.1f} model GFLOP/s exceeds the measured peak "
                f"{peak:.1f}: the peak is not an upper bound in this run")
    from accord.training.data import batch
    data = torch.randint(0, 340, (1_700_000,))
    g = torch.Generator().manual_seed(0)
    t = time.perf_counter()
    for _ in range(50):
        batch(data, 256, 8, g)
    out["batch_building_s_per_step"] = (time.perf_counter() - t) / 50
    out["loadavg_after"] = list(os.getloadavg())
    RESULTS.mkdir(exist_ok=True)
    name = "training-reference-speed-smoke.json" if smoke else "training-reference-speed.json"
    (RESULTS / name).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: v for k, v in out.items() if not k.startswith("peak_")}, indent=2))
    for t, p in out["peak_fp32"]["by_threads"].items():
        print(f"fp32 matmul peak, {t} thread(s): {p['peak_gflops']:.1f} GFLOP/s "
              f"({p['best_shape']})")
    print(f"theoretical: {theory['peak_gflops_per_core']} GFLOP/s per core, "
          f"{theory['peak_gflops']} for {theory['cores']} ({theory['isa']}, "
          f"{theory['clock_ghz']} GHz, {theory['clock_source']})")
    for r in out["runs"]:
        if "mfu" in r:
            print(f"{r['threads']} thread(s), {r['batch']} x {r['seq']}"
                  f"{', bf16' if r['bf16'] else ''}{', compile' if r['compile'] else ''}: "
                  f"{r['tokens_per_s']:.0f} tokens/s, {r['gflops']:.1f} model GFLOP/s, "
                  f"MFU {r['mfu']:.1%} (of the machine's best: {r['mfu_vs_machine_peak']:.1%})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("ngrams", "speed"))
    ap.add_argument("run", nargs="?", type=Path)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--smoke", action="store_true", help="speed: a short version (< 2 min)")
    args = ap.parse_args()
    if args.what == "ngrams":
        ngrams(args.run)
    else:
        speed(2 if args.smoke else args.steps, args.smoke)


if __name__ == "__main__":
    main()
