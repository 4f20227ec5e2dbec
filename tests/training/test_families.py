"""Tune families and the grouped split (pure), and modified Kneser-Ney (Chen and Goodman)."""

import math
import random

import pytest

from accord.music.ngrams import Note
from accord.training import families
from accord.training.ngram import (
    ModifiedKneserNey,
    NgramCounts,
    best_modified_kn,
    modified_discounts,
)


def _tune(seed: int, n: int = 40) -> list[Note]:
    rng = random.Random(seed)
    pitch, out = 60, []
    for i in range(n):
        pitch = max(48, min(84, pitch + rng.choice([-4, -2, -1, 1, 2, 3, 5])))
        out.append(Note(onset=i * 0.5, duration=0.5, pitch=pitch))
    return out


def _variant(notes: list[Note], shift: int, changed: int) -> list[Note]:
    """Transposed, with one note changed: the same tune."""
    out = [Note(n.onset, n.duration, n.pitch + shift) for n in notes]
    out[changed] = Note(out[changed].onset, out[changed].duration, out[changed].pitch + 1)
    return out


def test_variants_form_one_family_and_never_straddle_the_split():
    base = {f"t{i}": _tune(i) for i in range(60)}
    base["t0-variant"] = _variant(base["t0"], 5, 20)
    base["t1-variant"] = _variant(base["t1"], -3, 10)
    cov = families.coverage(base)
    fams = families.families(cov, 0.3)
    joined = [f for f in fams if len(f) > 1]
    assert sorted(joined) == [("t0", "t0-variant"), ("t1", "t1-variant")]
    for seed in range(30):
        side = families.assign(fams, seed, (0.2, 0.2))
        assert side["t0"] == side["t0-variant"] and side["t1"] == side["t1-variant"]
        grouped = families.near_duplicate_share(cov, side, 0.3, "validation")
        assert grouped["with_near_duplicate"] == 0
    # split by piece: some seed puts a variant in validation and its tune in training
    hits = [families.near_duplicate_share(cov, families.naive_assign(list(base), s, (0.2, 0.2)),
                                          0.3, "validation")["with_near_duplicate"]
            for s in range(30)]
    assert max(hits) >= 1


def test_calibration_is_the_cross_tradition_quantile_rounded_up():
    tunes = {f"a{i}": _tune(i) for i in range(30)} | {f"b{i}": _tune(100 + i) for i in range(30)}
    cov = families.coverage(tunes, floor=0.0)
    group = {k: k[0] for k in tunes}
    cal = families.calibrate(cov, group, floor=0.0)
    null = families.max_cross_coverage(cov, group)
    assert len(null) == 60 and cal["null_quantile_value"] == pytest.approx(
        families.percentile(null, 0.999), abs=1e-4)
    assert cal["threshold"] >= cal["null_quantile_value"]
    assert cal["threshold"] == pytest.approx(math.ceil(cal["null_quantile_value"] * 20) / 20)
    assert families.calibrate(cov, group, floor=0.4)["threshold"] >= 0.4


def test_modified_discounts_follow_chen_and_goodman():
    from collections import Counter
    table = {("h",): Counter({1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 3, 8: 4})}
    n1, n2, n3, n4 = 4, 2, 1, 1
    y = n1 / (n1 + 2 * n2)
    assert modified_discounts(table) == pytest.approx(
        (1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3))


def test_modified_kneser_ney_is_a_distribution_and_higher_orders_help_on_patterns():
    rng = random.Random(0)
    vocab = 12

    def seq(n: int) -> list[int]:
        s = [0]
        for _ in range(n):
            s.append((s[-1] * 3 + rng.choice([1, 1, 2, 5])) % vocab)
        return s

    train = [seq(rng.randint(20, 80)) for _ in range(200)]
    held = [seq(50) for _ in range(20)]
    counts = NgramCounts(vocab, 6).fit(train)
    for order in range(1, 7):
        m = ModifiedKneserNey(counts, order)
        for history in ([0, 1, 4], [3, 3, 3, 3, 3], [11, 10, 9], []):
            assert sum(m.prob(history, w) for w in range(vocab)) == pytest.approx(1.0, abs=1e-9)
    best, by_order, _ = best_modified_kn(vocab, train, held, range(1, 5))
    assert by_order[1] > by_order[2] and best >= 2
