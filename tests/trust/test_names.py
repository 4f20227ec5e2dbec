"""Fuzzy artist and title matching: look-alikes, transliterations, feat. tricks (pure)."""

import pytest

from accord.trust.names import compare, featured_in_title, key, match_names, split_credit

REGISTRY = [("bea", "Bea Lantern"), ("cal", "Cal Ferro"), ("bjork", "Björk")]


@pytest.mark.parametrize("given", [
    "Bea Lantern",          # exact
    "BEA LANTERN",          # case
    "Bеa Lаntern",          # Cyrillic е and а
    "Ｂｅａ Ｌａｎｔｅｒｎ",  # full-width
    "B3a L4ntern",          # leetspeak
    "Bea\u200bLantern",     # zero-width space
    "Béa Lantérn",          # diacritics
])
def test_disguised_names_reduce_to_the_same_key(given):
    assert key(given) == key("Bea Lantern")
    assert compare(given, "Bea Lantern")[0] == 1.0


def test_transliterations_come_close():
    sim, how = compare("Бьорк", "Björk")
    assert how == "fuzzy" and sim >= 0.88
    assert key("Бьорк") == "bork"  # sounds, not look-alikes, for a wholly Cyrillic name


def test_feat_tricks_credit_the_featured_artist():
    assert split_credit("Nobody feat. Bea Lantern & Someone") == ["Nobody", "Bea Lantern",
                                                                  "Someone"]
    assert featured_in_title("Night Song (ft. Cal Ferro)") == ["Cal Ferro"]
    found = match_names(["DJ Nobody ft. Bеa Lantern"], "Night Song (feat. Cal Ferro)",
                        REGISTRY, 0.88)
    assert {(c.party_id, c.field) for c in found} >= {("bea", "artist"), ("cal", "artist")}


def test_a_title_naming_an_artist_is_caught_and_unrelated_names_are_not():
    found = match_names(["Someone"], "Song in the style of Cal Ferro", REGISTRY, 0.88)
    assert [(c.party_id, c.field, c.how) for c in found] == [("cal", "title", "contains")]
    assert match_names(["Totally Different"], "Rainy Day", REGISTRY, 0.88) == []
    assert match_names(["Cal"], "", REGISTRY, 0.88) == []  # a prefix is not the artist


# --- a property: a name disguised with look-alikes keeps its key ---------------------------

from collections import Counter  # noqa: E402

from hypothesis import event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from accord.trust.names import CONFUSABLES  # noqa: E402

LOOKALIKE = {}  # Latin letter -> look-alikes of other scripts that map to exactly it
for ch, latin in CONFUSABLES.items():
    if len(latin) == 1 and latin.isalpha() and not ch.isascii() and ch.isalpha():
        LOOKALIKE.setdefault(latin, []).append(ch)
SEEN: Counter = Counter()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeghiklmnoprstuvwxy ", min_size=3, max_size=20),
       st.one_of(st.just([False] * 20), st.just([True] * 20),
                 st.lists(st.booleans(), min_size=20, max_size=20)),
       st.booleans(), st.integers(0, 10))
def _disguised(name, swap, fullwidth, seed):
    out, swapped = [], 0
    for ch, s in zip(name, swap, strict=False):
        if s and ch in LOOKALIKE:
            out.append(LOOKALIKE[ch][seed % len(LOOKALIKE[ch])])
            swapped += 1
        else:
            out.append(ch)
    text = "".join(out)
    if fullwidth:
        text = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c
                       for c in text)
    if not key(name):
        return
    kind = ("every letter swapped" if swapped and swapped == sum(c.isalpha() for c in name)
            else "some swapped" if swapped else "none swapped")
    kind += ", full-width" if fullwidth else ""
    event(kind)
    SEEN[kind] += 1
    assert compare(text, name)[0] == 1.0, (text, name)


def test_look_alike_disguises_always_match():
    SEEN.clear()
    _disguised()
    for kind in ("some swapped", "none swapped", "every letter swapped",
                 "some swapped, full-width", "every letter swapped, full-width"):
        assert SEEN[kind] >= 10, f"{kind!r} starved: {dict(SEEN)}"
