"""The memorization guard over real Essen songs: a planted near-copy (transposed, one note
changed) is caught; a fresh melody passes; regeneration seeds are deterministic."""

import random
from pathlib import Path

import pytest

from accord.creation import guard
from accord.music.ngrams import Note, melody_from_midi
from accord.training.corpus import write_essen


@pytest.fixture(scope="module")
def songs(tmp_path_factory) -> list[Path]:
    return write_essen(tmp_path_factory.mktemp("essen-guard"), 16)


@pytest.fixture(scope="module")
def index(songs):
    return guard.build_index([(p.stem, p) for p in songs])


def test_a_planted_near_copy_is_caught(songs, index):
    original = melody_from_midi(songs[3])
    copy = [Note(n.onset, n.duration, n.pitch + 5) for n in original]
    copy[len(copy) // 2] = Note(copy[len(copy) // 2].onset, 1.0, copy[len(copy) // 2].pitch + 1)
    verdict = guard.check(index, copy)
    assert not verdict.passed and verdict.work_id == songs[3].stem
    assert verdict.max_coverage > guard.THRESHOLD and "occur in training work" in verdict.reason
    # the licensed source of a derivative is not held against it
    assert guard.check(index, copy, exclude=[songs[3].stem]).work_id != songs[3].stem


def test_a_fresh_melody_passes(index):
    rng = random.Random(5)
    pitch, notes = 62, []
    for i in range(64):
        pitch = max(50, min(80, pitch + rng.choice((-4, -3, -2, -1, 1, 2, 3, 5))))
        notes.append(Note(i * 0.5, 0.5, pitch))
    verdict = guard.check(index, notes)
    assert verdict.passed and verdict.max_coverage <= guard.THRESHOLD
    assert guard.check(index, notes[:5]).passed  # shorter than one n-gram


def test_regeneration_seeds_are_deterministic_and_distinct():
    seeds = [guard.derived_seed(9, a) for a in range(guard.MAX_ATTEMPTS)]
    assert seeds[0] == 9 and len(set(seeds)) == guard.MAX_ATTEMPTS
    assert seeds == [guard.derived_seed(9, a) for a in range(guard.MAX_ATTEMPTS)]
    assert all(0 <= s < 2**63 for s in seeds)
