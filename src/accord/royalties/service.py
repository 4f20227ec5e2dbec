"""Royalty runs: the functions the CLI (and later the HTTP API) call. They take a Session and
never commit; callers wrap them in accord.db.session_scope, so a run is one transaction.

A run of period P (idempotent, atomic):
  - P already closed with the same inputs: the stored result, nothing written;
    P closed but inputs changed since: refused, the difference is booked by the next open run;
  - otherwise every closed period whose inputs changed (late events, corrected splits) is
    recomputed and its difference posted in P as adjustments; P is distributed, settled
    against the minimum payout and carry-forward, checked to balance and written: the
    statement file first (temp + rename, unpublished until the transaction commits), then the
    ledger rows in the caller's transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.atomic import write_text
from accord.config import Settings
from accord.errors import InvalidInput, NotFound, Refused
from accord.rights import lookup as rights_lookup
from accord.rights import repository as rights_repo
from accord.royalties import eventlog, exclusions
from accord.royalties.account import PAYABLE, Account, payee_of
from accord.royalties.engine_sql import (
    holders_table,
    lines_from_arrow,
    open_engine,
)
from accord.royalties.holders import agreements_in_force, holder_map
from accord.royalties.ledger import (
    Posting,
    adjustment_postings,
    distribution_accounts,
    distribution_postings,
    ensure_balanced,
    settlement_postings,
    withheld_memos,
)
from accord.royalties.model import (
    Holder,
    last_instant,
    period_ok,
)
from accord.royalties.money import Money
from accord.royalties.period import compute_period, engine_cuts, fingerprint  # noqa: F401
from accord.royalties.policy import Policy
from accord.royalties.statement import run_summary, statement_data
from accord.royalties.tables import LedgerEntryRow, RoyaltyRevisionRow, RoyaltyRunRow
from accord.royalties.withhold import (
    RightsFacts,
)
from accord.timeutil import now


@dataclass
class Registry:
    """What a run reads from the rights registry, once: items, agreements, and the consent and
    termination events (one query each, whatever the catalogue's size); holder maps per set of
    agreements in force."""

    works: list
    recordings: list
    facts: RightsFacts
    policy: Policy
    _maps: dict = field(default_factory=dict)

    def holders(self, period: str) -> list[Holder]:
        """The holder map of a period: revenue terms of the agreements in force at its last
        instant (holders.holder_map)."""
        at = last_instant(period)
        live = tuple(a.id for a in agreements_in_force(self.facts.agreements, at,
                                                       self.facts.terminations))
        if live not in self._maps:
            holders, problems = holder_map(self.works, self.recordings, self.facts.agreements,
                                           self.policy, at, self.facts.terminations)
            if problems:
                raise InvalidInput("the registry's shares cannot be used for royalties",
                                   problems)
            self._maps[live] = holders
        return self._maps[live]


def read_registry(session: Session, policy: Policy) -> Registry:
    works, recs = rights_repo.all_rights(session)
    agreements, terminations, consents, withdrawals = rights_lookup.all_facts(session)
    withdrawals += exclusions.read(session)  # e.g. trust's flags (royalties/exclusions.py)
    return Registry(works, recs, RightsFacts(agreements, terminations, consents, withdrawals),
                    policy)


def _compute(engine, policy: Policy, revenue, period: str, registry: Registry):
    return compute_period(engine, policy, revenue, period, registry.holders(period),
                          registry.facts)


def _latest_revision(session: Session, period: str) -> tuple[str, dict[tuple[str, str], int]]:
    last = session.scalar(select(func.max(RoyaltyRevisionRow.id))
                          .where(RoyaltyRevisionRow.for_period == period))
    row = session.get(RoyaltyRevisionRow, last)
    rows = session.scalars(select(RoyaltyRevisionRow).where(
        RoyaltyRevisionRow.for_period == period, RoyaltyRevisionRow.run_id == row.run_id))
    return row.fingerprint, {(r.currency, r.account): r.amount_minor for r in rows}


def _revision_rows(run_id: str, period: str, fp: str, accounts) -> list[RoyaltyRevisionRow]:
    rows = [RoyaltyRevisionRow(run_id=run_id, for_period=period, fingerprint=fp, currency=c,
                               account=a, amount_minor=v) for (c, a), v in sorted(accounts.items())]
    # a marker row so that a period without any money still records its fingerprint
    return rows or [RoyaltyRevisionRow(run_id=run_id, for_period=period, fingerprint=fp,
                                       currency="XXX", account="none", amount_minor=0)]


def carried_balances(session: Session) -> dict[tuple[str, str], int]:
    q = (select(LedgerEntryRow.currency, LedgerEntryRow.account,
                func.sum(LedgerEntryRow.amount_minor))
         .where(LedgerEntryRow.account.like("carried:%"))
         .group_by(LedgerEntryRow.currency, LedgerEntryRow.account))
    return {(c, Account.parse(a).owner): int(v) for c, a, v in session.execute(q) if int(v)}


def run_period(session: Session, settings: Settings, period: str, policy: Policy,
               engine_name: str = "duckdb", progress=None) -> dict:
    if not period_ok(period):
        raise InvalidInput(f"period {period!r} is not YYYY-MM")
    runs = {r.period: r for r in session.scalars(select(RoyaltyRunRow))}
    step = progress or (lambda _msg: None)
    step("reading the registry")
    registry = read_registry(session, policy)
    revenue = eventlog.revenue_events(settings.events_dir)
    step(f"opening {engine_name}")
    engine = open_engine(engine_name, settings.events_dir)
    try:
        if period in runs:
            _, fp = _compute(engine, policy, revenue, period, registry)
            if fp == _latest_revision(session, period)[0]:
                return {**runs[period].summary, "unchanged": True}
            raise Refused(f"period {period} is closed and its inputs changed since; the "
                          "difference is booked as an adjustment by the next open period's run")
        later = sorted(p for p in runs if p > period)
        if later:
            raise Refused(f"period {period} comes before closed period {later[-1]}; late "
                          "events are booked as adjustments in the next open period")
        run_id = f"run-{period}-{now().strftime('%Y%m%dT%H%M%S%f')}"
        postings: list[Posting] = []
        revisions: list[RoyaltyRevisionRow] = []
        adjusted = []
        for closed in sorted(runs):
            step(f"re-checking closed period {closed}")
            d, fp = _compute(engine, policy, revenue, closed, registry)
            old_fp, old = _latest_revision(session, closed)
            if fp != old_fp:
                new = distribution_accounts(d)
                postings += adjustment_postings(period, closed, old, new, withheld_memos(d))
                revisions += _revision_rows(run_id, closed, fp, new)
                adjusted.append(closed)
        step(f"distributing {period}")
        dist, fp = _compute(engine, policy, revenue, period, registry)
        postings += distribution_postings(dist, period)
        payable: dict[tuple[str, str], int] = defaultdict(int)
        for p in postings:
            payee = payee_of(p.account, frozenset({PAYABLE}))
            if payee is not None:
                payable[(p.currency, payee)] += p.amount
        postings += settlement_postings(period, payable, carried_balances(session),
                                        policy.minimum_payout_minor)
        ensure_balanced(postings)
        step("writing statements")
        holders = registry.holders(period)
        lines = lines_from_arrow(engine.lines(policy, period, holders_table(holders),
                                              engine_cuts(holders, registry.facts, period)))
    finally:
        engine.close()
    summary = run_summary(run_id, period, engine_name, policy, fp, dist, postings, adjusted)
    _write_statement_data(settings, period, run_id, dist, lines, policy, postings, summary)
    session.add(RoyaltyRunRow(id=run_id, period=period, engine=engine_name,
                              policy_name=policy.policy.name, policy_version=policy.version,
                              policy_hash=policy.hash, fingerprint=fp, created_at=now(),
                              summary=summary))
    session.flush()
    session.add_all(revisions + _revision_rows(run_id, period, fp, distribution_accounts(dist)))
    session.add_all(LedgerEntryRow(run_id=run_id, period=period, txn=p.txn, account=p.account,
                                   currency=p.currency, amount_minor=p.amount, memo=p.memo)
                    for p in postings)
    session.flush()
    check_ledger(session)
    return summary


def statement_path(settings: Settings, period: str) -> Path:
    return settings.royalties_dir / "statements" / f"{period}.json"


def _write_statement_data(settings, period, run_id, dist, lines, policy, postings, summary):
    """The statements (statement.statement_data): one JSON file, written atomically; a run whose
    transaction does not commit leaves it unreferenced and the next run of the period replaces
    it."""
    data = statement_data(run_id, period, summary["policy"], dist, lines, policy, postings)
    write_text(statement_path(settings, period), json.dumps(data, indent=1, sort_keys=True))


def statement(session: Session, settings: Settings, payee: str, period: str) -> dict:
    run = session.scalar(select(RoyaltyRunRow).where(RoyaltyRunRow.period == period))
    if run is None:
        raise NotFound(f"period {period} has not been run (accord royalties run --period "
                       f"{period})")
    path = statement_path(settings, period)
    data = json.loads(path.read_text()) if path.exists() else {}
    if data.get("run") != run.id:
        raise NotFound(f"the statement file of {period} does not belong to run {run.id}")
    if payee not in data["payees"]:
        raise NotFound(f"payee {payee!r} has nothing in period {period}")
    history = _history(session, payee)
    return {"payee": payee, "period": period, "run": run.id, "policy": data["policy"],
            "currencies": data["payees"][payee], "history": history}


def _history(session: Session, payee: str) -> list[dict]:
    q = (select(LedgerEntryRow.period, LedgerEntryRow.currency,
                func.sum(LedgerEntryRow.amount_minor))
         .where(LedgerEntryRow.account == f"payable:{payee}", LedgerEntryRow.amount_minor > 0,
                ~LedgerEntryRow.txn.like("%:carry-in:%"))
         .group_by(LedgerEntryRow.period, LedgerEntryRow.currency)
         .order_by(LedgerEntryRow.period))
    return [{"period": p, "currency": c, "earned": str(Money(int(v), c).decimal)}
            for p, c, v in session.execute(q)]


def check_ledger(session: Session) -> None:
    """Production check: every transaction balances, so all balances sum to zero."""
    q = (select(LedgerEntryRow.txn, LedgerEntryRow.currency,
                func.sum(LedgerEntryRow.amount_minor))
         .group_by(LedgerEntryRow.txn, LedgerEntryRow.currency)
         .having(func.sum(LedgerEntryRow.amount_minor) != 0))
    bad = session.execute(q).all()
    if bad:
        from accord.royalties.ledger import LedgerImbalance

        raise LedgerImbalance(f"ledger transactions do not balance: {bad[:5]}")


def ledger_balances(session: Session) -> dict[str, dict[str, str]]:
    q = (select(LedgerEntryRow.currency, LedgerEntryRow.account,
                func.sum(LedgerEntryRow.amount_minor))
         .group_by(LedgerEntryRow.currency, LedgerEntryRow.account))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for c, a, v in session.execute(q):
        if int(v):
            out[c][a] = str(Money(int(v), c).decimal)
    return dict(out)


def _run_json(row: RoyaltyRunRow) -> dict:
    return {"id": row.id, "period": row.period, "engine": row.engine,
            "policy": {"name": row.policy_name, "version": row.policy_version,
                       "hash": row.policy_hash},
            "created_at": row.created_at.isoformat(), "summary": row.summary}


def list_runs(session: Session) -> list[dict]:
    """Every royalty run, by period."""
    return [_run_json(r) for r in session.scalars(select(RoyaltyRunRow)
                                                  .order_by(RoyaltyRunRow.period))]


def get_run(session: Session, run_id: str) -> dict:
    """One run by its id, or by the period it closed (YYYY-MM)."""
    row = session.get(RoyaltyRunRow, run_id) or session.scalar(
        select(RoyaltyRunRow).where(RoyaltyRunRow.period == run_id))
    if row is None:
        raise NotFound(f"no royalty run with id or period {run_id!r}")
    return _run_json(row)


def earnings(session: Session, payee: str) -> list[dict]:
    """What a payee earned per period and currency (the statement's history), oldest first."""
    return _history(session, payee)
