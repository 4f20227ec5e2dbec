"""Recordings another context keeps out of royalty pools (trust's screening flags): a hook.

A context that can exclude a recording registers a reader `reader(session) -> iterable of
rights.model.Withdrawal`; a run reads every registered reader once, beside the registry's own
withdrawals, and withholds the money exactly as for a takedown (withhold.item_reason) while the
exclusion stands, releasing it in the first run after it ends. A reader's events must compose
with the registry's withdrawals under the rule's latest-event-wins (accord.trust.exclusion
shows how). Royalties imports nothing of the registering context; the registration lives in
accord.workflows.hooks, which every entry point imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from accord.rights.model import Withdrawal

READERS: dict[str, Callable[[Session], Iterable[Withdrawal]]] = {}


def register(name: str, reader: Callable[[Session], Iterable[Withdrawal]]) -> None:
    READERS[name] = reader


def read(session: Session) -> tuple[Withdrawal, ...]:
    return tuple(w for name in sorted(READERS) for w in READERS[name](session))
