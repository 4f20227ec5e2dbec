"""Arranging a generated melody for audio: chords, a bass line and a rhythm by metre. Pure.

The model writes the melody; everything else is a rule, and the arrangement says so (its
`summary` goes into the output's provenance as `arrangement`):

- chords: one per bar from `harmony.harmonise` (diatonic triads, Viterbi over the melody);
- voicing: the chord's three pitch classes in the octave just below the melody's lowest note
  (at most G4), so the accompaniment never crosses the tune;
- bass: the chord's root in the octave C2-B2, with the fifth on the bar's second strong beat;
- rhythm by metre (`PATTERNS`, in beats of the time signature's denominator): 2/4 bass-chord,
  3/4 and 3/8 a waltz (bass, chord, chord), 4/4 boom-chick (bass on 1 and 3, chords on 2 and
  4), 6/8 and 6/4 a jig (bass on 1 and 4, chords on 3 and 6), 12/8 bass on 1 and 7 with chords
  on 4 and 10, 5/4 3+2; the `sustained` styles (chorale) hold one chord a bar instead;
- the last bar holds the tonic chord and its root to the end;
- instruments and velocities from the style (`styles.py`); the mix is then brought to -14 LUFS
  by `render.py`.

The melody itself is not changed: the guard, the attribution and the signed MIDI (output.mid)
read the melody alone; the arrangement is a second MIDI file (arrangement.mid) that is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass

import symusic

from accord.creation.harmony import Chord, harmonise
from accord.creation.music import Key
from accord.creation.styles import Style

ARRANGER = "accord-arranger/1"
HARMONISER = "accord-harmoniser/1: diatonic triads, one a bar, Viterbi over melody fit"
#: (bass beats with the chord tone they play, chord beats), in beats of the denominator.
PATTERNS: dict[int, tuple[tuple[tuple[int, str], ...], tuple[int, ...]]] = {
    1: (((0, "root"),), ()),
    2: (((0, "root"),), (1,)),
    3: (((0, "root"),), (1, 2)),
    4: (((0, "root"), (2, "fifth")), (1, 3)),
    5: (((0, "root"), (3, "fifth")), (1, 2, 4)),
    6: (((0, "root"), (3, "fifth")), (2, 5)),
    12: (((0, "root"), (6, "fifth")), (3, 9)),
}
BASS_LOW = 36      # C2
CHORD_TOP = 67     # G4


@dataclass(frozen=True)
class Arrangement:
    score: symusic.Score     # melody, chords and bass, one track each
    chords: tuple[Chord, ...]
    summary: dict            # what provenance states


def _pattern(meter: tuple[int, int]):
    return PATTERNS.get(meter[0], PATTERNS[4] if meter[0] % 2 == 0 else PATTERNS[3])


def voicing(chord: Chord, top: int) -> list[int]:
    """The chord's pitch classes, each once, in the 12 semitones up to `top`."""
    return sorted(top - ((top - pc) % 12) for pc in chord.pitch_classes)


def bass_note(chord: Chord, tone: str) -> int:
    root = BASS_LOW + (chord.root - BASS_LOW) % 12
    if tone == "fifth":
        fifth = root + 7
        return fifth if fifth <= BASS_LOW + 14 else fifth - 12
    return root


def arrange(melody: symusic.Score, key: Key, meter: tuple[int, int], style: Style,
            bars: int | None = None, cadence: bool = True) -> Arrangement:
    """The melody (unchanged, on the style's melody instrument) with chords and bass."""
    tpq = melody.ticks_per_quarter
    beat = tpq * 4 // meter[1]
    bar_len = beat * meter[0]
    notes = sorted(((n.time, n.duration, n.pitch) for t in melody.tracks for n in t.notes),
                   key=lambda n: (n[0], n[2]))
    end = max((s + d for s, d, _ in notes), default=bar_len)
    bars = bars or max(1, -(-end // bar_len))
    chords = harmonise(notes, key, bars, bar_len, cadence)
    low = min((p for _, _, p in notes), default=72)
    top = min(CHORD_TOP, low - 2)
    out = melody.copy()
    out.tracks.clear()
    mel = symusic.Track("melody (model)", program=style.melody.program)
    for s, d, p in notes:
        mel.notes.append(symusic.Note(s, d, p, style.melody.velocity))
    comp = symusic.Track("chords (rule)", program=style.chords.program)
    bass = symusic.Track("bass (rule)", program=style.bass.program)
    bass_beats, chord_beats = _pattern(meter)
    for b, chord in enumerate(chords):
        start = b * bar_len
        held = style.comp == "sustained" or b == bars - 1 or not chord_beats
        if held:
            for p in voicing(chord, top):
                comp.notes.append(symusic.Note(start, bar_len, p, style.chords.velocity))
            bass.notes.append(symusic.Note(start, bar_len, bass_note(chord, "root"),
                                           style.bass.velocity))
            continue
        for i, (at, tone) in enumerate(bass_beats):
            nxt = bass_beats[i + 1][0] if i + 1 < len(bass_beats) else meter[0]
            bass.notes.append(symusic.Note(start + at * beat, (nxt - at) * beat * 9 // 10,
                                           bass_note(chord, tone), style.bass.velocity))
        for at in chord_beats:
            for p in voicing(chord, top):
                comp.notes.append(symusic.Note(start + at * beat, beat * 4 // 5, p,
                                               style.chords.velocity))
    for t in (mel, comp, bass):
        out.tracks.append(t)
    bass_desc = ", ".join(f"{tone} on beat {at + 1}" for at, tone in bass_beats)
    chord_desc = ", ".join(str(at + 1) for at in chord_beats)
    rhythm = ("a held chord and bass note each bar" if style.comp == "sustained" else
              f"{meter[0]}/{meter[1]}: bass {bass_desc}; chords on beat(s) {chord_desc}")
    summary = {
        "arranger": ARRANGER, "style": style.name,
        "meter": f"{meter[0]}/{meter[1]}", "key": str(key),
        "parts": [
            {"part": "melody", "made_by": "model", "instrument": style.melody.to_json()},
            {"part": "chords", "made_by": "rule", "rule": HARMONISER,
             "instrument": style.chords.to_json()},
            {"part": "bass", "made_by": "rule", "rule": "chord roots and fifths by metre",
             "instrument": style.bass.to_json()},
            {"part": "rhythm", "made_by": "rule", "rule": rhythm},
        ],
        "chords": [c.name for c in chords],
        "mix": (f"melody velocity {style.melody.velocity}, chords {style.chords.velocity}, "
                f"bass {style.bass.velocity}; the whole mix at -14 LUFS"),
        "credits": "unchanged by the arrangement: attribution reads the model's melody tokens",
    }
    return Arrangement(out, tuple(chords), summary)
