"""Registry services on SQLite and PostgreSQL: import, validation, events, show, history, check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from accord.db.engine import session_scope
from accord.errors import InvalidInput, NotFound
from accord.rights import service
from accord.rights.audit import AuditLog
from accord.rights.audit import count as audit_count
from accord.rights.document import parse_document
from accord.rights.model import ConsentAction, Purpose, Use
from accord.rights.tables import ConsentEventRow, PartyRow
from tests.rights_language import Scenario


def scenario() -> Scenario:
    s = Scenario()
    s.label("L"); s.publisher("P"); s.artist("A"); s.artist("B"); s.writer("W")  # noqa: E702
    s.work("w1", writers=["W"], publishers=["P"], iswc="T-034.524.680-1")
    s.recording("r1", "w1", artists=["A", "B"], masters=["L"], isrc="XDTST2600001")
    s.agreement("L", ["train"], aid="agr-L")
    s.agreement("P", ["train"], aid="agr-P")
    s.opt_in("W", "train")
    s.opt_in("A", "train")
    return s


def do_import(engine, doc_dict, source="doc.yaml"):
    with session_scope(engine) as session:
        return service.import_document(session, parse_document(doc_dict, source), source,
                                       AuditLog(session, "test"))


def snapshot(engine) -> tuple:
    """Row counts of the registry, to show that a failed import changed nothing."""
    with session_scope(engine) as session:
        return (session.scalar(select(func.count()).select_from(PartyRow)),
                session.scalar(select(func.count()).select_from(ConsentEventRow)),
                audit_count(session))


def at(day):
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_import_then_check_by_isrc_and_iswc(engine):
    summary = do_import(engine, scenario().doc)
    assert summary.created == {"parties": 5, "works": 1, "recordings": 1, "agreements": 2,
                               "consents": 2}
    with session_scope(engine) as session:
        d = service.check(session, Use.TRAIN, recording="XD-TST-26-00001", at=at("2026-02-01"))
        assert not d.allowed and d.missing[0].party_id == "B"
        w = service.check(session, Use.TRAIN, work="T0345246801", at=at("2026-02-01"))
        assert w.allowed


def test_importing_the_same_document_twice_changes_nothing(engine):
    do_import(engine, scenario().doc)
    before = snapshot(engine)
    again = do_import(engine, scenario().doc)
    assert not again.changed and again.unchanged["parties"] == 5
    assert snapshot(engine) == before


def test_changed_party_is_updated_with_an_audit_entry(engine):
    do_import(engine, scenario().doc)
    doc = scenario().doc
    doc["parties"][0]["name"] = "L renamed"
    summary = do_import(engine, doc)
    assert summary.updated == {"parties": 1}
    with session_scope(engine) as session:
        assert session.get(PartyRow, "L").name == "L renamed"


@pytest.mark.parametrize("mutate, where, text", [
    (lambda d: d["works"][0]["writers"].append({"party": "A", "share": "1"}),
     "works[0].writers", "sum to 101"),
    (lambda d: d["recordings"][0].update(work="nope"), "recordings[0].work", "unknown work"),
    (lambda d: d["recordings"][0]["artists"].append("ghost"), "recordings[0].artists[2]",
     "unknown party 'ghost'"),
    (lambda d: d["agreements"][0].update(valid_from="2026-05-01", valid_until="2026-04-01"),
     "agreements[0].valid_until", "ends before it starts"),
    (lambda d: d["agreements"][0].update(uses=["telepathy"]), "agreements[0].uses[0]",
     "Input should be"),
    (lambda d: d["consents"][0].update(party="L"), "consents[0].party",
     "only people give consent"),
    (lambda d: d["consents"][0].update(effective_at="yesterday"), "consents[0].effective_at",
     "not an ISO 8601"),
    (lambda d: d["parties"].append(dict(d["parties"][0])), "parties[5].id", "duplicate id"),
    (lambda d: d["works"][0]["publishers"][0].update(share=1.5), "works[0].publishers",
     "sum to 1.5"),
])
def test_invalid_document_is_rejected_whole_naming_the_place(engine, mutate, where, text):
    do_import(engine, {"accord_rights_document": 1, "parties": [
        {"id": "pre", "name": "already here", "roles": ["label"]}]})
    before = snapshot(engine)
    doc = scenario().doc
    mutate(doc)
    with pytest.raises(InvalidInput) as err:
        do_import(engine, doc)
    assert any(where in p.where and text in p.message for p in err.value.problems), \
        str(err.value)
    assert snapshot(engine) == before


def test_recorded_events_are_never_edited(engine):
    do_import(engine, scenario().doc)
    doc = scenario().doc
    doc["consents"][0]["action"] = "revoke"
    with pytest.raises(InvalidInput, match="never edited"):
        do_import(engine, doc)


def test_isrc_must_be_unique_across_recordings(engine):
    do_import(engine, scenario().doc)
    doc = scenario().doc
    doc["recordings"][0]["id"] = "r2"
    with pytest.raises(InvalidInput, match="already belongs to recording 'r1'"):
        do_import(engine, doc)


def test_grant_revoke_history_and_effect(engine):
    do_import(engine, scenario().doc)
    with session_scope(engine) as session:
        audit = AuditLog(session, "test")
        service.record_consent(session, "B", Use.TRAIN, ConsentAction.OPT_IN, at("2026-02-01"),
                               audit)
        service.record_consent(session, "B", Use.TRAIN, ConsentAction.REVOKE, at("2026-04-01"),
                               audit, reason="changed my mind")
    with session_scope(engine) as session:
        assert service.check(session, Use.TRAIN, recording="r1", at=at("2026-03-01")).allowed
        assert not service.check(session, Use.TRAIN, recording="r1", at=at("2026-04-02")).allowed
        h = service.history(session, "B")
        assert [e["action"] for e in h["consents"]] == ["opt_in", "revoke"]
        assert h["consents"][1]["reason"] == "changed my mind"
        assert service.current_consents(session, "B", at("2026-05-01"))["train"] == "revoked"


def test_only_people_consent_and_unknown_ids_are_errors(engine):
    do_import(engine, scenario().doc)
    with session_scope(engine) as session:
        with pytest.raises(InvalidInput, match="not a performing artist or songwriter"):
            service.record_consent(session, "L", Use.TRAIN, ConsentAction.OPT_IN, None,
                                   AuditLog(session))
        with pytest.raises(NotFound):
            service.record_consent(session, "nobody", Use.TRAIN, ConsentAction.OPT_IN, None,
                                   AuditLog(session))
        with pytest.raises(NotFound, match="ISRC"):
            service.check(session, Use.TRAIN, recording="XXX")


def test_termination_and_show(engine):
    do_import(engine, scenario().doc)
    with session_scope(engine) as session:
        service.record_consent(session, "B", Use.TRAIN, ConsentAction.OPT_IN, at("2026-01-01"),
                               AuditLog(session))
        service.terminate_agreement(session, "agr-L", at("2026-06-01"), AuditLog(session))
    with session_scope(engine) as session:
        assert service.check(session, Use.TRAIN, recording="r1", at=at("2026-05-31")).allowed
        assert not service.check(session, Use.TRAIN, recording="r1", at=at("2026-06-01")).allowed
        shown = service.show(session, "agr-L")
        assert shown["kind"] == "agreement" and len(shown["terminations"]) == 1
        assert service.show(session, "XDTST2600001")["id"] == "r1"
        assert service.check(session, Use.TRAIN, recording="r1", at=at("2026-05-31"),
                             purpose=Purpose.NON_COMMERCIAL).allowed
