"""One reading of ISRC, ISWC, ISNI and IPI: normalise, validate, format (accord.identifiers)."""

import pytest

from accord import identifiers as ids


def test_iswc_spellings_share_one_canonical_form():
    for spelling in ("T-034.524.680-1", "t0345246801", " T 034 524 680 1 ", "T-0345246801"):
        assert ids.normalise_iswc(spelling) == "T0345246801"
    assert ids.format_iswc("T0345246801") == "T-034.524.680-1"
    assert not ids.is_iswc("T-12") and ids.normalise_iswc("X0345246801") is None


def test_isrc_isni_ipi():
    assert ids.normalise_isrc("xd-tst-26-00001") == "XDTST2600001"
    assert ids.format_isrc("XDTST2600001") == "XD-TST-26-00001"
    assert ids.normalise_isrc("XDTST26001") is None
    assert ids.normalise_isni("0000 0004 1234 567x") == "000000041234567X"
    assert ids.format_isni("000000041234567X") == "0000 0004 1234 567X"
    assert ids.is_ipi("00123456789") and not ids.is_ipi("12345678")
    assert ids.format_ipi("00123456789") == "00123456789"


def test_formatting_refuses_what_is_not_an_identifier():
    with pytest.raises(ValueError, match="'T-12' is not an ISWC"):
        ids.format_iswc("T-12")
    with pytest.raises(ValueError, match="is not an ISRC"):
        ids.format_isrc("nope")
