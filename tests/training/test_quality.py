import math

import torch

from accord.training import quality
from accord.training.data import split_by_piece
from accord.training.model import Transformer, preset


def test_losses_compare_model_and_ngram_on_the_same_tokens(pieces, tokenizer):
    train_p, val_p = split_by_piece(pieces, 0.2, seed=1)
    torch.manual_seed(0)
    untrained = Transformer(preset("tiny", tokenizer.vocab_size))
    m = quality.losses(untrained, tokenizer, train_p, val_p)
    assert m["val_tokens"] == sum(len(p.ids) - 1 for p in val_p)
    assert m["val_notes"] == sum(tokenizer.decode(list(p.ids)).note_num() for p in val_p)
    assert abs(m["val_nats_per_token"] - math.log(tokenizer.vocab_size)) < 0.1
    assert m["ngram5_nats_per_token"] < 2.5 and not m["beats_ngram"]
    ratio = m["val_bits_per_note"] / m["val_nats_per_token"]
    assert math.isclose(ratio, m["val_tokens"] / m["val_notes"] / math.log(2), rel_tol=1e-9)


def test_sample_gaps_report_every_muspy_metric(pieces, tokenizer):
    torch.manual_seed(0)
    model = Transformer(preset("tiny", tokenizer.vocab_size))
    out = quality.sample_gaps(model, tokenizer, pieces[:6], samples=3, max_tokens=120)
    assert out["real"] == 6
    assert set(out["real_means"]) == set(quality.METRICS)
    assert out["real_means"]["polyphony"] == 1.0  # folk melodies: one note at a time
    for k, gap in out["gaps"].items():
        assert math.isclose(gap, out["sampled"][k] - out["real_means"][k])
