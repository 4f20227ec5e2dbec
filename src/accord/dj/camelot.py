"""Keys on the Camelot wheel (pure).

A key is a code `NL`: N in 1..12 around the circle of fifths, L = `B` (major) or `A` (minor);
C major is 8B, A minor 8A. Two keys mix well when they share the code, are one step apart with
the same letter (a fifth up or down), or share the number (relative major/minor).
"""

from __future__ import annotations

import re

_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_KEY = re.compile(r"^\s*([A-Ga-g])\s*([#♯b♭-]*)\s*(major|minor|maj|min|m)?\s*$")


def pitch_class(name: str, accidentals: str) -> int:
    pc = _PC[name.upper()]
    for a in accidentals:
        pc += 1 if a in "#♯" else -1
    return pc % 12


def code(pc: int, minor: bool) -> str:
    """Camelot code of a key given by its tonic pitch class and mode."""
    major_pc = (pc + 3) % 12 if minor else pc
    n = (7 + (7 * major_pc) % 12) % 12 + 1
    return f"{n}{'A' if minor else 'B'}"


def from_name(key: str) -> str | None:
    """'C major', 'a minor', 'F# minor', 'B- major' (music21 flats), 'Ebm' -> code; None when
    the text is not a key."""
    if not key:
        return None
    m = _KEY.match(key.replace("♭", "b"))
    if not m:
        return None
    tonic, acc, mode = m.groups()
    minor = (mode or "").lower() in ("minor", "min", "m") or (mode is None and tonic.islower())
    return code(pitch_class(tonic, acc), minor)


def parse(c: str) -> tuple[int, str]:
    n, letter = int(c[:-1]), c[-1].upper()
    if not 1 <= n <= 12 or letter not in "AB":
        raise ValueError(f"not a Camelot code: {c!r}")
    return n, letter


def compatible(a: str | None, b: str | None) -> bool:
    """Same code, +-1 with the same letter, or the relative major/minor."""
    if not a or not b:
        return False
    (na, la), (nb, lb) = parse(a), parse(b)
    if la == lb:
        return (na - nb) % 12 in (0, 1, 11)
    return na == nb


NAMES = {code(pc, minor): f"{n} {'minor' if minor else 'major'}"
         for pc, n in enumerate(["C", "D flat", "D", "E flat", "E", "F", "F sharp", "G",
                                 "A flat", "A", "B flat", "B"]) for minor in (False, True)}


def spoken(c: str | None) -> str:
    """A key as a listener hears it named ('G major'); '' when unknown."""
    return NAMES.get(c or "", "")
