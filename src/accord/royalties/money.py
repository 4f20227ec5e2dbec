"""Money: one type and one rounding function.

`Money` is an immutable (integer minor units, currency) pair; amounts are built from exact
decimal strings, never floats. `allocate` is the only place in the royalties engine where exact
quantities become whole minor units: the largest-remainder method, which hands out exactly the
total (nothing created, nothing lost) and is deterministic (ties go to the smaller key).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import gcd
from typing import TypeVar

#: Minor-unit exponent per ISO 4217 currency; others default to 2.
EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3}

K = TypeVar("K", bound=Hashable)


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def exponent(currency: str) -> int:
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code")
    return EXPONENTS.get(currency, 2)


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int")
        exponent(self.currency)

    @classmethod
    def parse(cls, amount: str | Decimal, currency: str) -> Money:
        """An exact decimal string (or Decimal) in major units; more decimals than the currency
        has minor units is an error, never a silent rounding."""
        if isinstance(amount, float):
            raise TypeError("money is never built from a float")
        try:
            d = Decimal(str(amount).strip())
        except InvalidOperation:
            raise ValueError(f"{amount!r} is not a decimal amount") from None
        if not d.is_finite():
            raise ValueError(f"{amount!r} is not a finite amount")
        scaled = d.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount!r} has more decimals than {currency} has minor units")
        return cls(int(scaled), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def __str__(self) -> str:
        e = exponent(self.currency)
        return f"{self.decimal:.{e}f} {self.currency}"

    def to_json(self) -> dict:
        return {"amount": f"{self.decimal:.{exponent(self.currency)}f}",
                "currency": self.currency, "minor": self.minor}


def allocate(total: int, weights: Mapping[K, Fraction | int]) -> dict[K, int]:
    """Split `total` minor units over `weights` (non-negative, exact) by largest remainder.

    Every key gets floor(total * w / sum(w)); the units left over go one each to the keys with
    the largest remainders, ties to the smaller key. The result sums to `total` exactly. With all
    weights zero nothing can be split: the caller books the total to a named residual account.
    """
    if total < 0:
        return {k: -v for k, v in allocate(-total, weights).items()}
    ints = _integer_weights(weights)
    if any(w < 0 for w in ints.values()):
        raise ValueError("allocation weights must be non-negative")
    whole = sum(ints.values())
    if whole == 0:
        raise ValueError("cannot allocate over weights that are all zero")
    out: dict[K, int] = {}
    rems: list[tuple[int, K]] = []
    for k, w in ints.items():
        f, r = divmod(total * w, whole)
        out[k] = f
        rems.append((r, k))
    left = total - sum(out.values())
    if left:
        rems.sort(key=lambda rk: (-rk[0], _order(rk[1])))
        for _, k in rems[:left]:
            out[k] += 1
    return out


def _integer_weights(weights: Mapping[K, Fraction | int]) -> dict[K, int]:
    """The same proportions as integers (scaled by the common denominator): exact and fast."""
    if all(isinstance(w, int) for w in weights.values()):
        return dict(weights)
    fr = {k: Fraction(w) for k, w in weights.items()}
    den = 1
    for d in {w.denominator for w in fr.values()}:
        den = den * d // gcd(den, d)
    return {k: w.numerator * (den // w.denominator) for k, w in fr.items()}


def _order(key):
    """A total order over keys of mixed content (strings and tuples of strings)."""
    return repr(key) if not isinstance(key, str | tuple) else key
