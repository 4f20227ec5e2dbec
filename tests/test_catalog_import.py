"""Corpus import on SQLite and PostgreSQL: rights through the rights service, the licence scopes,
the consent fixture, deduplication, the parse cache, rejection with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accord.catalog import service
from accord.catalog.importer import import_corpus, import_paths
from accord.catalog.tables import CatalogItemRow
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.rights import audit
from accord.rights import service as rights
from accord.rights.model import Purpose, Use

COLLECTIONS = ["bach", "essenFolksong", "ryansMammoth", "oneills1850"]


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.fixture
def home(tmp_path, db_url) -> Settings:
    s = Settings(home=tmp_path / "home", database_url=db_url)
    s.ensure_home()
    return s


def _items(s: Settings) -> dict[str, list]:
    with session_scope(make_engine(s.db_url)) as session:
        out: dict[str, list] = {}
        for it in service.symbolic_items(session):
            out.setdefault(it.collection, []).append(it)
        return out


def test_import_registers_works_and_honours_licences_and_consents(home):
    report = import_corpus(home, COLLECTIONS, limit=2, workers=1)
    assert report.rejected == [] and report.imported == 8 and report.duplicates == 0
    items = _items(home)
    assert {c: len(v) for c, v in items.items()} == {c: 2 for c in COLLECTIONS}
    for it in (i for v in items.values() for i in v):
        assert it.midi_path.is_absolute() and it.midi_path.exists()
        assert it.midi_path.is_relative_to(home.media_dir.resolve())
        assert it.note_count > 0 and it.duration_s > 0 and it.writer_ids
    engine = make_engine(home.db_url)

    def allowed(coll: str, use: Use, day: str, purpose: Purpose) -> bool:
        with session_scope(engine) as session:
            return rights.check(session, use, work=items[coll][0].work_id, at=_at(day),
                                purpose=purpose).allowed

    nc, com = Purpose.NON_COMMERCIAL, Purpose.COMMERCIAL
    # Bach: music21's general terms, writer opted in to everything
    assert allowed("bach", Use.TRAIN, "2026-03-01", com)
    assert allowed("bach", Use.STYLE, "2026-03-01", com)
    # Essen: the encoders licensed non-commercial use only; writer opted in to train, not style
    assert allowed("essenFolksong", Use.TRAIN, "2026-03-01", nc)
    assert not allowed("essenFolksong", Use.TRAIN, "2026-03-01", com)
    assert not allowed("essenFolksong", Use.STYLE, "2026-03-01", nc)
    # Ryan's: never opted in
    assert not allowed("ryansMammoth", Use.TRAIN, "2026-03-01", nc)
    # O'Neill's: opted in, revoked train from 1 June
    assert allowed("oneills1850", Use.TRAIN, "2026-05-31", com)
    assert not allowed("oneills1850", Use.TRAIN, "2026-06-01", com)
    assert allowed("oneills1850", Use.STYLE, "2026-07-01", com)
    with session_scope(engine) as session:
        assert audit.verify(session).ok
        demo = rights.show(session, "demo-pub-old-quire")
        assert "(demo" in demo["name"] and demo["demo"] is True


def test_second_import_uses_the_cache_and_skips_duplicates(home):
    first = import_corpus(home, ["essenFolksong"], limit=6, workers=1)
    second = import_corpus(home, ["essenFolksong"], limit=6, workers=1)
    assert first.parsed == 6 and first.cached == 0
    assert second.parsed == 0 and second.cached == 6
    assert second.imported == 0 and second.duplicates == first.imported + first.duplicates
    with session_scope(make_engine(home.db_url)) as session:
        assert session.execute(select(func.count(CatalogItemRow.id))).scalar_one() == \
            first.imported


def test_identical_tunes_in_one_book_are_stored_once(home, tmp_path):
    tune = "X:{n}\nT:Tune {n}\nM:2/4\nL:1/8\nK:G\nGABc dedB|G4 G4|]\n"
    book = tmp_path / "book.abc"
    book.write_text(tune.format(n=1) + "\n" + tune.format(n=2) + "\n"
                    + tune.format(n=3).replace("dedB", "dedc"))
    report = import_paths(home, [book], collection="uploads")
    assert (report.imported, report.duplicates, report.rejected) == (2, 1, [])
    items = _items(home)["uploads"]
    assert sorted(i.title for i in items) == ["Tune 1", "Tune 3"]


def test_a_corrupt_file_is_rejected_and_nothing_of_it_is_written(home, tmp_path):
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01garbage")
    report = import_paths(home, [bad])
    assert report.imported == 0 and len(report.rejected) == 1
    assert str(bad) in report.rejected[0]["source"] + report.rejected[0]["problem"]
    assert "not a readable MIDI file" in report.rejected[0]["problem"]
    with session_scope(make_engine(home.db_url)) as session:
        assert session.execute(select(func.count(CatalogItemRow.id))).scalar_one() == 0
    assert not any(Path(home.media_dir).rglob("*.mid"))


def test_symbolic_items_filters_by_work(home):
    import_corpus(home, ["bach"], limit=3, workers=1)
    with session_scope(make_engine(home.db_url)) as session:
        every = service.symbolic_items(session)
        some = service.symbolic_items(session, [every[1].work_id, "no-such-work"])
        assert [i.work_id for i in some] == [every[1].work_id]
        shown = service.show_item(session, every[1].content_hash[:12])
        assert shown["work_id"] == every[1].work_id
