"""Ledger accounts, named `kind:owner` in the ledger (`payable:ada`, `withheld:ada`,
`carried:ada`, `payout:ada`) or by a bare name (`royalties:pool`, the platform's, the
unallocated account). Read with `Account.parse`, never by splitting the text by hand."""

from __future__ import annotations

from dataclasses import dataclass

PAYABLE, PAYOUT, CARRIED, WITHHELD = "payable", "payout", "carried", "withheld"
#: The kinds of account a payee owns.
PAYEE_KINDS = frozenset({PAYABLE, PAYOUT, CARRIED, WITHHELD})


@dataclass(frozen=True)
class Account:
    kind: str
    owner: str = ""

    @classmethod
    def parse(cls, text: str) -> Account:
        kind, _, owner = text.partition(":")
        return cls(kind, owner)

    @classmethod
    def of(cls, kind: str, payee: str) -> Account:
        return cls(kind, payee)

    @property
    def payee(self) -> str | None:
        """The payee who owns it, or None for an account no payee owns."""
        return self.owner if self.kind in PAYEE_KINDS else None

    def __str__(self) -> str:
        return f"{self.kind}:{self.owner}" if self.owner else self.kind


def payee_of(account: str, kinds: frozenset[str] = PAYEE_KINDS) -> str | None:
    """The payee of a ledger account of one of `kinds`, else None."""
    a = Account.parse(account)
    return a.owner if a.kind in kinds else None
