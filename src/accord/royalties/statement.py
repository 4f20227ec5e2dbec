"""Statements rendered from a payee's statement data: CSV and JSON line items, and an HTML page
with an earnings chart as inline SVG (no scripts).

Line items: the period's earned lines, then its withheld money as negative `withheld` lines
whose item column is the reason, then adjustments of closed periods (already net of what became
withheld; their memo names the reason). The items of a currency sum to what the period made
payable."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal
from html import escape

from accord.royalties.account import (
    CARRIED,
    PAYABLE,
    PAYOUT,
    WITHHELD,
    Account,
    payee_of,
)
from accord.royalties.chart import earnings_svg
from accord.royalties.distribute import line_amounts
from accord.royalties.ledger import withheld_account
from accord.royalties.model import FACTOR_SCALE, PLATFORM, UNALLOCATED
from accord.royalties.money import Money

COLUMNS = ["period", "currency", "feature", "use", "item_kind", "item_id", "model", "side",
           "units", "share", "amount"]


def rows(data: dict) -> list[dict]:
    out = []
    for currency, body in sorted(data["currencies"].items()):
        for ln in body["lines"]:
            out.append({"period": data["period"], "currency": currency, **ln})
        for held in body.get("withheld", []):
            if ":allocate:" not in held["txn"]:
                continue  # a withheld adjustment shows as the payee's adjustment line
            out.append({"period": data["period"], "currency": currency, "feature": "",
                        "use": "withheld", "item_kind": "", "item_id": held["reason"],
                        "model": "", "side": "", "units": "", "share": "",
                        "amount": f"-{held['amount']}"})
        for adj in body["adjustments"]:
            out.append({"period": data["period"], "currency": currency, "feature": "",
                        "use": "adjustment", "item_kind": "", "item_id": adj["memo"],
                        "model": "", "side": "", "units": "", "share": "",
                        "amount": adj["amount"]})
    return out


def to_csv(data: dict) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows(data))
    return buf.getvalue()


def to_json(data: dict) -> str:
    return json.dumps({**data, "line_items": rows(data)}, indent=2, sort_keys=True) + "\n"


def to_html(data: dict) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Statement "
             f"{escape(data['payee'])} {escape(data['period'])}</title><style>"
             "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px}td.n{text-align:right}"
             ".chart{max-width:560px}.chart .bar{fill:#3b6ea5}.chart .axis{stroke:#999}"
             ".chart text{font-size:10px}</style>"
             "</head><body>",
             f"<h1>Royalty statement: {escape(data['payee'])}, {escape(data['period'])}</h1>",
             f"<p>Run {escape(data['run'])}; policy {escape(data['policy']['name'])} "
             f"version {escape(data['policy']['version'])} "
             f"(sha256 {escape(data['policy']['hash'][:16])}...)</p>"]
    for currency, body in sorted(data["currencies"].items()):
        parts.append(f"<h2>{escape(currency)}</h2>")
        parts.append(earnings_svg(data.get("history", []), currency))
        parts.append(f"<p>Paid {body['paid']}; carried in {body['carried_in']}; carried "
                     f"forward {body['carried_forward']} (below the minimum payout)</p>")
        for held in body.get("withheld", []):
            parts.append(f"<p>Withheld {escape(held['amount'])} {escape(currency)}: "
                         f"{escape(held['reason'])}</p>")
        parts.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in COLUMNS[2:]) + "</tr>")
        for r in rows({"period": data["period"], "currencies": {currency: body}}):
            parts.append("<tr>" + "".join(
                f"<td class='{'n' if c in ('units', 'share', 'amount') else ''}'>"
                f"{escape(str(r.get(c, '')))}</td>" for c in COLUMNS[2:]) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


RENDERERS = {"csv": to_csv, "json": to_json, "html": to_html}


# --- building a run's statements and summary (pure; service.run_period writes them) -----------

def run_summary(run_id, period, engine_name, policy, fp, dist, postings, adjusted) -> dict:
    """What a run did, as stored with it and printed: revenue, pools, payees paid or carried,
    withheld money with its reasons."""
    payees: dict[str, dict] = defaultdict(dict)
    for p in postings:
        a = Account.parse(p.account)
        if a.kind in (PAYOUT, CARRIED) and p.txn.startswith(f"{period}:settle"):
            payees[a.owner][p.currency] = {"paid" if a.kind == PAYOUT else "carried":
                                           Money(p.amount, p.currency).to_json()["amount"]}
    return {
        "run": run_id, "period": period, "engine": engine_name,
        "policy": {"name": policy.policy.name, "version": policy.version, "hash": policy.hash},
        "fingerprint": fp,
        "revenue": {f"{f}/{c}": Money(v, c).to_json()["amount"]
                    for (f, c), v in sorted(dist.revenue.items())},
        "pools": {c: Money(dist.pool(c), c).to_json()["amount"] for c in dist.currencies()},
        "platform": {c: Money(dist.allocations.get((c, PLATFORM), 0), c).to_json()["amount"]
                     for c in dist.currencies()},
        "unallocated": {c: Money(dist.allocations.get((c, UNALLOCATED), 0), c).to_json()["amount"]
                        for c in dist.currencies()},
        "adjusted_periods": adjusted,
        "payees": dict(sorted(payees.items())),
        "withheld": withheld_summary(postings),
    }


def withheld_summary(postings) -> dict:
    """payee -> currency -> {amount, reasons}: what the run booked to withheld accounts (this
    period's and adjustments of closed ones)."""
    acc: dict[tuple[str, str], list] = defaultdict(lambda: [0, []])
    for p in postings:
        payee = payee_of(p.account, frozenset({WITHHELD}))
        if payee is not None:
            a = acc[(payee, p.currency)]
            a[0] += p.amount
            why = p.memo.split(": ", 1)[-1]
            if why not in a[1]:
                a[1].append(why)
    out: dict[str, dict] = defaultdict(dict)
    for (payee, cur), (amount, why) in sorted(acc.items()):
        out[payee][cur] = {"amount": Money(amount, cur).to_json()["amount"], "reasons": why}
    return dict(out)


def statement_data(run_id: str, period: str, policy_json: dict, dist, lines, policy,
                   postings) -> dict:
    """Every payee's line items with amounts and the run's postings by payee (the statement
    file's content)."""
    payees = sorted({p for (_, p) in dist.allocations} - {PLATFORM}
                    | {payee for p in postings
                       if (payee := payee_of(p.account)) is not None})
    data: dict = {"run": run_id, "period": period, "policy": policy_json, "payees": {}}
    by_payee = defaultdict(list)
    for ln in lines:
        by_payee[ln.payee_id].append(ln)
    own = frozenset({PAYABLE, PAYOUT, CARRIED})
    for payee in payees:
        entry: dict = {}
        for currency in sorted({p.currency for p in postings} | set(dist.currencies())):
            items = [{"feature": ln.feature, "use": ln.subpool, "model": ln.model_id,
                      "item_kind": ln.item_kind, "item_id": ln.item_id, "side": ln.side,
                      "units": ln.units,
                      "share": str((Decimal(ln.factor) / FACTOR_SCALE).normalize()),
                      "amount": str(Money(a, currency).decimal)}
                     for ln, a in line_amounts(dist, by_payee.get(payee, []), currency, payee,
                                               policy) if a]
            acct = [p for p in postings if p.currency == currency
                    and payee_of(p.account, own) == payee]
            held = [{"txn": p.txn, "amount": str(Money(p.amount, currency).decimal),
                     "reason": p.memo.split(": ", 1)[-1]}
                    for p in postings if p.currency == currency
                    and p.account == withheld_account(payee)]
            if not items and not acct and not held:
                continue
            kind = {id(p): Account.parse(p.account).kind for p in acct}
            entry[currency] = {
                "lines": items,
                "withheld": held,
                "adjustments": [{"txn": p.txn, "amount": str(Money(p.amount, currency).decimal),
                                 "memo": p.memo} for p in acct if ":adjust:" in p.txn],
                "carried_in": str(Money(sum(p.amount for p in acct if ":carry-in:" in p.txn
                                            and kind[id(p)] == PAYABLE), currency).decimal),
                "paid": str(Money(sum(p.amount for p in acct if kind[id(p)] == PAYOUT),
                                  currency).decimal),
                "carried_forward": str(Money(sum(p.amount for p in acct if ":settle:" in p.txn
                                                 and kind[id(p)] == CARRIED),
                                             currency).decimal),
            }
        if entry:
            data["payees"][payee] = entry
    return data
