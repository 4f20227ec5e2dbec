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
