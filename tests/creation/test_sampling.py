"""The sampler: the KV cache changes the cost, never the tokens; seeds decide everything."""

import torch

from accord.creation.sampling import Sampling, sample, window_start
from accord.training.model import Transformer, preset


def _model(seed: int = 0) -> Transformer:
    torch.manual_seed(seed)
    return Transformer(preset("tiny", 120)).eval()  # block size 64


def test_cached_output_equals_uncached_for_the_same_seed_across_window_jumps():
    model = _model()
    prefix = [[5, 1, 7, 9]]
    for temperature, top_p in ((1.0, 0.95), (0.7, 1.0), (1.3, 0.5)):
        cached = sample(model, prefix, [42], Sampling(temperature, top_p, 150, True), pinned=2)
        plain = sample(model, prefix, [42], Sampling(temperature, top_p, 150, False), pinned=2)
        assert cached == plain
        assert len(cached[0]) == 150  # well past the block of 64: the window jumped


def test_same_seed_same_tokens_other_seed_other_tokens():
    model = _model()
    a = sample(model, [[1]], [7], Sampling(max_new_tokens=40), pinned=1)
    b = sample(model, [[1]], [7], Sampling(max_new_tokens=40), pinned=1)
    c = sample(model, [[1]], [8], Sampling(max_new_tokens=40), pinned=1)
    assert a == b and a != c


def test_a_batch_row_equals_its_single_run():
    model = _model()
    batch = sample(model, [[1, 2]] * 3, [3, 4, 5], Sampling(max_new_tokens=50), pinned=1)
    for row, seed in zip(batch, (3, 4, 5), strict=True):
        assert sample(model, [[1, 2]], [seed], Sampling(max_new_tokens=50), pinned=1)[0] == row


def test_done_stops_a_row_and_banned_ids_never_appear():
    model = _model()
    out = sample(model, [[1]] * 2, [1, 2], Sampling(max_new_tokens=80, banned=(0, 1, 2, 3)),
                 pinned=1, done=lambda new: len(new) >= 10 + new[0] % 5)
    assert all(10 <= len(r) <= 15 for r in out)
    assert not {0, 1, 2, 3} & {t for r in out for t in r}


def test_window_keeps_the_pinned_prefix_and_the_last_half_block():
    assert window_start(60, 2, 2, 64) == 2          # 2 + 58 fits
    assert window_start(63, 2, 2, 64) == 2          # 2 + 61 fits
    assert window_start(70, 2, 2, 64) == 70 - 31    # jump: keep (64 - 2) // 2 tokens
    assert window_start(45, 2, 39, 64) == 39        # after a jump, unchanged until full again
