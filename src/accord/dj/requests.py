"""Voice requests as text -> explicit constraints on the next set (pure).

"something calm" / "quieter"      energy <= 0.45 and tempo <= 100 BPM
"something upbeat" / "energetic"  energy >= 0.55
"more like the last one"          seeds the set with the last played recording
"no Bach today" / "no more X"     leaves out recordings whose title or people match X
"more Bach" / "play some X"       prefers them
Anything not understood is reported back, never guessed.
"""

from __future__ import annotations

import re

from accord.dj.model import Constraints

_CALM = re.compile(r"\b(calm|quiet|quieter|relax\w*|chill\w*|gentle|slow\w*|soft)\b", re.I)
_UP = re.compile(r"\b(upbeat|energetic|lively|faster|dance\w*|party|pump\w*)\b", re.I)
_LIKE_LAST = re.compile(r"\bmore like (the )?(last|previous|that)( one| track| song)?\b", re.I)
_NO = re.compile(r"\bno (?:more )?([A-Za-z][\w' .-]*?)(?: today| please| now|[,.;!]|$)", re.I)
_MORE = re.compile(r"\b(?:more|play some|some) ([A-Z][\w'.-]*(?: [A-Z][\w'.-]*)*)")


def parse_request(text: str, last_recording: str | None = None) -> tuple[Constraints, list[str]]:
    """(constraints, what was not understood)."""
    kw: dict = {}
    said: list[str] = []
    not_understood: list[str] = []
    if not text or not text.strip():
        return Constraints(), []
    for clause in re.split(r"[,;]| and | but ", text):
        c = clause.strip()
        if not c:
            continue
        hit = False
        if _LIKE_LAST.search(c):
            hit = True
            if last_recording:
                kw["like_recording"] = last_recording
                said.append(f"you asked for more like the last one ({c!r})")
            else:
                not_understood.append(f"{c!r}: nothing has been played yet")
        elif _CALM.search(c):
            hit = True
            kw.update(max_energy=0.45, max_tempo=100.0, mood=c)
        elif _UP.search(c):
            hit = True
            kw.update(min_energy=0.55, mood=c)
        m = _NO.search(c)
        if m and not hit:
            hit = True
            term = m.group(1).strip()
            kw["exclude_terms"] = kw.get("exclude_terms", ()) + (term.lower(),)
            said.append(f"you said no {term}")
        m = _MORE.search(c)
        if m and not hit:
            hit = True
            term = m.group(1).strip()
            kw["prefer_terms"] = kw.get("prefer_terms", ()) + (term.lower(),)
            said.append(f"you asked for more {term}")
        if not hit:
            not_understood.append(c)
    return Constraints(**kw, said=tuple(said)), not_understood
