"""A token bucket per key (an account), in process. Reusable: any route may depend on one."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """`burst` requests at once, refilled at `per_minute`; allow() says how long to wait."""

    def __init__(self, per_minute: float, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self._lock = threading.Lock()

    def allow(self, key: str) -> tuple[bool, int]:
        """(allowed, seconds to wait before retrying; 0 when allowed)."""
        with self._lock:
            t = self.clock()
            tokens, last = self._buckets.get(key, (float(self.burst), t))
            tokens = min(float(self.burst), tokens + (t - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, t)
                return True, 0
            self._buckets[key] = (tokens, t)
            return False, max(1, math.ceil((1.0 - tokens) / self.rate))

    def wait(self, key: str) -> int:
        """Seconds until `key` may try again without taking a token (0: it may now)."""
        with self._lock:
            t = self.clock()
            tokens, last = self._buckets.get(key, (float(self.burst), t))
            tokens = min(float(self.burst), tokens + (t - last) * self.rate)
            return 0 if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self.rate))
