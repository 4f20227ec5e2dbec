from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from accord.royalties.money import CurrencyMismatch, Money, allocate, allocate_sums
from accord.royalties.weights import WeightColumns


def test_money_is_exact_and_refuses_floats_and_extra_decimals():
    assert Money.parse("12.30", "EUR") == Money(1230, "EUR")
    assert Money.parse("5", "JPY").minor == 5
    assert str(Money(-5, "EUR")) == "-0.05 EUR"
    assert Money.parse(Decimal("1.005"), "BHD").minor == 1005
    with pytest.raises(TypeError, match="never built from a float"):
        Money.parse(1.5, "EUR")
    with pytest.raises(ValueError, match="more decimals"):
        Money.parse("0.001", "EUR")
    with pytest.raises(ValueError, match="'abc' is not a decimal amount"):
        Money.parse("abc", "EUR")


def test_mixing_currencies_raises():
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR") + Money(1, "USD")
    assert Money(1, "EUR") + Money(2, "EUR") == Money(3, "EUR")


def test_allocate_largest_remainder_hand_case():
    # 100 over thirds: 33.33 each, one left over goes to the smallest key on a tie
    assert allocate(100, {"b": 1, "a": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    # remainders .9 > .1: the leftover goes to the larger remainder
    assert allocate(10, {"x": Fraction(19, 10), "y": Fraction(81, 10)}) == {"x": 2, "y": 8}
    assert allocate(-100, {"a": 1, "b": 2}) == {"a": -33, "b": -67}
    with pytest.raises(ValueError, match="weights that are all zero"):
        allocate(5, {"a": 0})


@given(st.integers(0, 10**12),
       st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 10**9), min_size=1))
def test_allocate_conserves_and_stays_within_one_unit(total, weights):
    if not any(weights.values()):
        return
    out = allocate(total, weights)
    assert sum(out.values()) == total
    whole = sum(weights.values())
    for k, w in weights.items():
        exact = Fraction(total * w, whole)
        assert exact - 1 < out[k] < exact + 1
        assert out[k] >= 0
    assert allocate(total, dict(reversed(list(weights.items())))) == out  # order-free


@st.composite
def summed_quotas(draw):
    """Sub-pools of payee weights, each sub-pool's coefficient sizing it to a share of the pool
    (so the quotas add up to the total, as a distribution's do), plus the platform's share."""
    kind = draw(st.sampled_from(["wide", "small", "ties", "huge"]))
    event(f"weights: {kind}")
    n_groups = draw(st.integers(1, 4))
    payees = [f"p{k}" for k in range(draw(st.integers(1, 25)))]
    value = {"wide": st.integers(0, 10**12), "small": st.integers(0, 3),
             "ties": st.just(5), "huge": st.integers(2**64, 2**100)}[kind]
    rows = []
    for g in range(n_groups):
        members = draw(st.lists(st.sampled_from(payees), min_size=1, unique=True))
        rows += [(g, p, draw(value)) for p in members]
    whole = {g: sum(w for gg, _, w in rows if gg == g) for g in range(n_groups)}
    if not all(whole.values()):
        event("a sub-pool without weight: dropped")
        rows = [r for r in rows if whole[r[0]]]
    live = sorted({g for g, _, _ in rows})
    total = draw(st.sampled_from([1, 3, 100, 10**9, 12_345_678_901]))
    pool = Fraction(draw(st.integers(0, 10)), 10) * total if live else Fraction(0)
    shares = [Fraction(draw(st.integers(1, 7))) for _ in live]
    coefs = [Fraction(0)] * n_groups
    for g, s in zip(live, shares, strict=True):
        coefs[g] = pool * s / sum(shares) / whole[g]
    fixed = {"platform": total - pool}
    return total, coefs, rows, fixed


@given(summed_quotas())
def test_allocate_sums_equals_allocate(case):
    total, coefs, rows, fixed = case
    names = sorted({p for _, p, _ in rows})
    got = dict(zip(*allocate_sums(total, coefs, [g for g, _, _ in rows],
                                  [names.index(p) for _, p, _ in rows],
                                  [w & (2**64 - 1) for _, _, w in rows],
                                  [w >> 64 for _, _, w in rows], names, fixed), strict=True))
    quota: dict[str, Fraction] = {p: Fraction(0) for p in names}
    for g, p, w in rows:
        quota[p] += coefs[g] * w
    quota["platform"] = quota.get("platform", Fraction(0)) + fixed["platform"]
    if not any(quota.values()):
        return
    want = allocate(total, quota)
    event("a tie at the cut" if len({v - int(v) for v in quota.values()}) < len(quota)
          else "no tie")
    assert got == want
    assert sum(got.values()) == total


def test_weight_columns_keep_128_bit_weights_exact():
    big = 2**100 + 12345
    w = {("create", "play"): {"a": big, "b": 1}, ("dj", "play"): {"a": 2**63, "c": 0}}
    cols = WeightColumns.from_dict(w)
    assert cols.to_dict() == w
    assert cols.totals() == {("create", "play"): big + 1, ("dj", "play"): 2**63}


def test_weight_columns_totals_exact_whatever_the_high_halves():
    # high halves whose float64 sum would not be exact take the Python-integer path
    for hi in (1, 2**40, 2**62 - 1):
        w = {("create", "play"): {f"p{k}": hi * 2**64 + k for k in range(5)},
             ("dj", "play"): {"a": 7}}
        assert WeightColumns.from_dict(w).totals() == {
            ("create", "play"): sum(hi * 2**64 + k for k in range(5)), ("dj", "play"): 7}
