"""The double-entry ledger: postings built so that every transaction balances, and checked.

A posting moves money into an account (positive) out of another (negative); the postings of one
transaction in one currency sum to zero, so all balances together always sum to zero.

Accounts: revenue:<feature> (where earnings come from, negative), platform:retained,
royalties:pool (formed from revenue, emptied by allocation), royalties:unallocated (the named
residual: pool money no item or holder could take), payable:<payee>, withheld:<payee> (suspense:
the payee's money for use that a revocation, exclusion, termination or unlicensed territory
did not permit; never paid by a run), carried:<payee> (below the minimum payout, carried
forward), payout:<payee> (paid).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from accord.errors import Problem
from accord.royalties.account import PAYABLE, payee_of
from accord.royalties.distribute import Distribution
from accord.royalties.model import PLATFORM, UNALLOCATED

POOL = "royalties:pool"


def withheld_account(payee: str) -> str:
    """The suspense account of a payee's withheld money."""
    return f"withheld:{payee}"


@dataclass(frozen=True)
class Posting:
    txn: str
    account: str
    currency: str
    amount: int
    memo: str = ""


class LedgerImbalance(RuntimeError):
    """A transaction that does not balance: a bug, never written."""


def account_of(payee: str) -> str:
    if payee in (PLATFORM, UNALLOCATED):
        return payee
    return f"payable:{payee}"


def distribution_accounts(dist: Distribution) -> dict[tuple[str, str], int]:
    """(currency, account) -> amount of a period's distribution, as one balanced movement."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for (feature, currency), amount in dist.revenue.items():
        out[(currency, f"revenue:{feature}")] -= amount
    for (currency, payee), amount in dist.allocations.items():
        out[(currency, account_of(payee))] += amount
    for (currency, payee, _reason), amount in dist.withheld.items():
        out[(currency, account_of(payee))] -= amount
        out[(currency, withheld_account(payee))] += amount
    return {k: v for k, v in out.items() if v}


def withheld_memos(dist: Distribution) -> dict[tuple[str, str], str]:
    """(currency, withheld account) -> its reasons, for the memos of adjustments."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (currency, payee, reason), amount in sorted(dist.withheld.items()):
        if amount:
            out[(currency, withheld_account(payee))].append(reason)
    return {k: "; ".join(v) for k, v in out.items()}


def distribution_postings(dist: Distribution, period: str) -> list[Posting]:
    posts: list[Posting] = []
    for currency in dist.currencies():
        pool = dist.pool(currency)
        for (feature, cur), amount in sorted(dist.revenue.items()):
            if cur == currency and amount:
                posts.append(Posting(f"{period}:pool:{currency}", f"revenue:{feature}",
                                     currency, -amount, f"revenue of {feature} in {period}"))
        plat = dist.allocations.get((currency, PLATFORM), 0)
        posts.append(Posting(f"{period}:pool:{currency}", PLATFORM, currency, plat,
                             "retained by the platform"))
        posts.append(Posting(f"{period}:pool:{currency}", POOL, currency, pool, "pool formed"))
        posts.append(Posting(f"{period}:allocate:{currency}", POOL, currency, -pool,
                             "pool allocated"))
        for (cur, payee), amount in sorted(dist.allocations.items()):
            if cur == currency and payee != PLATFORM and amount:
                held = dist.withheld_of(currency, payee)
                if amount - held:
                    posts.append(Posting(f"{period}:allocate:{currency}", account_of(payee),
                                         currency, amount - held, f"share of the {period} pool"))
        for (cur, payee, reason), amount in sorted(dist.withheld.items()):
            if cur == currency and amount:
                posts.append(Posting(f"{period}:allocate:{currency}", withheld_account(payee),
                                     currency, amount, f"withheld: {reason}"))
    return [p for p in posts if p.amount or p.account == POOL]


def adjustment_postings(period: str, closed: str, old: dict[tuple[str, str], int],
                        new: dict[tuple[str, str], int],
                        memos: dict[tuple[str, str], str] | None = None) -> list[Posting]:
    """A recomputed closed period's difference, booked in the open period (closed is untouched).
    memos: (currency, account) -> why (the withheld accounts' reasons), added to the memo of
    that account's posting and of the payee's payable posting."""
    memos = memos or {}
    posts = []
    for key in sorted(set(old) | set(new)):
        delta = new.get(key, 0) - old.get(key, 0)
        if delta:
            currency, account = key
            payee = payee_of(account, frozenset({PAYABLE}))
            why = memos.get((currency, account)) or (
                memos.get((currency, withheld_account(payee))) if payee is not None else None)
            memo = f"late correction of {closed}" + (f": {why}" if why else "")
            posts.append(Posting(f"{period}:adjust:{closed}:{currency}", account, currency, delta,
                                 memo[:256]))
    return posts


def settlement_postings(period: str, payable: dict[tuple[str, str], int],
                        carried: dict[tuple[str, str], int],
                        minimum: Callable[[str], int]) -> list[Posting]:
    """Release carried balances into payables, then pay each payable at or above the minimum
    payout and carry the rest forward (negative balances, from corrections, carry too)."""
    posts = []
    balance: dict[tuple[str, str], int] = defaultdict(int, payable)
    for (currency, payee), amount in sorted(carried.items()):
        if amount:
            posts.append(Posting(f"{period}:carry-in:{currency}", f"carried:{payee}", currency,
                                 -amount, "carried from earlier periods"))
            posts.append(Posting(f"{period}:carry-in:{currency}", f"payable:{payee}", currency,
                                 amount, "carried from earlier periods"))
            balance[(currency, payee)] += amount
    for (currency, payee), b in sorted(balance.items()):
        if not b:
            continue
        txn = f"{period}:settle:{currency}"
        to = f"payout:{payee}" if b > 0 and b >= minimum(currency) else f"carried:{payee}"
        memo = "paid" if to.startswith("payout") else "below the minimum payout: carried forward"
        posts += [Posting(txn, f"payable:{payee}", currency, -b, memo),
                  Posting(txn, to, currency, b, memo)]
    return posts


def check_balanced(postings: Iterable[Posting]) -> list[Problem]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for p in postings:
        sums[(p.txn, p.currency)] += p.amount
    return [Problem(f"{txn} ({cur})", f"does not balance: off by {s}")
            for (txn, cur), s in sorted(sums.items()) if s]


def ensure_balanced(postings: list[Posting]) -> list[Posting]:
    problems = check_balanced(postings)
    if problems:
        raise LedgerImbalance("; ".join(map(str, problems)))
    return postings


def balances(postings: Iterable[Posting]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for p in postings:
        out[(p.currency, p.account)] += p.amount
    return dict(out)
