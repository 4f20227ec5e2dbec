"""Fuzzy name matching for impersonation (pure): credited artists and titles against the
registry's performing artists.

A name is reduced to a comparison key in steps, each undoing one trick:
  1. NFKC (full-width letters, ligatures, superscripts, compatibility forms), casefold;
  2. look-alike characters from other scripts and leetspeak mapped to the Latin letter they
     imitate (a subset of Unicode's confusables for Cyrillic, Greek and symbols: `CONFUSABLES`);
  3. transliteration of Cyrillic and Greek letters that are not look-alikes (`TRANSLIT`), and
     letters like ß, æ, ø, ł; diacritics dropped (NFKD without combining marks);
  4. everything that is not a letter or digit removed (dots, spaces, zero-width joiners).
Credits are split on "feat.", "ft.", "featuring", "with", "x", "vs", "&", "," so that
"Someone feat. Famous Artist" and "Song (ft. Famous Artist)" name the featured artist too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

#: Look-alikes: characters of other scripts (and digits, symbols) that render like a Latin
#: letter. A subset of Unicode's confusables.txt (the letters used in real impersonations).
CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g", "һ": "h", "ո": "n", "ս": "u",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ϳ": "j",
    # symbols and leetspeak
    "0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i",
    "|": "l", "€": "e", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d",
    "ı": "i", "ŋ": "n", "þ": "th",
}

#: Transliteration of the remaining Cyrillic and Greek letters (BGN/PCGN-like, simplified).
TRANSLIT = {
    "б": "b", "г": "g", "д": "d", "ж": "zh", "з": "z", "и": "i", "й": "y", "л": "l", "п": "p",
    "ф": "f", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "є": "ye", "ґ": "g",
    "δ": "d", "ζ": "z", "θ": "th", "λ": "l", "μ": "m", "ξ": "x", "π": "p", "σ": "s",
    "ς": "s", "φ": "f", "ψ": "ps",
}

#: How the look-alike letters sound, for a name written wholly in Cyrillic or Greek (a
#: transliteration, not a disguise): "Бьорк" reads "bork", not "bopk".
SOUNDS = {
    "в": "v", "н": "n", "р": "r", "с": "s", "у": "u", "х": "kh", "η": "i", "ν": "n",
    "ρ": "r", "υ": "y", "χ": "ch", "γ": "g", "ω": "o", "β": "v",
}

_FEAT = re.compile(r"\s*(?:\(|\[)?\s*(?:\bfeat\b\.?|\bft\b\.?|\bfeaturing\b|\bwith\b|\bx\b|"
                   r"\bvs\b\.?|&|,|;|/|\+)\s*", re.IGNORECASE)
_BRACKETS = re.compile(r"[()\[\]{}]")


def _foreign(s: str) -> bool:
    """Written without Latin letters but with Cyrillic or Greek ones."""
    letters = [unicodedata.name(ch, "") for ch in s if ch.isalpha()]
    return bool(letters) and not any(n.startswith("LATIN") for n in letters) and any(
        n.startswith(("CYRILLIC", "GREEK")) for n in letters)


def key(name: str, sounds: bool | None = None) -> str:
    """The comparison key of a name (steps 1-4 above). sounds: read look-alike letters by
    their sound (a transliteration); None: when the name is wholly Cyrillic or Greek."""
    if sounds is None:
        sounds = _foreign(unicodedata.normalize("NFKC", name))
    table = {**CONFUSABLES, **SOUNDS} if sounds else CONFUSABLES
    # look-alikes first: NFKC and case folding turn some into other letters (the Greek lunate
    # sigma "ϲ", a look-alike of c, becomes a sigma that reads "s")
    s = unicodedata.normalize("NFKC", "".join(table.get(ch, ch) for ch in name))
    s = "".join(table[ch] if ch in table else "".join(
        table.get(c, TRANSLIT.get(c, c)) for c in ch.casefold()) for ch in s)
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    s = "".join(CONFUSABLES.get(ch, TRANSLIT.get(ch, ch)) for ch in s)  # letters NFKD exposed
    return "".join(ch for ch in s if ch.isalnum())


def split_credit(text: str) -> list[str]:
    """The names in an artist credit or a title's "(feat. ...)" part, in order."""
    parts = [_BRACKETS.sub(" ", p).strip() for p in _FEAT.split(text)]
    return [p for p in parts if p]


def featured_in_title(title: str) -> list[str]:
    """Names a title credits itself: "Song (feat. A & B)" -> [A, B]."""
    m = re.search(r"(?:\bfeat\b\.?|\bft\b\.?|\bfeaturing\b)\s*(.+)$", title, re.IGNORECASE)
    return split_credit(m.group(1)) if m else []


@dataclass(frozen=True)
class Candidate:
    party_id: str
    party_name: str
    field: str
    given: str
    similarity: float
    how: str


_NOTE = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*")


def compare(given: str, registered: str) -> tuple[float, str]:
    """(similarity in [0, 1], how) of an uploaded name and a registered one; a registered
    name's bracketed note ("Bea Lantern (demo artist)") is compared without it too."""
    bare = _NOTE.sub(" ", registered).strip()
    if bare and bare != registered.strip():
        return max(_compare(given, registered), _compare(given, bare))
    return _compare(given, registered)


def _compare(given: str, registered: str) -> tuple[float, str]:
    if given.strip().casefold() == registered.strip().casefold():
        return 1.0, "exact"
    # a wholly Cyrillic name is read both ways: as a transliteration ("Бьорк") and as a
    # disguise made only of look-alikes ("Веа" for "Bea")
    a_keys = {key(given), key(given, sounds=False)}
    b = key(registered)
    if not b or not any(a_keys):
        return 0.0, "none"
    if b in a_keys:
        return 1.0, "normalised"
    return max(SequenceMatcher(None, a, b, autojunk=False).ratio() for a in a_keys if a), \
        "fuzzy"


def match_names(artists: list[str], title: str, registry: list[tuple[str, str]],
                min_similarity: float = 0.8) -> list[Candidate]:
    """Registered (party id, name) pairs that an upload's credits or title resemble: each
    credited name (split on feat./ft./&/x/...) and each name featured in the title compared
    whole; the title also checked for a registered name inside it (a name of at least five
    key characters, e.g. "Song in the style of <artist>")."""
    names = [(n, "artist") for a in artists for n in split_credit(a)]
    names += [(n, "artist") for n in featured_in_title(title)]
    out: dict[tuple[str, str], Candidate] = {}
    for pid, pname in registry:
        pk = key(_NOTE.sub(" ", pname).strip() or pname)
        for given, fld in names:
            sim, how = compare(given, pname)
            if sim >= min_similarity:
                c = Candidate(pid, pname, fld, given, sim, how)
                if (pid, fld) not in out or out[(pid, fld)].similarity < sim:
                    out[(pid, fld)] = c
        if len(pk) >= 5 and title and pk in key(title) and (pid, "title") not in out:
            out[(pid, "title")] = Candidate(pid, pname, "title", title, 1.0, "contains")
    return sorted(out.values(), key=lambda c: (-c.similarity, c.party_id, c.field))
