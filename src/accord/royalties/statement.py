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
from html import escape

from accord.royalties.chart import earnings_svg

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
