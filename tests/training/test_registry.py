"""The model registry's revocation rules over a real rights registry (SQLite and PostgreSQL).

Snapshot rows are written directly here (the snapshot build itself needs the catalogue and is
tested end to end in test_cli_training.py); the permission answers come from the rights context.
"""

from datetime import UTC, datetime, timedelta

import pytest

from accord.errors import NotFound, Refused
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import ConsentAction, Use
from accord.training import service
from accord.training.tables import DatasetSnapshotRow, ModelVersionRow, SnapshotItemRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _doc(grace: int) -> dict:
    people = [{"id": f"w{i}", "name": f"Writer {i} (demo)", "roles": ["songwriter"], "demo": True}
              for i in range(3)]
    return {
        "accord_rights_document": 1,
        "parties": [{"id": "pub", "name": "Pub (demo)", "roles": ["publisher"], "demo": True},
                    *people],
        "works": [{"id": f"work{i}", "title": f"Song {i}", "demo": True,
                   "writers": [{"party": f"w{i}", "share": "100"}],
                   "publishers": [{"party": "pub", "share": "100"}]} for i in range(3)],
        "agreements": [{"id": "agr", "licensor": "pub", "uses": ["train"],
                        "purpose": "non_commercial", "catalogue": "all",
                        "valid_from": "2026-01-01T00:00:00Z", "grace_period_days": grace,
                        "demo": True}],
        "consents": [{"id": f"c{i}", "party": f"w{i}", "use": "train", "action": "opt_in",
                      "effective_at": "2026-01-01T00:00:00Z"} for i in range(3)],
    }


def _registry(session, grace: int = 0) -> None:
    rights.import_document(session, parse_document(_doc(grace), "t"), "t", AuditLog(session, "t"))
    session.add(DatasetSnapshotRow(id="ds-1", merkle_root="ab" * 32, use="train",
                                   purpose="non_commercial", at=T0 + timedelta(days=1),
                                   created_at=T0, item_count=3, datasheet={}))
    session.flush()
    for i in range(3):
        session.add(SnapshotItemRow(snapshot_id="ds-1", item_id=f"work{i}", content_hash="0" * 64,
                                    rights_holders=["pub"], artists=[f"w{i}"],
                                    evidence=["agr", f"c{i}"]))
    session.add(ModelVersionRow(id="m-1", snapshot_id="ds-1", merkle_root="ab" * 32,
                                preset="tiny", purpose="non_commercial", tokenizer={},
                                hyperparameters={}, metrics={}, weights_sha256="0" * 64,
                                code_version="test", status="active", created_at=T0))
    session.flush()


def test_revoked_consent_flags_and_retires_the_model(session):
    _registry(session)
    assert service.audit(session, T0 + timedelta(days=5)) == []
    rights.record_consent(session, "w1", Use.TRAIN, ConsentAction.REVOKE,
                          T0 + timedelta(days=10), AuditLog(session, "t"))
    assert service.audit(session, T0 + timedelta(days=9)) == []
    dry = service.audit(session, T0 + timedelta(days=11), retire=False)
    assert [a["item"] for a in dry[0]["affected_items"]] == ["work1"]
    assert dry[0]["rights_holders"] == ["w1"] and dry[0]["status"] == "active"
    assert service.require_active_model(session, "m-1").id == "m-1"
    report = service.audit(session, T0 + timedelta(days=11))
    assert report[0]["status"] == "retired"
    with pytest.raises(Refused, match="retired"):
        service.require_active_model(session, "m-1")


def test_grace_period_of_the_agreement_delays_retirement(session):
    _registry(session, grace=30)
    rights.terminate_agreement(session, "agr", T0 + timedelta(days=10), AuditLog(session, "t"))
    during = service.audit(session, T0 + timedelta(days=20))
    assert len(during[0]["affected_items"]) == 3
    assert during[0]["rights_holders"] == ["pub"] and during[0]["status"] == "active"
    assert all(a["grace_days"] == 30 and not a["grace_over"] for a in during[0]["affected_items"])
    after = service.audit(session, T0 + timedelta(days=41))
    assert after[0]["status"] == "retired"


def test_unknown_model_is_not_found(session):
    with pytest.raises(NotFound):
        service.require_active_model(session, "nope")
