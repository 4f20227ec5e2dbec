import json
import math
import os
import subprocess
import sys
from dataclasses import replace

import pytest
import torch

from accord.training.data import Piece, split_by_piece
from accord.training.model import preset
from accord.training.trainer import TrainConfig, load_best, save_pieces, train


def _cfg(tmp_path, tokenizer, name, **kw):
    base = dict(model=preset("tiny", tokenizer.vocab_size), out_dir=str(tmp_path / name),
                batch_size=8, max_steps=40, eval_interval=20, warmup_steps=5, progress=False,
                threads=1)
    return TrainConfig(**{**base, **kw})


def test_split_is_by_piece_after_dedup():
    ps = [Piece(f"p{i}", (1, i, 2)) for i in range(20)] + [Piece("zz-copy", (1, 3, 2))]
    train_p, val_p = split_by_piece(ps, 0.2, seed=7)
    assert {p.id for p in train_p}.isdisjoint({p.id for p in val_p})
    assert len(train_p) + len(val_p) == 20  # the duplicate is gone
    assert len(val_p) == 4
    again, _ = split_by_piece(list(reversed(ps)), 0.2, seed=7)
    assert [p.id for p in again] == [p.id for p in train_p]


def test_loss_falls_output_decodes_and_resume_is_exact(tmp_path, pieces, tokenizer):
    full = train(_cfg(tmp_path, tokenizer, "full"), pieces)
    uniform = math.log(tokenizer.vocab_size)  # the loss of the untrained model
    assert full.history[-1]["val_loss"] < full.history[0]["val_loss"] < uniform - 1.0
    assert full.history[-1]["train_loss"] < 4.0 and full.tokens_per_s > 0
    assert set(full.val_pieces).isdisjoint(full.train_pieces)
    ckpt = torch.load(tmp_path / "full" / "ckpt.pt", weights_only=False)
    assert ckpt["step"] == 40 and ckpt["model_args"]["n_layer"] == 2
    assert {"optimizer", "config", "model"} <= set(ckpt)

    model = load_best(tmp_path / "full")
    ids = model.generate([tokenizer.bos_id], 120, generator=torch.Generator().manual_seed(0))
    tokenizer.decode(ids)  # decodes without error (possibly few notes for so short a run)

    half = _cfg(tmp_path, tokenizer, "split", stop_at_step=20)
    train(half, pieces)
    resumed = train(replace(half, stop_at_step=0, resume=True), pieces)
    assert resumed.steps == 40
    a = torch.load(tmp_path / "full" / "ckpt.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "split" / "ckpt.pt", weights_only=False)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_early_stopping(tmp_path, pieces, tokenizer):
    r = train(_cfg(tmp_path, tokenizer, "stop", learning_rate=0.0, min_lr=0.0, max_steps=100,
                   eval_interval=5, patience=2), pieces)
    assert r.stopped_early and r.steps == 15


@pytest.mark.slow
def test_torchrun_two_processes(tmp_path, pieces, tokenizer):
    cfg = _cfg(tmp_path, tokenizer, "ddp", max_steps=10, eval_interval=10)
    (tmp_path / "cfg.json").write_text(json.dumps(cfg.to_json()))
    save_pieces(tmp_path / "tokens.jsonl", pieces)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc_per_node=2", "-m", "accord.training.trainer",
                           str(tmp_path / "cfg.json"), str(tmp_path / "tokens.jsonl")],
                          env=env, capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((tmp_path / "ddp" / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["steps"] == 10
    assert metrics["history"][-1]["val_loss"] < 5.8


def test_bf16_autocast_trains_and_a_given_split_is_used(tmp_path, pieces, tokenizer):
    train_p, val_p = pieces[:-3], pieces[-3:]
    cfg = _cfg(tmp_path, tokenizer, "bf16", max_steps=6, eval_interval=3, bf16=True)
    r = train(cfg, [], split=(train_p, val_p))
    assert r.steps == 6 and math.isfinite(r.best_val_loss)
    assert r.val_pieces == [p.id for p in val_p] and r.train_pieces == [p.id for p in train_p]
