"""Earnings as inline SVG bars, rendered on the server (no JavaScript, no chart library): the one
chart, drawn on the web pages and in HTML statements. Pure: a list of {period, currency, earned}
in, markup out. Both show the same numbers in a table beside it, so the chart is never the only
way to read them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

WIDTH, HEIGHT, PAD, AXIS = 560, 220, 28, 24
MAX_BAR = 90  # a single period is a bar, not a wall


@dataclass(frozen=True)
class Bar:
    period: str
    amount: Decimal
    x: float
    y: float
    width: float
    height: float


def bars(history: list[dict], currency: str) -> list[Bar]:
    """One bar per period for `currency`, scaled to the largest amount (oldest first)."""
    pts = sorted((h["period"], Decimal(h["earned"])) for h in history
                 if h["currency"] == currency)
    if not pts:
        return []
    top = max(v for _, v in pts) or Decimal(1)
    slot = (WIDTH - 2 * PAD) / len(pts)
    plot = HEIGHT - PAD - AXIS
    out = []
    for i, (period, v) in enumerate(pts):
        h = float(v / top) * plot if v > 0 else 0.0
        width = min(slot * 0.7, MAX_BAR)
        out.append(Bar(period, v, PAD + i * slot + (slot - width) / 2, PAD + plot - h, width, h))
    return out


def earnings_svg(history: list[dict], currency: str) -> str:
    """An accessible SVG bar chart (role=img, a title, each bar titled), or '' with no data."""
    bs = bars(history, currency)
    if not bs:
        return ""
    c = escape(currency)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'class="chart" role="img" aria-labelledby="chart-{c}-title">',
             f'<title id="chart-{c}-title">Earnings per period in {c}</title>',
             f'<line x1="{PAD}" y1="{HEIGHT - AXIS}" x2="{WIDTH - PAD}" y2="{HEIGHT - AXIS}" '
             'class="axis"/>']
    for b in bs:
        p = escape(b.period)
        mid = b.x + b.width / 2
        parts.append(f'<g><title>{p}: {b.amount} {c}</title>'
                     f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.width:.1f}" '
                     f'height="{b.height:.1f}" class="bar"/>'
                     f'<text x="{mid:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{p}</text>'
                     f'<text x="{mid:.1f}" y="{b.y - 4:.1f}" text-anchor="middle">'
                     f'{b.amount}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
