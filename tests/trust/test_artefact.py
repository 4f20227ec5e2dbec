"""The AI-artefact signal: synthetic music, and the same music through untrained
transposed-convolution decoders (the artefact comes from the architecture, not the weights)."""

from __future__ import annotations

import numpy as np
import pytest

from accord.errors import InvalidInput
from accord.trust import artefact
from accord.trust.artefact import ArtefactFinding, artefact_score

SR = 22050


def music(seed: int, seconds: float = 6.0, grid: bool = False) -> np.ndarray:
    """Notes every 0.2 s, played with +-15 ms of timing (grid=True: sample-exact, which repeats
    the spectrum's fine structure at 5 Hz: see test_a_sample_exact_rhythm_grid_makes_a_comb)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR))
    for on in np.arange(0, seconds - 0.6, 0.2):
        if not grid:
            on = max(0.0, on + rng.uniform(-0.015, 0.015))
        f0 = 110 * 2 ** (rng.integers(0, 30) / 12)
        tt = np.arange(int(0.6 * SR)) / SR
        note = np.exp(-tt * 5) * sum(np.sin(2 * np.pi * f0 * h * tt) / h ** 1.5
                                     for h in range(1, 6))
        out[int(on * SR):int(on * SR) + tt.shape[0]] += note
    out += rng.normal(0, 0.01, out.shape)  # a noise floor, as a recording has
    return (out / np.abs(out).max() * 0.5).astype(np.float32)


def decoded(x: np.ndarray, strides: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """An untrained strided-conv encoder and transposed-conv decoder of the given strides."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    layers, ch = [], 1
    for s in strides:
        layers += [torch.nn.Conv1d(ch, 16, 2 * s, stride=s, padding=s // 2), torch.nn.ELU()]
        ch = 16
    for i, s in enumerate(reversed(strides)):
        last = i == len(strides) - 1
        layers.append(torch.nn.ConvTranspose1d(16, 1 if last else 16, 2 * s, stride=s,
                                               padding=s // 2))
        if not last:
            layers.append(torch.nn.ELU())
    total = int(np.prod(strides))
    n = x.shape[0] // total * total
    with torch.no_grad():
        y = torch.nn.Sequential(*layers)(torch.tensor(x[:n])[None, None])[0, 0].numpy()
    return (y / np.abs(y).max() * 0.5).astype(np.float32)


@pytest.mark.parametrize("strides", [(4, 4), (8,), (2, 2, 2), (5, 4), (3, 3, 2)], ids=str)
def test_music_through_a_transposed_convolution_decoder_scores_higher(strides):
    clean = artefact_score(music(1), SR)
    fake = artefact_score(decoded(music(1), strides), SR)
    assert isinstance(fake, ArtefactFinding)
    assert fake.score > 0.5 > clean.score
    assert fake.statistic > clean.statistic + 2
    assert fake.peak_frequencies_hz and all(
        abs(f / fake.spacing_hz - round(f / fake.spacing_hz)) < 1e-6
        for f in fake.peak_frequencies_hz)
    assert "not proof" in fake.to_json()["note"]


def test_the_comb_of_a_stride_16_decoder_is_at_the_rate_over_16():
    fake = artefact_score(decoded(music(1), (4, 4)), SR)
    assert fake.spacing_hz == pytest.approx(SR / 16) and fake.upsampling == 16
    assert fake.base_rate == SR and fake.teeth == 7
    assert fake.peak_frequencies_hz[:3] == pytest.approx([SR / 16, 2 * SR / 16, 3 * SR / 16])


def test_the_implied_upsampling_is_a_product_of_the_stride_factors():
    for strides in ((5, 4), (3, 3, 2)):
        fake = artefact_score(decoded(music(1), strides), SR)
        n = fake.upsampling
        for p in (2, 3, 5):
            while n % p == 0:
                n //= p
        assert n == 1 and fake.spacing_hz == pytest.approx(fake.base_rate / fake.upsampling)
        # the comb divides the decoder's own cumulative stride: a tooth every SR/N where N
        # divides the product of the strides
        assert int(np.prod(strides)) % fake.upsampling == 0


def test_every_candidate_resolution_separates_a_decoded_clip():
    clean, fake = music(1), decoded(music(1), (4, 4))
    for bin_hz in artefact.RESOLUTIONS_HZ:
        assert artefact.statistic(fake, SR, bin_hz) > artefact.statistic(clean, SR, bin_hz) + 2


def test_a_clip_shorter_than_one_spectrum_segment_is_padded_not_refused():
    x = music(1, seconds=2.5)  # 55,125 samples; the finest bins need 65,536
    finding = artefact_score(x, SR)
    assert 0.0 <= finding.score <= 1.0 and np.isfinite(finding.statistic)
    assert artefact.statistic(x, SR, min(artefact.RESOLUTIONS_HZ)) > 0


def test_a_sample_exact_rhythm_grid_does_not_make_a_comb():
    """Notes on a sample-exact 0.2 s grid put spectral lines every 5 Hz, and a candidate spacing
    that is a multiple of 5 Hz would collect them: the off-tooth points at fractions of the
    spacing fall on those lines and cancel them (with only the midpoint as the reference, this
    clip scored 0.77, and the screening tests' synthetic tunes 0.95-1.0). The same clip through
    a decoder still scores high."""
    strict = music(1, grid=True)
    assert artefact_score(strict, SR).score < 0.5
    assert artefact_score(decoded(strict, (4, 4)), SR).score > 0.5


def test_plain_recordings_score_low():
    for seed in (2, 3):
        assert artefact_score(music(seed), SR).score < 0.5
        assert artefact_score(music(seed, grid=True), SR).score < 0.5
    stereo = np.stack([music(4), music(4)], axis=1)
    assert artefact_score(stereo, SR).score < 0.5


def test_bad_input_is_refused():
    with pytest.raises(InvalidInput, match="shorter"):
        artefact_score(np.zeros(SR), SR)
    with pytest.raises(InvalidInput, match="sample rate"):
        artefact_score(np.zeros(SR * 3), 1000)
    with pytest.raises(InvalidInput, match="NaN"):
        artefact_score(np.full(SR * 3, np.nan), SR)
    with pytest.raises(InvalidInput, match="shape"):
        artefact_score(np.zeros((2, 2, SR * 3)), SR)
    with pytest.raises(InvalidInput, match="bin width"):
        artefact.statistic(music(1), SR, 0.0)
    with pytest.raises(InvalidInput, match="infinity"):
        artefact.statistic(np.full(SR * 3, np.inf), SR)
