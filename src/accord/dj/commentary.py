"""Grounded commentary (pure): short scripts from templates with slots.

Every slot is filled from a registry fact the `Track` carries (title, work title, performers,
writers, key, tempo) or from the listener's own history ("because you played ..."). A template
whose slots cannot all be filled is not eligible; nothing is invented. People are named only
when they have opted in to `dj` themselves at the set's time (`Person.dj_opted_in`); a history
title is mentioned only when every person credited on it has. The voice introduces itself as
generated and never speaks as an artist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from accord.dj import camelot, sequence
from accord.dj.model import Constraints, Placed, Track

INTRO = ("Hello, this is the Accord DJ, a generated voice, with {minutes} minutes of licensed "
         "recordings for you.")
TEMPLATES = (
    "Here is {title}, performed by {performers}.",
    "Next, {title}, written by {writers}.",
    "Because you played {because}, here is {title}.",
    "Coming up: {title}, in {key}.",
    "That was {prev_title}. Now {title}, by {performers}.",
    "{title}, music by {writers}, at about {tempo} beats per minute.",
    "Now playing {title}.",
)
OUTRO = "That was {prev_title}. Thanks for listening to the Accord DJ."


@dataclass(frozen=True)
class Line:
    """One spoken line, placed before track `index` (len(tracks) = after the last one)."""

    index: int
    text: str
    slots: dict  # slot -> value actually used, for the grounding audit


def names(people) -> str:
    ok = [p.name for p in people if p.dj_opted_in]
    if len(ok) != len(people) or not ok:
        return ""  # naming only some of the credited people would misstate the credits
    return ok[0] if len(ok) == 1 else ", ".join(ok[:-1]) + " and " + ok[-1]


def speakable_title(t: Track | None) -> str:
    """A title may be said when every person credited on the recording opted in to `dj`."""
    if t is None or not all(p.dj_opted_in for p in t.performers + t.writers):
        return ""
    return t.title


def slots_for(t: Track, prev: Track | None, because: Track | None) -> dict[str, str]:
    s = {"title": speakable_title(t), "performers": names(t.performers),
         "writers": names(t.writers), "key": camelot.spoken(t.features.camelot),
         "tempo": str(round(t.features.tempo_bpm)) if t.features.tempo_bpm > 0 else "",
         "prev_title": speakable_title(prev), "because": speakable_title(because)}
    return s


def _pick(seed: str, n: int) -> int:
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % n


def fill(template: str, slots: dict[str, str]) -> tuple[str, dict] | None:
    import string

    needed = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    if any(not slots.get(f) for f in needed):
        return None
    return template.format(**{f: slots[f] for f in needed}), {f: slots[f] for f in needed}


def script(placed: list[Placed], set_id: str, minutes: int,
           because: dict[str, Track | None] | None = None, every: int = 1) -> list[Line]:
    """An intro, a line before every `every`-th track, and an outro."""
    because = because or {}
    lines = [Line(0, INTRO.format(minutes=minutes), {"minutes": str(minutes)})]
    for i, p in enumerate(placed):
        if i % every:
            continue
        prev = placed[i - 1].track if i else None
        s = slots_for(p.track, prev, because.get(p.track.recording_id))
        start = _pick(f"{set_id}:{i}", len(TEMPLATES))
        for k in range(len(TEMPLATES)):
            got = fill(TEMPLATES[(start + k) % len(TEMPLATES)], s)
            if got is not None:
                text, used = got
                if i == 0:
                    lines[0] = Line(0, lines[0].text + " " + text, {**lines[0].slots, **used})
                else:
                    lines.append(Line(i, text, used))
                break
    if placed:
        got = fill(OUTRO, slots_for(placed[-1].track, placed[-1].track, None) |
                   {"prev_title": speakable_title(placed[-1].track)})
        if got is not None:
            lines.append(Line(len(placed), got[0], got[1]))
    return lines


def why(p: Placed, because: Track | None, constraints: Constraints | None) -> str:
    """One line: why this track, from its rule breakdown and the listener's request."""
    parts = []
    if constraints is not None and constraints.mood:
        # a mood is said only of the tracks that meet it: with fewer than three such tracks
        # the set is not restricted to them (service._apply_constraints), and says so
        if constraints.admits(p.track.features):
            parts.append(f"you asked for {constraints.mood!r}")
        else:
            parts.append(f"outside {constraints.mood!r}: too few licensed tracks match it")
    if constraints is not None and constraints.said:
        parts.append("; ".join(constraints.said))
    title = speakable_title(because)
    if title:
        parts.append(f"because you played {title}")
    b = p.breakdown
    if b.get("repeat", {}).get("note") == sequence.REPEATED:
        parts.append("again: every licensed track that fits has had its turn")
    elif b.get("freshness", {}).get("note") == "new to you":
        parts.append("new to you")
    for k in ("key", "tempo"):
        note = b.get(k, {}).get("note")
        if note:
            parts.append(note)
    if not parts:
        parts.append("popular with listeners of similar taste")
    return "; ".join(parts)
