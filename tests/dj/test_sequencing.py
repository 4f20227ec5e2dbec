"""Sequencing rules (pure): Camelot wheel, tempo steps, energy arc, artists, repeats."""

from __future__ import annotations

import random

from hypothesis import event, given, settings
from hypothesis import strategies as st

from accord.dj import camelot, commentary
from accord.dj.model import Constraints, Features, Person, Track
from accord.dj.sequence import Dial, energy_arc, order, transitions


def track(i, code, tempo=120.0, energy=0.5, artist=None, dur=200.0, writer=None) -> Track:
    a = artist or f"artist-{i}"
    w = (Person(writer, writer, True),) if writer else ()
    return Track(f"r{i:03d}", f"Title {i}", dur, Features(f"r{i:03d}", code, tempo, energy, "x"),
                 performers=(Person(a, a, True),), writers=w)


def test_camelot_codes_and_neighbours():
    assert camelot.from_name("C major") == "8B"
    assert camelot.from_name("a minor") == "8A"
    assert camelot.from_name("B- major") == "6B"  # music21 writes flats with '-'
    assert camelot.from_name("F# minor") == "11A"
    assert camelot.from_name("not a key") is None
    assert camelot.compatible("8B", "8B")
    assert camelot.compatible("8B", "9B") and camelot.compatible("12B", "1B")
    assert camelot.compatible("8B", "8A")  # relative minor
    assert not camelot.compatible("8B", "10B")
    assert not camelot.compatible("8B", "9A")
    assert not camelot.compatible(None, "8B")


def test_order_keeps_keys_compatible_and_tempo_steps_small_when_the_pool_allows():
    rng = random.Random(3)
    pool = [track(i, f"{rng.randint(1, 12)}{rng.choice('AB')}", rng.uniform(80, 140),
                  rng.random()) for i in range(120)]
    scores = {t.recording_id: rng.random() for t in pool}
    placed = order(pool, scores, 20 * 60, lambda a, b: 6.0)
    stats = transitions([p.track for p in placed])
    raw = transitions(sorted(pool, key=lambda t: -scores[t.recording_id])[:len(placed)])
    assert stats["camelot_compatible"] >= 0.9
    assert stats["mean_tempo_step_pct"] < raw["mean_tempo_step_pct"]
    assert sum(p.track.duration_s for p in placed) - 6.0 * (len(placed) - 1) >= 20 * 60


def test_never_the_same_artist_twice_in_a_row():
    pool = [track(i, "8B", artist="same" if i < 4 else None) for i in range(8)]
    placed = order(pool, {t.recording_id: 1.0 if t.performers[0].party_id == "same" else 0.0
                          for t in pool}, 8 * 200)
    keys = [p.track.artist_key for p in placed]
    assert all(a != b for a, b in zip(keys, keys[1:], strict=False))


def test_repeats_only_when_the_pool_is_exhausted_and_never_back_to_back():
    pool = [track(i, "8B", dur=60) for i in range(3)]
    placed = order(pool, {}, 10 * 60)
    ids = [p.track.recording_id for p in placed]
    assert len(set(ids[:3])) == 3  # everything once before anything again
    assert all(a != b for a, b in zip(ids, ids[1:], strict=False))
    assert "repeated" in placed[3].breakdown["repeat"]["note"]
    # a track played earlier in this set is never called new, and its line says why it is back
    assert [p.breakdown["freshness"]["note"] for p in placed[:4]] == \
        ["new to you"] * 3 + ["earlier in this set"]
    lines = [commentary.why(p, None, None) for p in placed[:4]]
    assert all("new to you" in line for line in lines[:3])
    assert "new to you" not in lines[3] and "again" in lines[3]


def test_energy_arc_rises_then_eases_and_follows_a_calm_request():
    assert energy_arc(0.0) < energy_arc(0.5) < energy_arc(0.7)
    assert energy_arc(1.0) < energy_arc(0.7)
    calm = Constraints(max_energy=0.45)
    assert max(energy_arc(x / 10, calm) for x in range(11)) <= 0.35 + 1e-9


def test_freshness_dial_moves_between_familiar_and_new():
    pool = [track(i, "8B") for i in range(10)]
    heard = frozenset(t.recording_id for t in pool[:5])
    new = order(pool, {}, 3 * 200, heard=heard, dial=Dial(freshness=1.0))
    old = order(pool, {}, 3 * 200, heard=heard, dial=Dial(freshness=0.0))
    assert all(p.track.recording_id not in heard for p in new)
    assert all(p.track.recording_id in heard for p in old)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.sampled_from("AB"), st.integers(0, 3)),
                min_size=2, max_size=25), st.integers(1, 10))
def test_property_hard_rules_hold(specs, minutes):
    """No track back to back; the same artist twice in a row only when nothing else is left."""
    pool = [track(i, f"{n}{ltr}", artist=f"a{a}", dur=90) for i, (n, ltr, a) in
            enumerate(specs)]
    placed = order(pool, {}, minutes * 60)
    ids = [p.track.recording_id for p in placed]
    assert all(a != b for a, b in zip(ids, ids[1:], strict=False))
    artists = {t.artist_key for t in pool}
    event("one artist only" if len(artists) == 1 else "several artists")
    relaxed = 0
    for k in range(1, len(placed)):
        prev, cur = placed[k - 1].track, placed[k].track
        if prev.artist_key != cur.artist_key:
            continue
        relaxed += 1
        unplayed = [t for t in pool if t.recording_id not in ids[:k]]
        choices = unplayed or [t for t in pool if t.recording_id != prev.recording_id]
        assert all(t.artist_key == prev.artist_key for t in choices)
    event("artist rule relaxed" if relaxed else "artist rule held")
