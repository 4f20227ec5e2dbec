"""Where tracks and voice sit; crossfade overlap split exactly; voice time charged to nobody."""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from accord.dj import cue, timeline


def test_overlap_is_split_between_the_two_tracks_and_voice_is_never_charged():
    slots, voices, total = timeline.plan([30000, 40000, 25000], [120.0, 120.0, 90.0],
                                         [True, True, False], ["a", "b", "c"],
                                         {0: 3000, 1: 2500, 3: 2000})
    a, b, c = slots
    assert b.beat_matched and not c.beat_matched
    assert b.fade_in_ms == 4000  # 8 beats at 120 BPM
    assert c.fade_in_ms == timeline.PLAIN_MS
    for s, d in zip(slots, [30000, 40000, 25000], strict=True):
        assert s.end_ms - s.start_ms == d  # never cut short
    ch = timeline.charges(slots, voices)
    # a: 30 s - its voice 3 s - half of the 4 s overlap with b
    assert ch[0].charged_ms == 30000 - 3000 - 2000
    assert ch[1].charged_ms == 40000 - 2000 - 2500 - 1500
    assert ch[2].charged_ms == 25000 - 1500
    assert sum(x.charged_ms for x in ch) + sum(v.end_ms - v.start_ms for v in voices) == total
    assert voices[-1].start_ms == c.end_ms  # the outro follows the last track


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(4000, 400000), st.floats(60, 180), st.booleans()),
                min_size=1, max_size=12),
       st.lists(st.integers(500, 9000), min_size=0, max_size=13))
def test_property_charges_and_voice_tile_the_set(tracks, voice_lengths):
    durs = [d for d, _, _ in tracks]
    voice = {i: v for i, v in enumerate(voice_lengths[:len(tracks) + 1])}
    slots, voices, total = timeline.plan(durs, [t for _, t, _ in tracks],
                                         [f for _, _, f in tracks], [str(i) for i in
                                                                     range(len(tracks))], voice)
    ch = timeline.charges(slots, voices)
    event("beat-matched" if any(s.beat_matched for s in slots) else "plain only")
    event("odd overlap" if any(s.fade_in_ms % 2 for s in slots) else "even overlaps")
    assert all(x.charged_ms >= 0 for x in ch)
    spoken = sum(v.end_ms - v.start_ms for v in voices)
    assert sum(x.charged_ms for x in ch) + spoken == total
    for i in range(1, len(slots)):
        assert slots[i].fade_in_ms <= min(durs[i - 1], durs[i]) // 4


def test_cue_sheet_indexes():
    text = cue.cue_sheet("set.flac", "t", [
        {"title": "A", "performers_text": "X", "isrc": "XD0000000001", "cue_ms": 0},
        {"title": "B", "performers_text": "", "isrc": "", "cue_ms": 61_000}])
    assert 'FILE "set.flac" WAVE' in text
    assert "INDEX 01 00:00:00" in text and "INDEX 01 01:01:00" in text
    assert "ISRC XD0000000001" in text
