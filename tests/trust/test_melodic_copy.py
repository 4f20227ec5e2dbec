"""The `melodic_copy` rule through the service: a symbolic upload's melody against the
catalogue's canonical MIDI (read through accord.catalog.service), measured by the memorization
guard's melodic n-grams (accord.music.ngrams). A real corpus piece (music21's bundled Bach
chorale BWV 66.6) is imported into the catalogue with a registry recording of its work."""

from __future__ import annotations

import pytest
import symusic

from accord.catalog import service as catalog
from accord.catalog.importer import import_paths
from accord.db.engine import session_scope
from accord.demo import scenario
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.trust import service
from accord.trust.policy import DEFAULT_POLICY, parse_policy

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def chorale(home, engine):
    """BWV 66.6 in the catalogue (canonical MIDI) and a registry recording of its work."""
    from music21 import corpus

    report = import_paths(home, [corpus.getWork("bach/bwv66.6")], collection="bach")
    assert report.imported == 1
    with session_scope(engine) as s:
        item = catalog.list_items(s, collection="bach")["items"][0]
        doc = {"accord_rights_document": 1, "recordings": [{
            "id": "rec-bwv66-6", "title": "Christ unser Herr (BWV 66.6)",
            "work": item["work_id"], "artists": [scenario.SINGER],
            "masters": [{"party": scenario.LABEL, "share": "100"}]}]}
        rights_service.import_document(s, parse_document(doc, "t"), "t", AuditLog(s, "t"))
    return item


def shifted(src, dst, semitones=0, qpm=None):
    """A copy of a MIDI file, transposed, written at twice the resolution and, with `qpm`, at
    another tempo (the same notes in beats, other ticks and seconds)."""
    score = symusic.Score(str(src))
    out = symusic.Score(score.ticks_per_quarter * 2)
    for track in score.tracks:
        new = symusic.Track(program=track.program, is_drum=track.is_drum)
        for n in track.notes:
            new.notes.append(symusic.Note(n.time * 2, n.duration * 2, n.pitch + semitones,
                                          n.velocity))
        out.tracks.append(new)
    out.tempos.append(symusic.Tempo(0, qpm or 120.0))
    out.dump_midi(str(dst))
    return dst


def fresh(dst, pitches, beat=480):
    score = symusic.Score(480)
    track = symusic.Track()
    for i, p in enumerate(pitches):
        track.notes.append(symusic.Note(i * beat, beat - 40, p, 90))
    score.tracks.append(track)
    score.dump_midi(str(dst))
    return dst


def screen(engine, home, path, uploader="u1", policy=None):
    with session_scope(engine) as s:
        return service.screen_upload(s, home, path, uploader=uploader,
                                     audit=AuditLog(s, "t"), policy=policy)


def finding(d):
    return next(f for f in d["findings"] if f["rule"] == "melodic_copy")


def test_a_copied_corpus_piece_is_rejected_naming_the_work_and_recording(home, engine,
                                                                         chorale):
    d = screen(engine, home, chorale["midi_path"])
    assert d["kind"] == "symbolic" and d["outcome"] == "reject" and d["flagged"]
    f = finding(d)
    assert f["verdict"] == "copy" and f["score"] == 1.0
    top = f["evidence"]["matches"][0]
    assert top["work"] == chorale["work_id"] and top["recordings"] == ["rec-bwv66-6"]
    assert top["coverage"] == 1.0 and top["n"] == 8
    reason = next(r for r in d["reasons"] if r["rule"] == "melodic_copy")
    assert reason["outcome"] == "reject"
    assert chorale["work_id"] in reason["summary"] and "rec-bwv66-6" in reason["summary"]
    assert "100%" in reason["summary"]


def test_a_transposed_and_slowed_copy_is_rejected_too(home, engine, chorale, tmp_path):
    up = shifted(chorale["midi_path"], tmp_path / "moved.mid", semitones=3, qpm=72.0)
    d = screen(engine, home, up)
    f = finding(d)
    assert d["outcome"] == "reject" and f["verdict"] == "copy" and f["score"] >= 0.9


def test_a_partial_copy_is_held_as_a_near_copy(home, engine, chorale, tmp_path):
    from accord.music.ngrams import melody_from_midi

    tune = [n.pitch for n in melody_from_midi(chorale["midi_path"])]
    # the chorale's melody (as plain quarter notes it is not the chorale's rhythm: write the
    # first 70 % in its own timing, then a new ending)
    score = symusic.Score(str(chorale["midi_path"]))
    keep = int(len(tune) * 0.7)
    cut = sorted({n.time for t in score.tracks for n in t.notes})[keep]
    for track in score.tracks:
        notes = [n for n in track.notes if n.time < cut]
        track.notes.clear()
        for n in notes:
            track.notes.append(n)
    tail = [50, 53, 57, 52, 55, 59, 54, 58, 51, 56, 60, 49, 61, 48, 62, 47]
    for i, p in enumerate(tail):
        score.tracks[0].notes.append(symusic.Note(cut + i * 240, 200, p + 24, 90))
    up = tmp_path / "partial.mid"
    score.dump_midi(str(up))
    d = screen(engine, home, up)
    f = finding(d)
    assert f["verdict"] == "near_copy" and 0.5 <= f["score"] < 0.9, f
    assert d["outcome"] == "hold"


def test_a_fresh_melody_passes(home, engine, chorale, tmp_path):
    up = fresh(tmp_path / "fresh.mid", [60, 64, 62, 67, 65, 69, 67, 72, 71, 67, 69, 65, 64,
                                        62, 60, 59, 60, 64, 67, 72, 70, 69, 65, 62, 60])
    d = screen(engine, home, up)
    assert finding(d)["verdict"] == "clear"
    assert "melodic_copy" not in {r["rule"] for r in d["reasons"]}
    assert d["outcome"] == "accept"


def test_the_thresholds_come_from_the_policy(home, engine, chorale, tmp_path):
    up = shifted(chorale["midi_path"], tmp_path / "copy.mid", semitones=-2)
    text = DEFAULT_POLICY.read_text().replace("copy_coverage = 0.9", "copy_coverage = 1.01")
    policy = parse_policy(text, "lenient.toml")
    d = screen(engine, home, up, policy=policy)
    f = finding(d)
    assert f["verdict"] == "near_copy" and f["evidence"]["copy_coverage"] == 1.01
    assert d["outcome"] == "hold"


def test_the_catalogue_melody_index_is_stored_and_rebuilt_when_the_catalogue_changes(
        home, engine, chorale, tmp_path):
    from music21 import corpus

    screen(engine, home, fresh(tmp_path / "a.mid", list(range(60, 80))))
    first = sorted((home.trust_dir / "melodies").glob("*.npz"))
    assert len(first) == 1
    screen(engine, home, fresh(tmp_path / "b.mid", list(range(80, 60, -1))), uploader="u2")
    assert sorted((home.trust_dir / "melodies").glob("*.npz")) == first
    assert import_paths(home, [corpus.getWork("bach/bwv1.6")], collection="bach").imported == 1
    d = screen(engine, home, fresh(tmp_path / "c.mid", list(range(62, 82))), uploader="u3")
    second = sorted((home.trust_dir / "melodies").glob("*.npz"))
    assert len(second) == 1 and second != first
    assert d["outcome"] == "accept"


def test_a_musicxml_upload_of_the_corpus_piece_is_rejected(home, engine, chorale, tmp_path):
    """The score itself (.mxl, as music21 ships it) and a transposed MusicXML copy: read through
    the catalogue's own parser (catalog.service.canonical_midi_of_score), both are copies."""
    import shutil

    from music21 import converter, corpus

    src = corpus.getWork("bach/bwv66.6")
    up = shutil.copy(src, tmp_path / "chorale.mxl")
    d = screen(engine, home, up)
    assert d["kind"] == "symbolic" and d["outcome"] == "reject"
    assert finding(d)["evidence"]["matches"][0]["work"] == chorale["work_id"]
    moved = tmp_path / "moved.musicxml"
    converter.parse(src).transpose(5).write("musicxml", fp=str(moved))
    d = screen(engine, home, moved, uploader="u2")
    assert finding(d)["verdict"] == "copy" and d["outcome"] == "reject"


def test_hostile_scores_are_refused_before_parsing(home, engine, tmp_path):
    import zipfile

    from accord.errors import InvalidInput

    bomb = tmp_path / "bomb.mxl"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("score.xml", b"<a>" + b" " * (25 * 1024 * 1024) + b"</a>")
    assert bomb.stat().st_size < 1024 * 1024  # small on disk, huge unpacked
    entity = tmp_path / "lol.musicxml"
    entity.write_text('<?xml version="1.0"?><!DOCTYPE score-partwise [<!ENTITY a "aaaa">'
                      '<!ENTITY b "&a;&a;&a;&a;">]><score-partwise>&b;</score-partwise>')
    for path, message in ((bomb, "unpacks to"), (entity, "entity declarations are refused")):
        with session_scope(engine) as s, pytest.raises(InvalidInput, match=message):
            service.screen_upload(s, home, path, uploader="u1", audit=AuditLog(s, "t"))


def test_the_review_queue_shows_the_melodic_evidence(home, engine, chorale, tmp_path):
    """The admin's queue names the matched work, its recording and the coverage."""
    from accord.web.trust import _evidence

    up = shifted(chorale["midi_path"], tmp_path / "copy.mid", semitones=1)
    d = screen(engine, home, up)
    lines = _evidence(finding(d))
    assert lines == [f"melody of work {chorale['work_id']} 'bwv66.6.mxl' (rec-bwv66-6): coverage "
                     f"1.0 ({finding(d)['evidence']['matches'][0]['shared_ngrams']} of "
                     f"{finding(d)['evidence']['matches'][0]['upload_ngrams']} 8-grams), "
                     f"longest shared passage "
                     f"{finding(d)['evidence']['matches'][0]['longest_run_notes']} notes"]
