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
