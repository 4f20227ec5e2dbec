"""The sign-in backoff, a pure rule.

Failed sign-ins are counted per key: the pair (address, client) and the client alone. The first
`free` failures in a row cost nothing; each one after that blocks the key for twice as long as
the one before (1 s, 2 s, 4 s, ...) up to `max_delay` seconds. While a key is blocked an attempt
is answered 429 before any password is checked (so a flood costs no hashing) and does NOT count
as a failure: it cannot push the block further. Once the block is over a correct password
succeeds and clears the key. So the rightful owner is never kept out for longer than
`max_delay` after the last counted failure, and never at all from another client: an attacker
throttles their own client and their own (address, client) pair, not the address for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class State:
    failures: int
    blocked_until: datetime | None


def delay_after(failures: int, free: int, max_delay: float) -> float:
    """Seconds a key is blocked after its `failures`-th failure in a row."""
    if failures < free:
        return 0.0
    return float(min(max_delay, 2.0 ** (failures - free)))


def wait(state: State | None, at: datetime) -> int:
    """Whole seconds still to wait (0: the key may try now)."""
    if state is None or state.blocked_until is None or state.blocked_until <= at:
        return 0
    return max(1, int((state.blocked_until - at).total_seconds() + 0.999))


def failed(state: State | None, at: datetime, free: int, max_delay: float) -> State:
    """The key's state after one more failure at `at`."""
    n = (state.failures if state else 0) + 1
    d = delay_after(n, free, max_delay)
    return State(n, at + timedelta(seconds=d) if d else None)


def keys(email: str, client: str) -> tuple[str, str]:
    """The (address, client) key and the client key."""
    return f"addr:{email.strip().lower()}|{client}", f"client:{client}"
