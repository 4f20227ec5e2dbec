import torch

from accord.training.model import PRESETS, Transformer, preset


def test_presets_sizes():
    assert Transformer(preset("tiny", 330)).num_params() < 100_000
    assert 0.8e6 < Transformer(preset("standard", 330)).num_params() < 1.3e6
    assert set(PRESETS) == {"tiny", "standard"}


def test_kv_cache_matches_full_forward():
    torch.manual_seed(0)
    m = Transformer(preset("tiny", 50)).eval()
    x = torch.randint(0, 50, (2, 30))
    full, _, _ = m(x)
    a, _, cache = m(x[:, :20])
    b, _, cache = m(x[:, 20:25], cache=cache)
    c, _, _ = m(x[:, 25:], cache=cache)
    assert torch.allclose(torch.cat([a, b, c], dim=1), full, atol=1e-5)


def test_generate_is_seeded_and_stops():
    torch.manual_seed(0)
    m = Transformer(preset("tiny", 50))
    one = m.generate([1, 2], 60, generator=torch.Generator().manual_seed(3))
    two = m.generate([1, 2], 60, generator=torch.Generator().manual_seed(3))
    assert one == two and len(one) <= 62
    stopped = m.generate([1, 2], 500, stop_id=one[2], generator=torch.Generator().manual_seed(3))
    assert stopped[-1] == one[2] and len(stopped) == 3
