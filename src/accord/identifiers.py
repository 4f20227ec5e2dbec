"""The music industry's identifiers, read one way everywhere: ISRC (recordings), ISWC (works),
ISNI (parties) and IPI (writers and publishers). Pure functions, no I/O.

For each kind:
  - `normalise_<kind>(text)`: the canonical form that is stored and compared (case, spaces,
    dots and dashes removed), or None when the text is not such an identifier;
  - `is_<kind>(text)`: is it one (in any accepted spelling)?
  - `format_<kind>(text)`: the conventional display form.

Canonical forms: ISRC `CCXXXYYNNNNN` (12 characters, e.g. XDTST2600001); ISWC `T` and ten digits
(e.g. T0345246801); ISNI 16 characters, digits and a final digit or X; IPI 9 to 11 digits.
Check digits are not verified: registries in the wild (and our demo data) carry codes that
would fail them, and a wrong check digit is still the code somebody filed.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-]")
ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
ISWC = re.compile(r"^T\d{10}$")
ISNI = re.compile(r"^\d{15}[\dX]$")
IPI = re.compile(r"^\d{9,11}$")
#: The spellings a document may use (canonical, or dotted and dashed).
ISWC_SPELLING = r"^T-?\d{3}\.?\d{3}\.?\d{3}-?\d$"


def _squeeze(text: str) -> str:
    return _SEPARATORS.sub("", text.strip()).upper()


def _normalise(text: str, pattern: re.Pattern) -> str | None:
    code = _squeeze(text)
    return code if pattern.match(code) else None


def normalise_isrc(text: str) -> str | None:
    return _normalise(text, ISRC)


def normalise_iswc(text: str) -> str | None:
    return _normalise(text, ISWC)


def normalise_isni(text: str) -> str | None:
    return _normalise(text, ISNI)


def normalise_ipi(text: str) -> str | None:
    return _normalise(text, IPI)


def is_isrc(text: str) -> bool:
    return _normalise(text, ISRC) is not None


def is_iswc(text: str) -> bool:
    return _normalise(text, ISWC) is not None


def is_isni(text: str) -> bool:
    return _normalise(text, ISNI) is not None


def is_ipi(text: str) -> bool:
    return _normalise(text, IPI) is not None


def _canonical(kind: str, text: str, normalise) -> str:
    code = normalise(text)
    if code is None:
        raise ValueError(f"{text!r} is not an {kind}")
    return code


def format_isrc(text: str) -> str:
    """CC-XXX-YY-NNNNN."""
    c = _canonical("ISRC", text, normalise_isrc)
    return f"{c[:2]}-{c[2:5]}-{c[5:7]}-{c[7:]}"


def format_iswc(text: str) -> str:
    """T-DDD.DDD.DDD-C."""
    c = _canonical("ISWC", text, normalise_iswc)
    return f"T-{c[1:4]}.{c[4:7]}.{c[7:10]}-{c[10]}"


def format_isni(text: str) -> str:
    """Four groups of four characters."""
    c = _canonical("ISNI", text, normalise_isni)
    return " ".join(c[i:i + 4] for i in range(0, 16, 4))


def format_ipi(text: str) -> str:
    """The digits, as filed (an IPI has no conventional separators)."""
    return _canonical("IPI", text, normalise_ipi)
