"""Fixtures of the creation tests: a real home with real corpus pieces, rights, a snapshot and a
tiny model trained in a few seconds (as in tests/training), plus a remix licence (demo data).

Rights in this home (the catalogue's consent fixture, docs/catalog.md):
- Essen songs: writer opted in to train, never to style or remix;
- O'Neill's tunes: writer opted in to train and style (train revoked from 2026-06-01) and, here,
  to remix; the publishers of every work license remix (non-commercial, demo).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.catalog.importer import import_corpus
from accord.cli.common import initialise
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import Purpose, Use
from accord.training import dataset_service
from accord.training import service as training

SNAPSHOT_AT = datetime(2026, 3, 1, tzinfo=UTC)
ONEILL = "writer-oneills1850"
ESSEN = "writer-essenfolksong"

REMIX_LICENCES = {
    "accord_rights_document": 1,
    "agreements": [
        {"id": f"test-agr-remix-{holder}", "licensor": holder, "uses": ["remix"],
         "purpose": "non_commercial", "catalogue": "all", "valid_from": "2026-01-01T00:00:00Z",
         "title": "remix licence (test data)", "demo": True}
        for holder in ("encoder-music21-corpus", "demo-pub-old-quire")],
    "consents": [{"id": "test-oneill-remix", "party": ONEILL, "use": "remix",
                  "action": "opt_in", "effective_at": "2026-01-01T00:00:00Z",
                  "reason": "test data"}],
}


class Home:
    def __init__(self, settings: Settings, model_id: str, snapshot_id: str) -> None:
        self.settings = settings
        self.model_id = model_id
        self.snapshot_id = snapshot_id
        self.engine = make_engine(settings.db_url)

    def session(self):
        return session_scope(self.engine)

    def items(self):
        return dataset_service.items(self.settings, self.snapshot_id)

    def midi_of(self, work_id: str) -> Path:
        from accord.catalog import service as catalog

        with self.session() as s:
            return catalog.symbolic_items(s, [work_id])[0].midi_path


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Home:
    s = Settings(home=tmp_path_factory.mktemp("creation-home"))
    initialise(s)
    report = import_corpus(s, ["essenFolksong", "oneills1850"], limit=8, workers=1)
    assert report.imported >= 14, report.to_json()
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        rights.import_document(session, parse_document(REMIX_LICENCES, "test"), "test",
                               AuditLog(session, "test"))
        snap = dataset_service.build(session, s, Use.TRAIN, SNAPSHOT_AT,
                                     Purpose.NON_COMMERCIAL)
    with session_scope(engine) as session:
        model = training.train_model(session, s, snap.id, "tiny", max_steps=20, samples=0,
                                     progress=False)
    return Home(s, model["id"], snap.id)
