"""The baseline: an interpolated Kneser-Ney n-gram model (default 5-gram) over the same tokens.

Scored on exactly the targets the transformer is scored on (every token of a validation piece
after its first), so the two losses compare directly. Each piece is left-padded with n-1 start
symbols; the highest order uses raw counts, lower orders continuation counts (in how many
distinct contexts a token follows the shorter history), and every order keeps a discount D
estimated from the count-of-counts (D = n1 / (n1 + 2 n2)). Order 0 is uniform over the vocabulary,
so no token ever gets probability 0.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

START = -1


class KneserNey:
    def __init__(self, vocab_size: int, order: int = 5) -> None:
        self.vocab_size = vocab_size
        self.order = order
        # counts[k][history of k-1 tokens][token]; k = 1..order
        self.counts: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(order + 1)]
        self.totals: list[dict[tuple, int]] = []
        self.types: list[dict[tuple, int]] = []
        self.discounts: list[float] = []

    def fit(self, sequences: Iterable[Sequence[int]]) -> KneserNey:
        n = self.order
        top = self.counts[n]
        for seq in sequences:
            padded = [START] * (n - 1) + list(seq)
            for i in range(n - 1, len(padded)):
                top[tuple(padded[i - n + 1:i])][padded[i]] += 1
        for k in range(n, 1, -1):  # continuation counts for order k-1 from order k's types
            lower = self.counts[k - 1]
            for h, ws in self.counts[k].items():
                for w in ws:
                    lower[h[1:]][w] += 1
        self.totals = [{h: sum(ws.values()) for h, ws in c.items()} for c in self.counts]
        self.types = [{h: len(ws) for h, ws in c.items()} for c in self.counts]
        self.discounts = [0.75] + [self._discount(c) for c in self.counts[1:]]
        return self

    @staticmethod
    def _discount(counts: dict[tuple, Counter]) -> float:
        coc = Counter(v for ws in counts.values() for v in ws.values())
        n1, n2 = coc.get(1, 0), coc.get(2, 0)
        return n1 / (n1 + 2 * n2) if n1 + n2 else 0.75

    def prob(self, history: Sequence[int], token: int) -> float:
        """P(token | the last order-1 tokens of history)."""
        p = 1.0 / self.vocab_size
        h_full = tuple(history[-(self.order - 1):]) if self.order > 1 else ()
        for k in range(1, self.order + 1):
            h = h_full[len(h_full) - (k - 1):] if k > 1 else ()
            total = self.totals[k].get(h)
            if not total:
                continue
            d = self.discounts[k]
            c = self.counts[k][h].get(token, 0)
            p = max(c - d, 0.0) / total + d * self.types[k][h] / total * p
        return p

    def score(self, seq: Sequence[int]) -> tuple[float, int]:
        """(nats, targets) over every token of seq after the first."""
        padded = [START] * (self.order - 1) + list(seq)
        nats = 0.0
        for i in range(self.order, len(padded)):
            nats -= math.log(self.prob(padded[:i], padded[i]))
        return nats, max(0, len(seq) - 1)


class ModifiedKneserNey:
    """Interpolated modified Kneser-Ney (Chen and Goodman 1998), orders 1..order.

    Three discounts per order, from that order's count-of-counts n1..n4:
        Y = n1 / (n1 + 2 n2),  D1 = 1 - 2Y n2/n1,  D2 = 2 - 3Y n3/n2,  D3+ = 3 - 4Y n4/n3
    p(w | h) = max(c(h w) - D(c(h w)), 0) / c(h) + gamma(h) p(w | h'),
    gamma(h) = (D1 N1(h) + D2 N2(h) + D3+ N3+(h)) / c(h), N_k(h) the number of tokens seen
    exactly k (3+: at least 3) times after h. The highest order uses raw counts, lower orders
    continuation counts (distinct left extensions). Order 0 is uniform over the vocabulary.

    `NgramCounts` is computed once for the highest order wanted and shared by every order's
    model (`ModifiedKneserNey(counts, n)`), so orders 3..8 cost one pass over the data.
    """

    def __init__(self, counts: NgramCounts, order: int) -> None:
        if not 1 <= order <= counts.max_order:
            raise ValueError(f"order {order} outside 1..{counts.max_order}")
        self.counts, self.order = counts, order
        self.vocab_size = counts.vocab_size
        # level k (1..order): the table, its per-history stats and its discounts
        self.tables = [None] + [counts.continuation[k] if k < order else counts.raw[k]
                                for k in range(1, order + 1)]
        self.stats = [None] + [counts.cont_stats[k] if k < order else counts.raw_stats[k]
                               for k in range(1, order + 1)]
        self.discounts = [None] + [counts.cont_discounts[k] if k < order
                                   else counts.raw_discounts[k] for k in range(1, order + 1)]

    def prob(self, history: Sequence[int], token: int) -> float:
        p = 1.0 / self.vocab_size
        n = self.order
        h_full = tuple(history[-(n - 1):]) if n > 1 else ()
        for k in range(1, n + 1):
            h = h_full[len(h_full) - (k - 1):] if k > 1 else ()
            st = self.stats[k].get(h)
            if st is None:
                continue
            total, n1, n2, n3 = st
            d1, d2, d3 = self.discounts[k]
            c = self.tables[k][h].get(token, 0)
            d = 0.0 if c == 0 else d1 if c == 1 else d2 if c == 2 else d3
            p = max(c - d, 0.0) / total + (d1 * n1 + d2 * n2 + d3 * n3) / total * p
        return p

    def score(self, seq: Sequence[int]) -> tuple[float, int]:
        """(nats, targets) over every token of seq after the first."""
        padded = [START] * (self.order - 1) + list(seq)
        nats = 0.0
        for i in range(self.order, len(padded)):
            nats -= math.log(self.prob(padded[:i], padded[i]))
        return nats, max(0, len(seq) - 1)


def _stats(table: dict[tuple, Counter]) -> dict[tuple, tuple[int, int, int, int]]:
    out = {}
    for h, ws in table.items():
        vals = ws.values()
        out[h] = (sum(vals), sum(1 for v in vals if v == 1), sum(1 for v in vals if v == 2),
                  sum(1 for v in vals if v >= 3))
    return out


def modified_discounts(table: dict[tuple, Counter]) -> tuple[float, float, float]:
    """(D1, D2, D3+) from a table's count-of-counts; Chen and Goodman's estimates."""
    coc = Counter(v for ws in table.values() for v in ws.values() if v <= 4)
    n1, n2, n3, n4 = (coc.get(i, 0) for i in (1, 2, 3, 4))
    if not (n1 and n2 and n3 and n4):
        return (0.5, 1.0, 1.5)  # too little data for the estimates: a conventional fallback
    y = n1 / (n1 + 2 * n2)
    d1, d2, d3 = 1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3
    return (max(d1, 0.0), max(d2, 0.0), max(d3, 0.0))


class NgramCounts:
    """Raw counts of every order 1..max_order and continuation counts of orders below it."""

    def __init__(self, vocab_size: int, max_order: int) -> None:
        self.vocab_size, self.max_order = vocab_size, max_order

    def fit(self, sequences: Iterable[Sequence[int]]) -> NgramCounts:
        n = self.max_order
        raw: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(n + 1)]
        for seq in sequences:
            padded = [START] * (n - 1) + list(seq)
            for i in range(n - 1, len(padded)):
                w = padded[i]
                for k in range(1, n + 1):
                    raw[k][tuple(padded[i - k + 1:i])][w] += 1
        cont: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(n + 1)]
        for k in range(2, n + 1):  # continuation counts of order k-1 from order k's types
            lower = cont[k - 1]
            for h, ws in raw[k].items():
                for w in ws:
                    lower[h[1:]][w] += 1
        self.raw, self.continuation = raw, cont
        self.raw_stats = [None] + [_stats(raw[k]) for k in range(1, n + 1)]
        self.cont_stats = [None] + [_stats(cont[k]) for k in range(1, n)]
        self.raw_discounts = [None] + [modified_discounts(raw[k]) for k in range(1, n + 1)]
        self.cont_discounts = [None] + [modified_discounts(cont[k]) for k in range(1, n)]
        return self


def best_modified_kn(vocab_size: int, train: Iterable[Sequence[int]],
                     select: Sequence[Sequence[int]], orders: Sequence[int] = range(3, 9)
                     ) -> tuple[int, dict[int, float], NgramCounts]:
    """(the order with the lowest nats/token on `select`, nats/token by order, the counts)."""
    counts = NgramCounts(vocab_size, max(orders)).fit(train)
    by_order = {}
    for n in orders:
        m = ModifiedKneserNey(counts, n)
        scored = [m.score(s) for s in select]
        by_order[n] = sum(s[0] for s in scored) / max(1, sum(s[1] for s in scored))
    return min(by_order, key=by_order.get), by_order, counts
