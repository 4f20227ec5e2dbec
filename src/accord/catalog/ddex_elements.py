"""Reading ERN elements by local name (ERN qualifies only the root; some senders qualify every
element), and ERN's dates and flags. Pure helpers over an lxml tree, used by
`accord.catalog.ddex`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accord.errors import InvalidInput
from accord.timeutil import parse_instant


def local(el) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def kids(el, name: str) -> list:
    return [c for c in el if isinstance(c.tag, str) and local(c) == name]


def kid(el, name: str):
    for c in el:
        if isinstance(c.tag, str) and local(c) == name:
            return c
    return None


def text(el, *path: str) -> str | None:
    for name in path:
        if el is None:
            return None
        el = kid(el, name)
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def descendants(el, name: str) -> list:
    return [d for d in el.iter() if isinstance(d.tag, str) and local(d) == name]


def as_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(value.lower())


def title_of(el) -> str:
    return (text(el, "DisplayTitleText") or text(el, "DisplayTitle", "TitleText")
            or text(el, "Title", "TitleText") or text(el, "ReferenceTitle", "TitleText") or "")


def instant(value: str | None) -> datetime | None:
    """An ERN date or date-time as UTC; None when absent or not ISO 8601."""
    if not value:
        return None
    try:
        return parse_instant(value)
    except InvalidInput:
        return None


def deal_end(period) -> datetime | None:
    """The instant a validity period ends: EndDateTime, or the day after EndDate (its last
    day is inside the period)."""
    end_time = text(period, "EndDateTime")
    if end_time:
        return instant(end_time)
    end_day = text(period, "EndDate")
    try:
        day = date.fromisoformat(end_day) if end_day else None
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) if day else None


def compose_title(proper: str, subtitle: str | None, display: str | None):
    """An `ErnTitle`. When no subtitle is given and the display title is the title proper
    followed by a parenthesised version ("Song (Radio Edit)"), that version is the subtitle.
    The display title never replaces the title proper (it may carry an artist name)."""
    from accord.catalog.ddex_model import ErnTitle

    proper, display = (proper or display or "").strip(), (display or "").strip() or None
    if not subtitle and display and display != proper and display.startswith(proper + " ("):
        rest = display[len(proper) + 2:]
        if rest.endswith(")") and rest[:-1].strip():
            subtitle = rest[:-1].strip()
    return ErnTitle(proper, subtitle or None, display or proper or None)


def ern4_title(el):
    """ERN 4: `DisplayTitle/TitleText` (+ `SubTitle`) is the title proper, `DisplayTitleText`
    the display title; a sender that gives only one has it used for both."""
    shown = text(el, "DisplayTitleText")
    block = kid(el, "DisplayTitle")
    proper = text(block, "TitleText") if block is not None else None
    sub = text(block, "SubTitle") if block is not None else None
    if proper is None:
        proper = text(el, "Title", "TitleText") or text(el, "ReferenceTitle", "TitleText")
        sub = sub or text(el, "ReferenceTitle", "SubTitle")
    return compose_title(proper or shown or "", sub, shown)

