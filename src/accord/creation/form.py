"""Musical form of a piece: sections such as AABB or ABAC, pure.

A form is a string of section letters (A-H), each optionally followed by `'` for a variation:
`AABB`, `ABAC`, `AA'BB'`, `ABA`. The requested bars are split evenly between the sections (the
count must divide). The first occurrence of a letter is new material that continues from what
came before (the model sees the whole piece so far, so a B part continues from A). A later plain
occurrence is a real repeat: its bars are copied token for token. A later primed occurrence
(A') is a variation: the first half of its bars are copied and the rest are sampled anew, like
a tune's second ending. The final section's last bar is always sampled (it carries the cadence),
so a form that ends on a repeat ends on a variation of its last bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from accord.errors import Problem

FORM_RE = re.compile(r"(?:[A-H]'?){2,8}")
EXAMPLES = "AABB, ABAC, AA'BB', ABA"
#: The forms the studio offers (each of 4 sections, so they divide 4, 8, 12, 16 ... bars).
CHOICES = ("AABB", "AA'BB'", "ABAC", "ABAB")


@dataclass(frozen=True)
class Section:
    label: str                # as written: "A", "B", "A'"
    start: int                # first bar, counted from 0
    bars: int
    source: int | None = None  # the section it repeats (the letter's first occurrence)
    variation: bool = False

    @property
    def end(self) -> int:
        return self.start + self.bars

    def copy_bars(self, final: bool = False) -> int:
        """Bars copied from the source: all of a repeat, the first half of a variation; the
        final section keeps its last bar free for the cadence."""
        if self.source is None:
            return 0
        n = self.bars // 2 if self.variation else self.bars
        return max(0, min(n, self.bars - 1) if final else n)

    def to_json(self) -> dict:
        return {"label": self.label, "bars": [self.start + 1, self.end],
                "repeats": self.source, "variation": self.variation}


def shape_problems(text: str) -> list[Problem]:
    """What is wrong with a form's letters alone, whatever the length (errors as values)."""
    if not FORM_RE.fullmatch(text):
        return [Problem("--form", f"unknown form {text!r}: 2 to 8 section letters A-H, each "
                        f"optionally primed for a variation (e.g. {EXAMPLES})")]
    out = []
    seen: set[str] = set()
    for lab in re.findall(r"[A-H]'?", text):
        if lab.endswith("'") and lab[0] not in seen:
            out.append(Problem("--form", f"{lab} varies a section {lab[0]} that comes later"))
        seen.add(lab[0])
    return out


def length_problems(text: str, bars: int | None) -> list[Problem]:
    """What is wrong with a well-shaped form over `bars` bars (None: a length in seconds)."""
    sections = len(re.findall(r"[A-H]'?", text))
    if bars is None:
        return [Problem("--form", "a form needs a length in bars")]
    if bars % sections:
        return [Problem("--form", f"{sections} sections do not divide {bars} bars evenly")]
    return []


def problems(text: str | None, bars: int | None) -> list[Problem]:
    if text is None:
        return []
    if not FORM_RE.fullmatch(text):
        return shape_problems(text)
    return length_problems(text, bars) + shape_problems(text)


def parse(text: str | None, bars: int) -> tuple[Section, ...]:
    """The sections of a valid form (see `problems`) over `bars` bars; () for no form."""
    if not text:
        return ()
    labels = re.findall(r"[A-H]'?", text)
    size = bars // len(labels)
    first: dict[str, int] = {}
    out = []
    for i, lab in enumerate(labels):
        src = first.get(lab[0])
        out.append(Section(lab, i * size, size, src, lab.endswith("'")))
        first.setdefault(lab[0], i)
    return tuple(out)


def repeats(sections: tuple[Section, ...]) -> int:
    """How many times the most repeated letter occurs (1 without a form)."""
    counts: dict[str, int] = {}
    for s in sections:
        counts[s.label[0]] = counts.get(s.label[0], 0) + 1
    return max(counts.values(), default=1)
