"""Melodic n-grams and their index: invariances, planted passages, storage, and agreement with a
naive set computation."""

from __future__ import annotations

import random

import pytest
import symusic
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InvalidInput
from accord.music.ngrams import NgramIndex, Note, melody, melody_from_midi, ngram_keys

N = 6


def _random_melody(rng: random.Random, length: int) -> list[Note]:
    notes, t = [], 0.0
    for _ in range(length):
        d = rng.choice([0.5, 1.0, 1.0, 1.5, 2.0, 1 / 3])
        notes.append(Note(onset=t, duration=d, pitch=rng.randint(55, 79)))
        t += d
    return notes


def _shift(notes: list[Note], semitones: int = 0, beats: float = 0.0) -> list[Note]:
    return [Note(n.onset + beats, n.duration, n.pitch + semitones) for n in notes]


def _score(notes: list[Note], tpq: int = 480, bpm: float = 120.0,
           drums: list[Note] = ()) -> symusic.Score:
    score = symusic.Score(tpq)
    score.tempos.append(symusic.Tempo(0, bpm))
    for is_drum, part in ((False, notes), (True, drums)):
        track = symusic.Track("drums" if is_drum else "melody", 0, is_drum)
        for n in part:
            track.notes.append(symusic.Note(round(n.onset * tpq), round(n.duration * tpq),
                                            n.pitch, 80))
        score.tracks.append(track)
    return score


def test_keys_ignore_transposition_tempo_and_resolution():
    tune = _random_melody(random.Random(1), 40)
    keys = ngram_keys(tune, N)
    assert len(keys) == 40 - N + 1
    assert (ngram_keys(_shift(tune, semitones=7, beats=3), N) == keys).all()
    fast = melody(_score(tune, tpq=96, bpm=200))
    assert (ngram_keys(fast, N) == keys).all()


def test_one_changed_note_changes_only_the_ngrams_that_hold_it():
    tune = _random_melody(random.Random(2), 40)
    changed = list(tune)
    changed[20] = Note(tune[20].onset, tune[20].duration, tune[20].pitch + 1)
    a, b = ngram_keys(tune, N), ngram_keys(changed, N)
    differing = {i for i in range(len(a)) if a[i] != b[i]}
    assert differing == set(range(20 - N + 1, 21))


def test_melody_is_the_skyline_without_drums():
    low = [Note(0, 1, 48), Note(1, 1, 50)]
    high = [Note(0, 1, 72), Note(1, 1, 74)]
    score = _score(low + high, drums=[Note(0, 1, 90), Note(0.5, 1, 90)])
    assert [(n.onset, n.pitch) for n in melody(score)] == [(0.0, 72), (1.0, 74)]


def test_short_melodies_have_no_ngrams_and_n_must_be_sane():
    assert len(ngram_keys([Note(0, 1, 60)] * 3, N)) == 0
    with pytest.raises(InvalidInput, match="at least 2"):
        ngram_keys([], 1)


def test_index_finds_a_planted_passage_and_nothing_in_noise(tmp_path):
    rng = random.Random(3)
    docs = [(f"work-{i}", _random_melody(rng, 80)) for i in range(60)]
    index = NgramIndex.build(docs, n=N)
    quote = _shift(docs[7][1][10:40], semitones=-5, beats=-docs[7][1][10].onset)
    noise = _random_melody(rng, 30)
    query = noise + _shift(quote, beats=noise[-1].onset + 1.0)
    best = index.overlap(query)[0]
    assert best.doc_id == "work-7"
    assert best.longest_run_notes(N) == 30
    assert best.positions[0] == 30  # the quotation starts after the 30 notes of noise
    assert 0.4 < best.coverage < 0.6
    assert index.overlap(_random_melody(random.Random(99), 60)) == []

    path = tmp_path / "idx" / "melody.npz"
    index.save(path)
    again = NgramIndex.load(path)
    assert again.doc_ids == index.doc_ids and again.overlap(query) == index.overlap(query)


def test_bad_index_file_and_duplicate_documents_are_refused(tmp_path):
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"nope")
    with pytest.raises(InvalidInput, match="cannot read the n-gram index"):
        NgramIndex.load(bad)
    with pytest.raises(InvalidInput, match="indexed twice"):
        NgramIndex.build([("a", []), ("a", [])])


def test_melody_from_midi_reads_files_and_rejects_garbage(tmp_path):
    tune = _random_melody(random.Random(4), 20)
    path = tmp_path / "t.mid"
    _score(tune).dump_midi(str(path))
    assert (ngram_keys(melody_from_midi(path), N) == ngram_keys(tune, N)).all()
    junk = tmp_path / "junk.mid"
    junk.write_bytes(b"not midi")
    with pytest.raises(InvalidInput, match="not a readable MIDI file"):
        melody_from_midi(junk)


_small_tune = st.lists(st.tuples(st.integers(60, 63), st.sampled_from([1.0, 2.0])),
                       min_size=0, max_size=14).map(
    lambda steps: [Note(sum(d for _, d in steps[:i]), d, p) for i, (p, d) in enumerate(steps)])


@settings(max_examples=80, deadline=None)
@given(docs=st.lists(_small_tune, min_size=1, max_size=6), query=_small_tune)
def test_overlap_agrees_with_naive_sets(docs, query):
    n = 3
    index = NgramIndex.build(((f"d{i}", d) for i, d in enumerate(docs)), n=n)
    q = list(ngram_keys(query, n))
    expected = {}
    for i, d in enumerate(docs):
        dk = set(ngram_keys(d, n))
        matched = [p for p, k in enumerate(q) if k in dk]
        if matched:
            expected[f"d{i}"] = (tuple(matched), len({q[p] for p in matched}) / len(dk))
    got = {o.doc_id: (o.positions, o.doc_coverage) for o in index.overlap(query)}
    assert got == expected
