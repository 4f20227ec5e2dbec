"""Fixtures of the attribution tests: real folk songs, a tiny model trained on them (seconds,
one thread), and outputs with planted quotations."""

from __future__ import annotations

import pytest
import torch

from accord.attribution.prepare import training_item
from accord.training.corpus import write_essen
from accord.training.data import Piece
from accord.training.model import preset
from accord.training.tokenizer import Tokenizer
from accord.training.trainer import TrainConfig, load_best, train


@pytest.fixture(scope="session")
def tok() -> Tokenizer:
    return Tokenizer.create()


@pytest.fixture(scope="session")
def items(tmp_path_factory, tok):
    paths = write_essen(tmp_path_factory.mktemp("essen-attr"), 16)
    return [training_item(p.stem, p, tok) for p in paths]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, items, tok):
    out = tmp_path_factory.mktemp("tiny-attr")
    cfg = TrainConfig(model=preset("tiny", tok.vocab_size), out_dir=str(out), max_steps=150,
                      eval_interval=50, learning_rate=1e-2, min_lr=1e-3, warmup_steps=10,
                      patience=100, progress=False, threads=1)
    before = torch.get_num_threads()
    try:
        train(cfg, [Piece(it.item_id, it.token_ids) for it in items])
    finally:
        torch.set_num_threads(before)
    return load_best(out)
