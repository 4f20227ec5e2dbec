from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.royalties.money import CurrencyMismatch, Money, allocate


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
