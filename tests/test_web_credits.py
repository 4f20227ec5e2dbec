"""accord.web.credits: its pure grouping of credit rows into a party's credited outputs."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from accord.web import credits


def _row(output_id, item_id, share, parties, role="training"):
    return SimpleNamespace(output_id=output_id, role=role, item_id=item_id,
                           share=Decimal(share), parties=parties)


def test_credit_rows_are_grouped_by_output_for_the_party_named_in_them():
    reel = {"title": "A Reel", "writers": [{"id": "ada", "name": "Ada"}],
            "publishers": [{"id": "pub", "name": "Pub"}], "recordings": []}
    song = {"title": "A Song", "writers": [{"id": "cal", "name": "Cal"}],
            "recordings": [{"id": "r1", "artists": [{"id": "ada", "name": "Ada"}],
                            "masters": [{"id": "label", "name": "Label"}]}]}
    other = {"title": "Other", "writers": [{"id": "cal", "name": "Cal"}]}
    rows = [_row("out-1", "w-reel", "0.600000", reel),
            _row("out-1", "w-other", "0.400000", other),
            _row("out-2", "w-song", "0.250000", song, role="conditioning"),
            _row("out-3", "w-other", "1.000000", other)]
    got = credits.credited_outputs(rows, "ada")
    assert [o["output_id"] for o in got] == ["out-1", "out-2"]
    assert got[0]["credits"] == [{"role": "training", "work": "w-reel", "title": "A Reel",
                                  "share": "0.600000", "percent": "60.00 %"}]
    assert got[1]["credits"][0]["role"] == "conditioning" and got[1]["total_percent"] == "25.00 %"
    assert [o["output_id"] for o in credits.credited_outputs(rows, "label")] == ["out-2"]
    assert credits.credited_outputs(rows, "pub")[0]["output_id"] == "out-1"
    assert credits.credited_outputs(rows, "nobody") == []
