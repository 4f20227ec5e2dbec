"""Attribution evaluation harness: planted quotations, the Linear Datamodeling Score, latency.

    PYTHONPATH=src .venv/bin/python bench/attribution_eval.py [--pieces 48] [--subsets 24]

1. Planted quotations. A tiny model is trained on `--pieces` Essen folk songs (music21 corpus,
   non-commercial licence: a benchmark is non-commercial research). For every song, a sample of
   the model (seeded) gets `L` melody notes of that song pasted in after its first bar
   (attribution.quote.plant); top-1 / top-5: is the song first / among the first five?
2. Counterfactual ground truth. `--subsets` tiny models are trained, same schedule and seed
   rules, each on a random half of the songs. For each target output (samples of the full
   model) the actual effect of subset S_j is minus the output's loss (nats) under model j; a
   method predicts sum_{i in S_j} score_i(target). LDS = Spearman(predicted, actual) over the
   subsets, averaged over targets; beside it a random-score baseline (Gaussian scores).
3. Latency over the demo catalogue (`--demo`): a home with the demo's catalogue subset, its
   snapshot and a tiny model (the demo's 120 steps); index build times; attributing one output
   end to end (service.attribute: input prepared, method scores, credit rule, registry look-up
   of the people), the first call after loading the index from disk and warm calls.

Prints a markdown section for bench/RESULTS.md and writes bench/results/attribution.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from accord.attribution.gradient import GradientMethod
from accord.attribution.prepare import query_from_tokens, training_item
from accord.attribution.quote import plant
from accord.attribution.symbolic import SymbolicMethod
from accord.training import data as D
from accord.training.corpus import write_essen
from accord.training.model import preset
from accord.training.tokenizer import Tokenizer
from accord.training.trainer import TrainConfig, load_best, train

ROOT = Path(__file__).resolve().parent


def _train(pieces, out: Path, steps: int, seed: int):
    cfg = TrainConfig(model=preset("tiny", VOCAB), out_dir=str(out), seed=seed,
                      max_steps=steps, eval_interval=steps,
                      learning_rate=1e-2, min_lr=1e-3, warmup_steps=10, patience=100,
                      val_fraction=0.05, progress=False, threads=1)
    train(cfg, pieces)
    return load_best(out)


VOCAB = Tokenizer.create().vocab_size


@torch.no_grad()
def _nats(model, ids) -> float:
    windows = D.eval_windows(D.Piece("t", tuple(ids)), model.cfg.block_size)
    x, y = D.padded(windows, model.cfg.block_size)
    logits, _, _ = model(x)
    return float(torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1),
                                                   ignore_index=-1, reduction="sum"))


def planted(tok, model, items, methods, lengths, sample_tokens=60) -> dict:
    out = {}
    for length in lengths:
        ranks = {name: [] for name in [*methods, "random"]}
        rng = random.Random(length)
        for j, it in enumerate(items):
            if len(it.notes) < length + 2:
                continue
            g = torch.Generator().manual_seed(1000 + j)
            sample = model.generate([tok.bos_id], sample_tokens, generator=g, stop_id=tok.eos_id)
            q = query_from_tokens(f"p{j}", plant(tok, sample, list(it.token_ids), 1, length), tok)
            for name, m in methods.items():
                ranks[name].append([s.item_id for s in m.attribute(q)].index(it.item_id) + 1)
            order = [x.item_id for x in items]
            rng.shuffle(order)
            ranks["random"].append(order.index(it.item_id) + 1)
        out[str(length)] = {name: {"n": len(r), "top1": round(float(np.mean(np.array(r) == 1)), 3),
                                   "top5": round(float(np.mean(np.array(r) <= 5)), 3)}
                            for name, r in ranks.items()}
    return out


def lds(tok, pieces, items, full_methods, model, args, tmp: Path) -> dict:
    rng = np.random.default_rng(args.seed)
    n = len(pieces)
    subsets = [np.sort(rng.choice(n, n // 2, replace=False)) for _ in range(args.subsets)]
    targets = []
    for t in range(args.targets):
        g = torch.Generator().manual_seed(5000 + t)
        ids = model.generate([tok.bos_id], 120, generator=g, stop_id=tok.eos_id)
        targets.append(query_from_tokens(f"t{t}", tuple(ids), tok))
    t0 = time.perf_counter()
    actual = np.zeros((args.subsets, args.targets))
    for j, sub in enumerate(subsets):
        m = _train([pieces[i] for i in sub], tmp / f"sub{j}", args.steps, args.seed + j + 1)
        actual[j] = [-_nats(m, q.token_ids) for q in targets]
    train_s = time.perf_counter() - t0
    pos = {it.item_id: i for i, it in enumerate(items)}
    member = np.zeros((args.subsets, n))
    for j, sub in enumerate(subsets):
        member[j, sub] = 1
    result = {}
    rnd = np.random.default_rng(args.seed + 99)
    for name, meth in [*full_methods.items(), ("random", None)]:
        rhos = []
        for t, q in enumerate(targets):
            if meth is None:
                scores = rnd.standard_normal(n)
            else:
                scores = np.zeros(n)
                for s in meth.attribute(q):
                    scores[pos[s.item_id]] = s.score
            rho = spearmanr(member @ scores, actual[:, t]).statistic
            rhos.append(0.0 if np.isnan(rho) else float(rho))
        result[name] = {"lds_mean": round(statistics.mean(rhos), 3),
                        "lds_sd": round(statistics.pstdev(rhos), 3),
                        "per_target": [round(r, 3) for r in rhos]}
    return {"subsets": args.subsets, "subset_size": n // 2, "targets": args.targets,
            "steps": args.steps, "train_seconds": round(train_s, 1), "methods": result}


def demo_latency(args) -> dict:
    """A home with the demo's catalogue subset, snapshot and tiny model; attribution timings."""
    from accord.attribution import service
    from accord.attribution.samples import make_sample
    from accord.catalog.demo import DEMO_SUBSET
    from accord.catalog.importer import import_corpus
    from accord.cli.common import initialise
    from accord.config import Settings
    from accord.db.engine import make_engine, session_scope
    from accord.training import dataset_service
    from accord.training import service as training
    from accord.training.demo import DEMO_STEPS

    home = Path(tempfile.mkdtemp(prefix="accord-attr-bench-"))
    s = Settings(home=home)
    initialise(s)
    for collection, count in DEMO_SUBSET:
        import_corpus(s, [collection], limit=count, workers=1)
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        snap = dataset_service.build(session, s)
        model = training.train_model(session, s, snap.id, "tiny", max_steps=DEMO_STEPS,
                                     samples=0, progress=False)["id"]
    out = {"items": snap.items, "model": model, "index": {}, "attribute": {}}
    with session_scope(engine) as session:
        sample = make_sample(session, s, model, seed=3)
        inp = service.inputs.load_output(session, s, sample["output_id"])
        for name in service.METHODS:
            built = service.build_index(session, s, model, name)
            out["index"][name] = built["seconds"]
            service._LOADED.clear()  # the first call loads the stored index from disk
            t0 = time.perf_counter()
            service.attribute(session, s, inp, name)
            cold = time.perf_counter() - t0
            warm = []
            for _ in range(5):
                t0 = time.perf_counter()
                service.attribute(session, s, inp, name)
                warm.append(time.perf_counter() - t0)
            out["attribute"][name] = {"first_s": round(cold, 3),
                                      "warm_median_s": round(statistics.median(warm), 3)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pieces", type=int, default=48)
    ap.add_argument("--subsets", type=int, default=24)
    ap.add_argument("--targets", type=int, default=12)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--demo", action="store_true", help="also time attribution on a demo home")
    ap.add_argument("--cache", default="/tmp/accord-bench-essen-attr")
    args = ap.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    load_start = os.getloadavg()
    tok = Tokenizer.create()
    paths = write_essen(Path(args.cache), args.pieces)
    items = [training_item(p.stem, p, tok) for p in paths]
    pieces = [D.Piece(it.item_id, it.token_ids) for it in items]
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        model = _train(pieces, tmp / "full", args.steps, args.seed)
        methods = {"symbolic": SymbolicMethod(), "trak": GradientMethod(model)}
        index_s = {}
        for name, m in methods.items():
            t0 = time.perf_counter()
            m.build_index(items, tmp / f"index-{name}")
            index_s[name] = round(time.perf_counter() - t0, 2)
        plant_res = planted(tok, model, items, methods, (8, 16))
        lds_res = lds(tok, pieces, items, methods, model, args, tmp)
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
              "loadavg_start": load_start, "args": vars(args), "index_seconds": index_s,
              "planted": plant_res, "lds": lds_res}
    if args.demo:
        result["demo"] = demo_latency(args)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    result["loadavg_end"] = os.getloadavg()
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "attribution.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
