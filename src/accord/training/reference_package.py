"""Writing a reference package (the layout `reference.py` reads) from a finished training run, and
reproducing a packaged model from its manifest (`accord model reproduce`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from sqlalchemy.orm import Session

from accord.config import Settings
from accord.errors import NotFound, Refused
from accord.music.ngrams import NgramIndex, melody_from_midi
from accord.rights import service as rights
from accord.timeutil import fmt, now
from accord.training import dataset_service, reference_build
from accord.training.reference import FORMAT, Reference, load, read_gz_json, weights_bytes_of
from accord.training.trainer import TrainConfig, train

#: `reproduce` calls a retrained model the same when its best validation loss is this close.
TOLERANCE = 0.02  # nats/token


def compress_npz(path: Path) -> None:
    """Rewrite an .npz with deflate (np.load reads both): the package's indexes halve."""
    import numpy as np

    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def _gz(obj) -> bytes:
    return gzip.compress(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode(),
                         mtime=0)


def works_records(session: Session, work_ids: list[str]) -> list[dict]:
    """The registry's record of each work, in the rights document's shape (title, writers,
    publishers and their shares), read through the rights service."""
    out = []
    for wid in work_ids:
        doc = rights.show(session, wid)
        doc.pop("kind", None)
        out.append(doc)
    return out


def package(session: Session, settings: Settings, snapshot_id: str, run_dir: Path,
            prepared: reference_build.Prepared, metrics: dict, out: Path,
            code_version: str) -> Path:
    """Write the reference package for the best checkpoint of run_dir into `out` (replaced)."""
    import torch

    best = torch.load(Path(run_dir) / "best.pt", weights_only=False)
    cfg = best["config"]
    run_metrics = Path(run_dir) / "metrics.json"
    if "history" not in metrics and run_metrics.exists():  # validation by step: reproduce
        metrics = {**metrics, "history": json.loads(run_metrics.read_text())["history"]}
    weights = weights_bytes_of(best["model"])
    snap = dataset_service.get(session, snapshot_id)
    sdir = settings.datasets_dir / snapshot_id
    items = dataset_service.items(settings, snapshot_id)
    split = prepared.split_of()
    tmp = Path(tempfile.mkdtemp(prefix=".reference.", dir=Path(out).parent))
    try:
        (tmp / "snapshot").mkdir()
        (tmp / "snapshot" / "manifest.jsonl.gz").write_bytes(
            gzip.compress((sdir / "manifest.jsonl").read_bytes(), mtime=0))
        for name in ("datasheet.json", "summary.md", "snapshot.json"):
            shutil.copyfile(sdir / name, tmp / "snapshot" / name)
        (tmp / "model.safetensors").write_bytes(weights)
        prepared.tokenizer.save(tmp / "tokenizer.json")
        (tmp / "works.json.gz").write_bytes(_gz(works_records(
            session, [i.item_id for i in items])))
        (tmp / "split.json.gz").write_bytes(_gz(split))
        from accord.catalog import service as catalog

        # the memorization guard's index, over the snapshot's items as the guard builds it
        every = [i.item_id for i in items]
        sym = {s.work_id: s for s in catalog.symbolic_items(session, every)}
        NgramIndex.build((i, melody_from_midi(sym[i].midi_path)) for i in every
                         ).save(tmp / "ngram-index.npz")
        compress_npz(tmp / "ngram-index.npz")
        meta = {
            "format": FORMAT, "preset": metrics.get("preset", "standard"),
            "model_args": best["model_args"], "config": {**cfg, "out_dir": ""},
            "seed": cfg["seed"], "steps": best["step"], "metrics": metrics,
            "split": {k: prepared.report[k] for k in ("threshold", "fractions", "seed",
                                                      "calibration", "near_duplicates",
                                                      "families", "split")},
            "snapshot": {"id": snap.id, "merkle_root": snap.merkle_root, "use": snap.use,
                         "purpose": snap.purpose, "at": fmt(snap.at),
                         "items": snap.item_count},
            "weights_sha256": hashlib.sha256(weights).hexdigest(),
            "weights_bytes": len(weights), "code_version": code_version,
            "created_at": fmt(now()),
        }
        (tmp / "reference.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        (tmp / "card.md").write_text(card_markdown(session, meta, json.loads(
            (sdir / "datasheet.json").read_text())))
        tmp.chmod(0o755)
        for f in tmp.rglob("*"):
            f.chmod(0o755 if f.is_dir() else 0o644)
        if Path(out).exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Path(out)



def _threshold_rule(sp: dict) -> str:
    """How the split's family threshold was set, for the card."""
    cal = sp["calibration"]
    if sp["threshold"] == cal["threshold"]:
        return (f"the 99.9th percentile of cross-tradition coverage, "
                f"{cal['null_quantile_value']}, rounded up to 0.05 and at least the floor "
                f"{cal['floor']}")
    return (f"set by hand to the floor {sp['threshold']}; the calibration's 99.9th percentile "
            f"of cross-tradition coverage, {cal['null_quantile_value']}, is raised by a few "
            f"cross-collection pairs that plausibly share tunes and would have given "
            f"{cal['threshold']}, a less strict grouping")


def _training_time(metrics: dict) -> str:
    hist = metrics.get("history") or []
    if not hist:
        return "trained briefly"
    return f"trained for {hist[-1]['elapsed_s'] / 60:.0f} minutes"


def card_markdown(session: Session, meta: dict, sheet: dict) -> str:
    names = {}
    for k in sheet["by_rights_holder"]:
        try:
            names[k] = rights.show(session, k).get("name", k)
        except NotFound:
            names[k] = k
    m, s, sp = meta["metrics"], meta["snapshot"], meta["split"]
    a = meta["model_args"]

    def f(key: str) -> str:
        v = m.get(key)
        return f"{v:.3f}" if isinstance(v, (int, float)) else "n/a"

    lines = [
        f"# Model card: Accord reference model (`model-ref-{meta['weights_sha256'][:12]}`)", "",
        "## Intended use",
        "Non-commercial research: symbolic melody generation from licensed, consented material "
        f"(the purpose of snapshot `{s['id']}`; a commercial request is refused).", "",
        "## Model",
        f"Decoder-only transformer, preset `{meta['preset']}`: {a['n_layer']} layers, "
        f"{a['n_embd']} wide, {a['n_head']} heads, context {a['block_size']} tokens, vocabulary "
        f"{a['vocab_size']} (REMI, no BPE); {m.get('params', 0):,} parameters; "
        f"{meta['weights_bytes'] / 1e6:.1f} MB of float32 safetensors. Trained for "
        f"{meta['steps']} steps (best validation checkpoint), seed {meta['seed']}, on CPU.", "",
        "## Training data",
        f"Snapshot `{s['id']}` (Merkle root `{s['merkle_root']}`), use `{s['use']}`, "
        f"permissions evaluated at {s['at']}: {s['items']} items, "
        f"{sheet['duration_s'] / 3600:.1f} hours, {sheet['notes']:,} notes.", "",
        "Rights holders (items): " + ", ".join(
            f"{names.get(k, k)} ({v['items']})" for k, v in sheet["by_rights_holder"].items()),
        "", "Collections (items): " + ", ".join(
            f"{k} ({v['items']})" for k, v in sheet["by_collection"].items()),
        "", "Excluded (totals by reason): " + (", ".join(
            f"{k}: {v}" for k, v in sheet["excluded"].items()) or "none"), "",
        "## Split",
        f"Grouped by tune family: melodic 8-gram coverage (the memorization guard's measure) "
        f"at or above {sp['threshold']} joins two pieces ({_threshold_rule(sp)}: "
        f"docs/training.md); "
        f"{sp['families']} families; validation / test shares {sp['fractions']}. Validation "
        f"pieces with a near-duplicate in training: "
        f"{sp['near_duplicates']['grouped_validation']['share']:.1%} (a split by piece would "
        f"give {sp['near_duplicates']['by_piece_validation']['share']:.1%}).", "",
        "## Metrics (nats per token; bits per note)",
        f"- validation (chooses the checkpoint): {f('val_nats_per_token')}",
        f"- test: {f('test_nats_per_token')} ({f('test_bits_per_note')} bits/note)",
        f"- best modified Kneser-Ney n-gram on test (order {m.get('ngram_best_order')}): "
        f"{f('ngram_test_nats_per_token')} ({f('ngram_test_bits_per_note')} bits/note)",
        f"- relative to that n-gram: {m.get('vs_ngram_percent', 'n/a')} % nats/token", "",
        "## Limits",
        f"- a small model of melodies ({_training_time(m)} on one CPU core)",
        "- only the collections the registry permitted and the catalogue held at the snapshot",
        "- may reproduce fragments of training pieces: creation runs the memorization guard",
        "- must not be used once retired (a revoked consent retires it at import or audit)",
        "- non-commercial research only: the snapshot's purpose", "",
    ]
    return "\n".join(lines)


def reproduce(session: Session, settings: Settings, path: Path | None = None,
              max_steps: int | None = None, tolerance: float = TOLERANCE,
              out_dir: Path | None = None) -> dict:
    """Retrain from the manifest with the recorded seed, preset, schedule and split rule, and
    report how close the result is (best validation loss within `tolerance`)."""
    ref: Reference = load(path)
    sid = ref.snapshot["id"]
    dataset_service.get(session, sid)  # registered by import-reference (or trained here)
    dataset_service.verify(session, settings, sid)
    sp = ref.meta["split"]
    prep = reference_build.prepare(session, settings, sid, seed=sp["seed"],
                                   fractions=tuple(sp["fractions"]), threshold=sp["threshold"])
    recorded = read_gz_json(ref.path / "split.json.gz")
    moved = sorted(i for i, s in prep.split_of().items() if recorded.get(i) != s)
    if prep.tokenizer.to_json()["vocab"] != json.loads(
            (ref.path / "tokenizer.json").read_text())["vocab"]:
        raise Refused("the tokenizer built from the manifest differs from the reference's")
    cfg = TrainConfig.from_json({**ref.meta["config"], "progress": False})
    steps = max_steps or ref.meta["steps"]
    work = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="accord-reproduce-"))
    cfg = replace(cfg, out_dir=str(work), max_steps=cfg.max_steps, stop_at_step=steps,
                  max_seconds=0.0, patience=10 ** 6)
    result = train(cfg, [], split=(prep.train, prep.validation))
    want = ref.meta["metrics"]["val_nats_per_token"]
    got = result.best_val_loss
    full = steps == ref.meta["steps"]
    return {"model": ref.model_id, "snapshot": sid, "steps": result.steps,
            "recorded_steps": ref.meta["steps"], "full_length": full,
            "split_moved": len(moved), "val_nats_per_token": got,
            "recorded_val_nats_per_token": want, "difference": got - want,
            "tolerance": tolerance, "within_tolerance": full and abs(got - want) <= tolerance,
            **_at_step(ref.meta["metrics"].get("history") or [], result.history),
            "run_dir": str(work)}


def _at_step(recorded: list[dict], rerun: list[dict]) -> dict:
    """A partial rerun against the recorded run at the same step (the last validation step
    both have): the recorded and rerun validation loss there and their difference."""
    mine = {r["step"]: r["val_loss"] for r in rerun}
    common = [r for r in recorded if r["step"] in mine]
    if not common:
        return {}
    last = common[-1]
    return {"compared_at_step": last["step"], "recorded_val_at_step": last["val_loss"],
            "rerun_val_at_step": mine[last["step"]],
            "difference_at_step": mine[last["step"]] - last["val_loss"]}
