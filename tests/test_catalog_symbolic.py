"""Symbolic ingest: each format, ABC splitting, the content hash's invariance and sensitivity."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.catalog import symbolic
from accord.catalog.corpus import corpus_root
from accord.errors import InvalidInput

TUNE = """X:1
T:Test Tune
C:Anon
M:3/4
L:1/8
K:D
d2 fe dc | B2 A2 F2 | G2 E2 C2 | D6 |]
"""


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    if isinstance(data, str):
        p.write_text(data)
    else:
        p.write_bytes(data)
    return p


def test_abc_metadata_and_canonical_midi_roundtrip(tmp_path):
    piece = symbolic.parse(_write(tmp_path, "t.abc", TUNE))
    assert (piece.title, piece.composer, piece.key, piece.time_signature) == (
        "Test Tune", "Anon", "D major", "3/4")
    assert piece.note_count == 12
    assert symbolic.duration_seconds(piece) == pytest.approx(4 * 3 * 0.5)  # 4 bars of 3/4 at 120
    midi = _write(tmp_path, "t.mid", symbolic.canonical_midi(piece))
    again = symbolic.parse(midi)
    assert symbolic.content_hash(again) == symbolic.content_hash(piece)
    assert (again.key, again.time_signature) == ("D major", "3/4")


def test_same_music_in_abc_and_musicxml_has_the_same_hash(tmp_path):
    from music21 import converter

    abc = _write(tmp_path, "t.abc", TUNE)
    xml = tmp_path / "t.musicxml"
    converter.parse(str(abc)).write("musicxml", fp=str(xml))
    assert symbolic.content_hash(symbolic.parse(xml)) == symbolic.content_hash(
        symbolic.parse(abc))


def test_one_changed_note_changes_the_hash(tmp_path):
    a = symbolic.parse(_write(tmp_path, "a.abc", TUNE))
    b = symbolic.parse(_write(tmp_path, "b.abc", TUNE.replace("B2 A2 F2", "B2 A2 G2")))
    c = symbolic.parse(_write(tmp_path, "c.abc", TUNE.replace("T:Test Tune", "T:Renamed")))
    assert symbolic.content_hash(a) != symbolic.content_hash(b)
    assert symbolic.content_hash(a) == symbolic.content_hash(c)  # a title is not the music


def test_musicxml_and_humdrum_from_the_corpus(tmp_path):
    bach = symbolic.parse(corpus_root() / "bach" / "bwv66.6.mxl")
    assert [p.name for p in bach.parts] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert bach.key == "F# minor" and bach.time_signature == "4/4" and bach.note_count > 100
    pal = symbolic.parse(corpus_root() / "palestrina" / "Agnus_01.krn")
    assert "Palestrina" in pal.composer and len(pal.parts) == 5
    midi = _write(tmp_path, "b.mid", symbolic.canonical_midi(bach))
    assert symbolic.content_hash(symbolic.parse(midi)) == symbolic.content_hash(bach)


def test_abc_books_split_into_tunes_keeping_the_header(tmp_path):
    book = "% header comment\n\n" + TUNE + "\n" + TUNE.replace("X:1", "X:2").replace(
        "Test Tune", "Second")
    pieces = symbolic.pieces_in_file(_write(tmp_path, "book.abc", book))
    assert len(pieces) == 2
    assert all(text.startswith("% header comment") for _i, text in pieces)
    titles = [symbolic.parse(tmp_path / "book.abc", text).title for _i, text in pieces]
    assert titles == ["Test Tune", "Second"]


def test_josquin_voices_are_one_piece():
    path = corpus_root() / "josquin" / "milleRegrets.abc"
    assert symbolic.pieces_in_file(path) == [(0, None)]
    assert len(symbolic.parse(path).parts) == 4


@pytest.mark.parametrize("name, data, problem", [
    ("bad.mid", b"MThd\x00\x00\x00\x06garbage", "not a readable MIDI file"),
    ("empty.mid", b"", "not a readable MIDI file"),
    ("rests.abc", "X:1\nT:Only rests\nK:C\nz4 z4|]\n", "cannot parse as abc"),
    ("silent.mid", "SILENT", "no notes found"),
    ("bad.musicxml", "<score-partwise><part", "cannot parse as musicxml"),
    ("notes.txt", "hello", "unsupported symbolic format"),
])
def test_bad_files_are_rejected_naming_file_and_problem(tmp_path, name, data, problem):
    if data == "SILENT":
        import symusic

        data = bytes(symusic.Score(480).dumps_midi())
    path = _write(tmp_path, name, data)
    with pytest.raises(InvalidInput) as err:
        symbolic.parse(path)
    assert str(path) in str(err.value) and problem in str(err.value)
