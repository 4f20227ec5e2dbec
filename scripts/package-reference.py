"""Evaluate a finished reference run on its test split beside the n-gram baselines, and write the
reference package into the source tree (src/accord/training/reference/).

    PYTHONPATH=src .venv/bin/python scripts/package-reference.py --home ref-home \
        --run ref-home/reference-run [--out src/accord/training/reference]

Reads the run's split.json, tokens.jsonl and tokenizer.json (scripts/train-reference.py), so the
evaluation uses exactly the pieces the run was trained, validated and tested on.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import torch

from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.training import quality, reference_build
from accord.training.reference_package import compress_npz, package
from accord.training.service import code_version
from accord.training.tokenizer import Tokenizer
from accord.training.trainer import load_best, load_pieces

ROOT = Path(__file__).resolve().parent.parent


def attribution_index(settings: Settings, snapshot_id: str, tok: Tokenizer, out: Path) -> None:
    """The symbolic attribution index over the snapshot's items (a function of their melodies,
    not of the weights), shipped so credits work in a home without the corpus's MIDI."""
    from accord.attribution.prepare import training_item
    from accord.attribution.symbolic import SymbolicMethod
    from accord.catalog import service as catalog
    from accord.training import dataset_service

    items = dataset_service.items(settings, snapshot_id)
    with session_scope(make_engine(settings.db_url)) as session:
        sym = {s.work_id: s for s in catalog.symbolic_items(session, [i.item_id for i in items])}
    built = [training_item(i.item_id, Path(sym[i.item_id].midi_path), tok, i.conditioning)
             for i in items]
    method = SymbolicMethod()
    target = out / "model-files" / "attribution" / f"{method.name}-v{method.version}"
    target.mkdir(parents=True, exist_ok=True)
    method.build_index(built, target)
    for f in target.glob("*.npz"):
        compress_npz(f)
    (target / "index.json").write_text(json.dumps(
        {"model": "", "method": method.name, "version": method.version,
         "snapshot": snapshot_id, "weights_sha256": "", "items": len(built),
         "built_at": datetime.now(UTC).isoformat(timespec="seconds"), "path": ""}, indent=2)
        + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "src/accord/training/reference")
    ap.add_argument("--preset", default="standard")
    ap.add_argument("--attribution-from", type=Path, help="a directory whose model-files/ holds "
                    "the attribution index built before for this snapshot and tokenizer")
    ap.add_argument("--attribution-only", action="store_true",
                    help="only build the attribution index into --out/model-files")
    ap.add_argument("--ngrams", type=Path, help="n-gram figures computed before (bench/training.py "
                    "--ngrams-only) on the same split; default: computed here")
    args = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    saved = json.loads((args.run / "split.json").read_text())
    if args.attribution_only:
        attribution_index(Settings(home=args.home), saved["report"]["snapshot"],
                          Tokenizer.load(args.run / "tokenizer.json"), args.out)
        print(f"attribution index built ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
        return
    side = saved["split"]
    pieces = load_pieces(args.run / "tokens.jsonl")
    tok = Tokenizer.load(args.run / "tokenizer.json")
    by = {s: [p for p in pieces if side[p.id] == s] for s in ("train", "validation", "test")}
    prep = reference_build.Prepared(tok, by["train"], by["validation"], by["test"],
                                    saved["report"])
    model = load_best(args.run / "run")
    ngrams = json.loads(args.ngrams.read_text()) if args.ngrams else None
    if ngrams is not None:  # JSON turned the order keys into strings
        for k in ("ngram_mkn_val_by_order", "ngram_mkn_test_by_order"):
            ngrams[k] = {int(n): v for n, v in ngrams[k].items()}
    metrics = quality.held_out_report(model, tok, prep.train, prep.validation, prep.test,
                                      ngrams=ngrams)
    run_metrics = json.loads((args.run / "run" / "metrics.json").read_text()) \
        if (args.run / "run" / "metrics.json").exists() else {}
    metrics.update({"preset": args.preset, "params": model.num_params(),
                    "train_pieces": len(prep.train), "train_tokens":
                    sum(len(p.ids) for p in prep.train),
                    "tokens_per_s": run_metrics.get("tokens_per_s"),
                    "steps_run": run_metrics.get("steps"),
                    "history": run_metrics.get("history", [])})
    print(f"evaluated ({time.perf_counter() - t0:.0f}s): " + json.dumps(
        {k: v for k, v in metrics.items() if k != "history"}), file=sys.stderr)
    settings = Settings(home=args.home)
    with session_scope(make_engine(settings.db_url)) as session:
        out = package(session, settings, saved["report"]["snapshot"], args.run / "run", prep,
                      metrics, args.out, code_version())
    if args.attribution_from:  # built before (it does not depend on the weights)
        shutil.copytree(args.attribution_from / "model-files", out / "model-files")
    else:
        attribution_index(settings, saved["report"]["snapshot"], tok, out)
    (args.run / "reference-metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"packaged into {out} ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)


if __name__ == "__main__":
    main()
