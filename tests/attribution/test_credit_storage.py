"""Credits are stored once per output, whole, with the registry's people (SQLite and PostgreSQL)."""

from decimal import Decimal

import pytest

from accord.attribution import service
from accord.errors import Refused
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document

DOC = {
    "accord_rights_document": 1,
    "parties": [{"id": "pub", "name": "Pub (demo)", "roles": ["publisher"], "demo": True},
                {"id": "w1", "name": "Writer One (demo)", "roles": ["songwriter"], "demo": True},
                {"id": "lab", "name": "Label (demo)", "roles": ["label"], "demo": True},
                {"id": "a1", "name": "Artist One (demo)", "roles": ["performing_artist"],
                 "demo": True}],
    "works": [{"id": f"work{i}", "title": f"Song {i}", "demo": True,
               "writers": [{"party": "w1", "share": "100"}],
               "publishers": [{"party": "pub", "share": "100"}]} for i in range(3)],
    "recordings": [{"id": "rec0", "title": "Song 0 (demo take)", "work": "work0", "demo": True,
                    "artists": ["a1"], "masters": [{"party": "lab", "share": "100"}]}],
}


EVIDENCE = {"ngram_coverage": 0.5, "n": 6, "longest_run_notes": 12, "style_cosine": 0.9,
            "style": 0.4, "passages": [{"notes": 12, "output_notes": [3, 14],
                                        "output_bars": [2, 4], "work_notes": [9, 20],
                                        "work_bars": [3, 5]}]}


def _result(shares: dict[str, str]) -> dict:
    return {"output_id": "out-1", "model_id": "m-1", "method": {"name": "symbolic",
                                                                "version": "1"},
            "policy": {"max_credits": 10}, "seconds": 0.01,
            "input": {"output_id": "out-1", "model_id": "m-1"},
            "credits": [{"role": "training", "item_kind": "work", "item_id": w, "share": s,
                         "rank": i, "score": 1.0 / i, "evidence": EVIDENCE}
                        for i, (w, s) in enumerate(shares.items(), 1)]}


def test_store_and_read_back(session):
    rights.import_document(session, parse_document(DOC, "t"), "t", AuditLog(session, "t"))
    service.store(session, _result({"work0": "0.600000", "work1": "0.400000"}))
    got = service.stored(session, "out-1")
    assert [(c["item_id"], c["share"]) for c in got["credits"]] == [("work0", "0.600000"),
                                                                   ("work1", "0.400000")]
    first = got["credits"][0]
    assert [a["id"] for a in first["artists"]] == ["w1", "a1"]
    assert {(h["id"], h["role"]) for h in first["rights_holders"]} == {
        ("pub", "publisher"), ("lab", "master owner")}
    assert sum(Decimal(c["share"]) for c in got["credits"]) == 1
    with pytest.raises(Refused, match="already attributed"):
        service.store(session, _result({"work2": "1"}))
    # the web UI's door to credits reads them as stored
    from accord.web import credits as web

    assert [c["share"] for c in web.credits_for_output(session, "out-1")] == ["0.600000",
                                                                             "0.400000"]
    mine = web.credited_outputs_for_party(session, "a1")  # performs a recording of work0
    assert [(o["output_id"], [c["work"] for c in o["credits"]]) for o in mine] == [
        ("out-1", ["work0"])]
    events = service.royalty_credit_events(session, "out-1")
    assert events[0] == {"type": "credit", "output_id": "out-1", "item_kind": "work",
                         "item_id": "work0", "share": "0.600000", "role": "training"}


def test_credits_that_do_not_sum_to_one_are_refused(session):
    with pytest.raises(Refused, match="sum to 0.9"):
        service.store(session, _result({"work0": "0.5", "work1": "0.4"}))
    assert service.stored(session, "out-1") is None
