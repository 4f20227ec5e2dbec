"""The machine's float32 matmul peak, the denominator of model FLOP utilisation (MFU).

    PYTHONPATH=src nice -n 5 .venv/bin/python bench/matmul_peak.py          # full (~10 min)
    PYTHONPATH=src nice -n 5 .venv/bin/python bench/matmul_peak.py --smoke  # < 2 min

Two figures, both reported:

- **measured**: the best GFLOP/s of `torch.mm` (MKL) and of a oneDNN linear layer over large
  square sizes, and of `F.linear` / `torch.mm` over the standard preset's training GEMMs
  (batch 8 x 256 rows: qkv, attention output, MLP up and down, the tied output head, and their
  weight gradients), at 1 and 2 intra-op threads. Each shape is warmed up (0.3 s), then timed
  `--repeats` times, each timing at least `--min-time` seconds of back-to-back calls; the best
  timing counts (interference from other processes only ever slows a timing down, so the best
  is the closest to what the cores can do). The peak of a thread count is the best over all
  shapes; the machine's peak is the best over thread counts.
- **theoretical**: cores x clock x float32 FLOP per cycle per core, from /proc/cpuinfo's flags:
  2 FMA pipes (2 FLOP each per lane) of the widest vector the flags show (AVX-512: 16 lanes,
  AVX2 + FMA: 8, SSE: 4), except AMD family 25 (Zen 3 / Zen 4) and earlier Zen whose pipes are
  256 bits wide (Zen 4 splits an AVX-512 instruction in two) and Zen 1 (family 23, model
  < 0x30: two 128-bit pipes). The clock is cpufreq's cpuinfo_max_freq when the kernel exposes
  it, else /proc/cpuinfo's `cpu MHz` (in a virtual machine: the nominal clock; a core that
  boosts above it can beat this figure, so it is a reference, not a bound).

MFU in bench/training_reference.py (`speed`) divides the achieved model FLOP/s by the measured
peak of the same thread count, measured in the same process just before. Writes
bench/results/matmul-peak.json (with nproc and the load average before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
import torch.nn.functional as F

RESULTS = Path(__file__).resolve().parent / "results"

SQUARES = (256, 512, 1024, 2048, 3072)
SMOKE_SQUARES = (512, 1024, 2048)


def model_shapes(rows: int = 8 * 256, d: int = 144,
                 vocab: int = 340) -> list[tuple[str, int, int, int]]:
    """(name, m, k, n) of the standard preset's training GEMMs, forward as `F.linear(x, W)`
    (x: m x k, W: n x k) and the weight gradients as `mm` (k = the batch's rows)."""
    fwd = [("qkv", rows, d, 3 * d), ("attn out", rows, d, d), ("mlp up", rows, d, 4 * d),
           ("mlp down", rows, 4 * d, d), ("head", rows, d, vocab)]
    grads = [(f"{name} dW", n, rows, k) for name, _, k, n in fwd]
    return [*(("linear " + n, m, k, nn) for n, m, k, nn in fwd), *grads]


def time_gemm(m: int, k: int, n: int, *, kind: str, dtype: torch.dtype,
              min_time: float, repeats: int) -> float:
    """Best GFLOP/s of an m x k by k x n product (2 m k n FLOP a call). `kind`: "mm"
    (`torch.mm`, MKL in the x86 wheels), "linear" (`F.linear(x, W)`, W: n x k, as nn.Linear
    calls it) or "onednn" (a oneDNN linear on oneDNN tensors, the library torch.compile's CPU
    backend may pick instead of MKL)."""
    a = torch.randn(m, k, dtype=dtype)
    if kind == "onednn":
        from torch.utils import mkldnn

        layer = mkldnn.to_mkldnn(torch.nn.Linear(k, n, bias=False))
        a = a.to_mkldnn()
    b = torch.randn(n, k, dtype=dtype) if kind == "linear" else torch.randn(k, n, dtype=dtype)
    out = torch.empty(m, n, dtype=dtype)

    def call() -> None:
        with torch.no_grad():
            if kind == "linear":
                F.linear(a, b)
            elif kind == "onednn":
                layer(a)
            else:
                torch.mm(a, b, out=out)

    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < 0.3 or calls < 2:  # warm-up: caches, thread pool, clock
        call()
        calls += 1
    per_call = (time.perf_counter() - t0) / calls
    reps = max(1, int(min_time / per_call))
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(reps):
            call()
        best = max(best, 2.0 * m * k * n * reps / (time.perf_counter() - t) / 1e9)
    return best


def measure(threads: tuple[int, ...] = (1, 2), squares: tuple[int, ...] = SQUARES,
            dtype: torch.dtype = torch.float32, min_time: float = 0.5, repeats: int = 5,
            shapes: list[tuple[str, int, int, int]] | None = None, log=None) -> dict:
    """{"by_threads": {t: {"peak_gflops", "best_shape", "shapes": [...]}}, "peak_gflops",
    "peak_threads"}: the sweep above at each thread count (restored afterwards)."""
    saved = torch.get_num_threads()
    shapes = model_shapes() if shapes is None else shapes
    out: dict = {"dtype": str(dtype).removeprefix("torch."), "min_time_s": min_time,
                 "repeats": repeats, "by_threads": {}}
    try:
        for t in threads:
            torch.set_num_threads(t)
            rows = []
            kinds = ("mm", "onednn") if dtype == torch.float32 else ("mm",)
            for kind in kinds:
                for s in squares:
                    name = f"square {s}" + (" oneDNN" if kind == "onednn" else "")
                    rows.append({"shape": name, "m": s, "k": s, "n": s,
                                 "gflops": time_gemm(s, s, s, kind=kind, dtype=dtype,
                                                     min_time=min_time, repeats=repeats)})
                    if log:
                        log(f"{t} thread(s) {name}: {rows[-1]['gflops']:.1f} GFLOP/s")
            for name, m, k, n in shapes:
                rows.append({"shape": name, "m": m, "k": k, "n": n,
                             "gflops": time_gemm(m, k, n, kind="linear" if name.startswith(
                                 "linear") else "mm", dtype=dtype, min_time=min_time,
                                 repeats=repeats)})
                if log:
                    log(f"{t} thread(s) {name} {m}x{k}x{n}: {rows[-1]['gflops']:.1f} GFLOP/s")
            best = max(rows, key=lambda r: r["gflops"])
            out["by_threads"][str(t)] = {"peak_gflops": best["gflops"],
                                         "best_shape": best["shape"], "shapes": rows}
    finally:
        torch.set_num_threads(saved)
    top = max(out["by_threads"].items(), key=lambda kv: kv[1]["peak_gflops"])
    out["peak_gflops"], out["peak_threads"] = top[1]["peak_gflops"], int(top[0])
    return out


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def theoretical(cpuinfo: str | None = None, cores: int | None = None,
                max_khz: str | None = None) -> dict:
    """Cores x clock x FP32 FLOP/cycle/core from /proc/cpuinfo (see the module doc)."""
    cpuinfo = _read("/proc/cpuinfo") if cpuinfo is None else cpuinfo
    first = cpuinfo.split("\n\n")[0]

    def field(name: str) -> str:
        m = re.search(rf"^{name}\s*:\s*(.*)$", first, re.M)
        return m.group(1).strip() if m else ""

    flags = set(field("flags").split())
    vendor, family = field("vendor_id"), int(field("cpu family") or 0)
    model = int(field("model") or 0)
    if "avx512f" in flags:
        lanes, isa = 16, "AVX-512"
    elif {"avx2", "fma"} <= flags:
        lanes, isa = 8, "AVX2+FMA"
    elif "avx" in flags:
        lanes, isa = 8, "AVX (no FMA)"
    else:
        lanes, isa = 4, "SSE"
    pipes, note = 2, f"2 x {lanes * 32}-bit FMA pipes per core (assumed)"
    if vendor == "AuthenticAMD" and family == 25 and lanes == 16:
        lanes, note = 8, "Zen 4: 2 x 256-bit FMA pipes (an AVX-512 instruction split in two)"
    elif vendor == "AuthenticAMD" and family == 23 and model < 0x30:
        lanes, note = 4, "Zen 1: 2 x 128-bit FMA pipes"
    fma = 2 if "fma" in flags else 1  # an FMA is 2 FLOP; without FMA, an add and a mul pipe
    per_cycle = pipes * lanes * fma
    cores = cores or os.cpu_count() or 1
    khz = (_read("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
           if max_khz is None else max_khz).strip()
    if khz:
        ghz, clock = int(khz) / 1e6, "cpufreq cpuinfo_max_freq"
    else:
        ghz, clock = float(field("cpu MHz") or 0) / 1e3, "/proc/cpuinfo cpu MHz (nominal)"
    return {"model_name": field("model name"), "vendor": vendor, "family": family,
            "model": model, "isa": isa, "fp32_flop_per_cycle_per_core": per_cycle,
            "pipes": note, "cores": cores, "clock_ghz": round(ghz, 3), "clock_source": clock,
            "peak_gflops": round(cores * ghz * per_cycle, 1),
            "peak_gflops_per_core": round(ghz * per_cycle, 1)}


def machine() -> dict:
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
            "loadavg": _read("/proc/loadavg").split()[:3], "torch": torch.__version__,
            "torch_threads_default": torch.get_num_threads()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true",
                    help="a short version (3 squares, 0.15 s timings, 3 repeats; < 2 min)")
    ap.add_argument("--threads", default="1,2", help="intra-op thread counts, comma-separated")
    ap.add_argument("--min-time", type=float, default=None, help="seconds per timing")
    ap.add_argument("--repeats", type=int, default=None, help="timings per shape (best kept)")
    ap.add_argument("--bf16", action="store_true", help="also the bfloat16 squares")
    args = ap.parse_args()
    smoke = args.smoke
    threads = tuple(int(t) for t in args.threads.split(","))
    min_time = args.min_time or (0.15 if smoke else 0.5)
    repeats = args.repeats or (3 if smoke else 5)
    out = {**machine(), "smoke": smoke, "theoretical": theoretical()}

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    out["fp32"] = measure(threads, SMOKE_SQUARES if smoke else SQUARES, torch.float32,
                          min_time, repeats, log=log)
    if args.bf16:
        out["bf16"] = measure(threads, SMOKE_SQUARES if smoke else SQUARES, torch.bfloat16,
                              min_time, repeats, shapes=[], log=log)
    out["loadavg_after"] = _read("/proc/loadavg").split()[:3]
    RESULTS.mkdir(exist_ok=True)
    name = "matmul-peak-smoke.json" if smoke else "matmul-peak.json"
    (RESULTS / name).write_text(json.dumps(out, indent=2) + "\n")
    th, fp = out["theoretical"], out["fp32"]
    print(f"## matmul peak ({out['date'][:16]}, nproc={out['nproc']}, load "
          f"{' '.join(out['loadavg'])} before, {' '.join(out['loadavg_after'])} after"
          f"{', smoke' if smoke else ''})\n")
    print(f"Theoretical: {th['model_name']}, {th['isa']}, {th['pipes']}: "
          f"{th['fp32_flop_per_cycle_per_core']} FP32 FLOP/cycle/core x {th['cores']} cores x "
          f"{th['clock_ghz']} GHz ({th['clock_source']}) = **{th['peak_gflops']} GFLOP/s** "
          f"({th['peak_gflops_per_core']} per core)\n")
    print("| shape (m x k x n) | " + " | ".join(f"{t} thread(s) GFLOP/s" for t in threads)
          + " |\n|---|" + "---:|" * len(threads))
    rows = fp["by_threads"][str(threads[0])]["shapes"]
    for i, r in enumerate(rows):
        cells = [f"{fp['by_threads'][str(t)]['shapes'][i]['gflops']:.1f}" for t in threads]
        print(f"| {r['shape']} ({r['m']} x {r['k']} x {r['n']}) | " + " | ".join(cells) + " |")
    print("| **peak (best shape)** | " + " | ".join(
        f"**{fp['by_threads'][str(t)]['peak_gflops']:.1f}**" for t in threads) + " |")
    print(f"\nMeasured machine peak (fp32): **{fp['peak_gflops']:.1f} GFLOP/s** at "
          f"{fp['peak_threads']} thread(s); {fp['peak_gflops'] / th['peak_gflops']:.0%} of the "
          "theoretical figure." if th["peak_gflops"] else "")


if __name__ == "__main__":
    main()
