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


def allocate_sums(total: int, coefs: list[Fraction], groups, keys, lo, hi, names: list[str],
                  fixed: Mapping[str, Fraction]) -> tuple[list[str], list[int]]:
    """`allocate` over quotas given as sums, without a Python loop over every key, as (names,
    their amounts) for a caller that builds its own mapping from them: the same result, key for
    key, as `allocate(total, quota)` with

        quota[names[k]] = sum of coefs[groups[i]] * w[i] over the rows i with keys[i] == k
                          + fixed.get(names[k], 0),
        w[i] = hi[i] * 2**64 + lo[i]   (exact 128-bit integers: lo uint64, hi int64),

    for every name with a row and every fixed name, when the quotas add up to `total` (as a
    distribution's do: the pool's sub-pool coefficients times their whole weight, plus the
    platform's share). The quotas are summed in float64 with a proven error bound per key; only
    the keys whose floor, or whose place at the largest-remainder cut, that bound leaves open are
    summed exactly (Fractions), so the rounding rule stays `allocate`'s: floors, then one unit
    each to the largest remainders, ties to the smaller name. Anything outside that case
    (negative or non-conserving quotas) is handed to `allocate` itself."""
    import numpy as np

    groups = np.asarray(groups, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    lo = np.asarray(lo, dtype=np.uint64)
    hi = np.asarray(hi, dtype=np.int64)
    names = list(names)
    index: dict[str, int] = {}  # each fixed name's key: its first place, or a new one
    for n in fixed or {}:
        try:
            index[n] = names.index(n)
        except ValueError:
            index[n] = len(names)
            names.append(n)
    n_keys = len(names)

    # exact quotas as integers over one denominator: quota = scaled / den
    den = 1
    for c in [*coefs, *(fixed or {}).values()]:
        den = den * c.denominator // gcd(den, c.denominator)
    mult = [c.numerator * (den // c.denominator) for c in coefs]
    mult_o = np.empty(len(mult), dtype=object)
    mult_o[:] = mult

    def exact(ks) -> dict[int, int]:
        """den * the exact quotas of the keys ks."""
        want = np.zeros(n_keys, dtype=bool)
        want[np.asarray(list(ks), dtype=np.int64)] = True
        q: dict[int, int] = dict.fromkeys((int(k) for k in ks), 0)
        rows = np.nonzero(want[keys])[0]
        if rows.size:  # Python integers in object arrays: exact, without a loop per row here
            order = rows[np.argsort(keys[rows], kind="stable")]
            k = keys[order]
            terms = mult_o[groups[order]] * ((hi[order].astype(object) << 64)
                                             + lo[order].astype(object))
            first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
            q.update(zip(k[first].tolist(), np.add.reduceat(terms, first).tolist(), strict=True))
        for n, f in (fixed or {}).items():
            if index[n] in q:
                q[index[n]] += f.numerator * (den // f.denominator)
        return q

    def whole() -> tuple[list[str], list[int]]:
        q = exact(range(n_keys))
        out = allocate(total, {names[k]: q[k] for k in range(n_keys)})
        return list(out), list(out.values())

    if (total <= 0 or any(c < 0 for c in coefs) or any(f < 0 for f in (fixed or {}).values())
            or (hi < 0).any() or n_keys == 0):
        return whole()
    w = hi.astype(np.float64) * 2.0**64 + lo.astype(np.float64)
    cf = np.array([float(c) for c in coefs], dtype=np.float64)
    qa = np.bincount(keys, weights=cf[groups] * w, minlength=n_keys)
    count = np.bincount(keys, minlength=n_keys).astype(np.float64)
    for n, f in (fixed or {}).items():
        qa[index[n]] += float(f)
        count[index[n]] += 1
    # Each term carries a relative error of at most 4u (u = 2**-53: the coefficient's and the
    # weight's conversions, the weight's two halves, the product) and a sum of k non-negative
    # terms adds at most (k - 1)u more; 2**-50 (8u) per term and 8 spare terms bound it with room.
    eps = (count + 8.0) * 2.0**-50 * qa + 2.0**-1000
    floor = np.floor(qa)
    rem = qa - floor
    known = exact(np.nonzero((rem <= eps) | (rem >= 1.0 - eps))[0].tolist())
    floors = floor.astype(np.int64) if qa.size and qa.max() < 2.0**62 else None
    if floors is None:
        return whole()
    if known:
        ks = np.fromiter(known, dtype=np.int64, count=len(known))
        floors[ks] = [v // den for v in known.values()]
        rem[ks] = [(v % den) / den for v in known.values()]
        eps[ks] = 2.0**-50
    left = total - int(floors.sum())
    if left < 0 or left > n_keys:
        return whole()  # the quotas do not add up to total: not this function's case
    out = np.zeros(n_keys, dtype=bool)
    if left:
        cut = float(np.partition(rem, n_keys - left)[n_keys - left])  # left-th largest
        spread = float(eps.max())
        sure = rem - eps > cut + spread
        open_ = ~sure & ~(rem + eps < cut - spread)
        out |= sure
        need = left - int(sure.sum())
        todo = np.nonzero(open_)[0].tolist()
        missing = [k for k in todo if k not in known]
        known |= exact(missing) if missing else {}
        ranked = sorted(todo, key=lambda k: (-(known[k] % den), names[k]))
        if need < 0 or need > len(ranked):
            return whole()
        out[np.asarray(ranked[:need], dtype=np.int64)] = True
    return names, (floors + out).tolist()
