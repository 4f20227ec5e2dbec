"""Requests, keys and score shaping: pure functions over small hand-made scores."""

from pathlib import Path

import pytest
import symusic

from accord.creation import music
from accord.creation.request import CreationRequest, Params, output_id, problems, validate
from accord.errors import InvalidInput


def _scale(tonic: int = 60, minor: bool = False) -> symusic.Score:
    steps = (0, 2, 3, 5, 7, 8, 10, 12) if minor else (0, 2, 4, 5, 7, 9, 11, 12)
    s = symusic.Score(480)
    t = symusic.Track("m", program=0)
    for i, st in enumerate(steps + (7, 4 if not minor else 3, 0)):
        t.notes.append(symusic.Note(i * 480, 480 * (2 if st == 0 else 1), tonic + st, 80))
    s.tracks.append(t)
    return s


def test_keys_parse_and_transposition_lands_on_the_requested_tonic():
    assert str(music.parse_key("Bb minor")) == "Bb minor"
    assert str(music.parse_key("f#m")) == "F# minor"
    assert str(music.parse_key("D")) == "D major"
    with pytest.raises(InvalidInput, match="unknown key 'H major'"):
        music.parse_key("H major")
    assert music.detect_key(_scale(60)) == music.Key(0, "major")
    moved, shift = music.transpose_to(_scale(60), music.parse_key("A major"))
    assert shift == -3 and music.detect_key(moved) == music.Key(9, "major")
    moved, shift = music.transpose_to(_scale(57, minor=True), music.parse_key("D minor"))
    assert shift == 5 and music.detect_key(moved) == music.Key(2, "minor")


def test_tempo_and_clipping_to_seconds():
    s = music.with_tempo(_scale(), 90)
    assert s.tempos[0].qpm == pytest.approx(90) and s.ticks_per_quarter == 480
    clipped = music.clip_seconds(s, 4.0, 90)  # 6 beats at 90 bpm
    assert music.duration_seconds(clipped) == pytest.approx(4.0)
    assert music.bars_for_seconds(10, 120) == 5


def test_request_problems_name_each_field():
    bad = CreationRequest("m", "style", Params(bars=None, seconds=None, tempo=5,
                                               temperature=0, top_p=1.5, key="Q"),
                          formats=("ogg",), count=0)
    where = {p.where for p in problems(bad)}
    assert {"length", "--tempo", "--temperature", "--top-p", "--key", "--count", "--format",
            "style"} <= where
    with pytest.raises(InvalidInput, match="the new request is not valid"):
        validate(CreationRequest("m", "new", Params(bars=0)))
    assert problems(CreationRequest("m", "continue", input_midi=Path("/nope.mid")))
    assert problems(CreationRequest("m", "new", Params(bars=8, seed=3))) == []


def test_output_ids_are_content_addresses():
    a = output_id("m", "w", {"v": 1}, "r", {"kind": "new"}, 1)
    assert a == output_id("m", "w", {"v": 1}, "r", {"kind": "new"}, 1)
    assert a != output_id("m", "w", {"v": 1}, "r", {"kind": "new"}, 2)
    assert a != output_id("m", "w", {"v": 2}, "r", {"kind": "new"}, 1)
