"""A rule-based harmoniser: one chord per bar from the melody's notes and the key. Pure.

Why rules and not a chord model: the melodies are folk tunes and chorale lines whose harmony a
player would fit with the diatonic triads of the key; a small model trained on the Bach
chorales' harmony would bring four-part chorale idiom (a chord per beat, secondary dominants) to
reels and songs, and its choices would be harder to state in provenance. These rules are short
enough to print:

1. Candidates: the diatonic triads of the key. Major: I ii iii IV V vi. Minor: i III iv V VI VII
   (V major, from the harmonic minor, so that it leads to the tonic).
2. Fit of a chord to a bar: for each melody note sounding in the bar, its share of the bar
   (x1.5 for a note that starts on the downbeat) counts +1 when its pitch class is a chord
   tone and -0.5 when not.
3. Plus a prior per chord (tonic 0.3, dominant 0.2, subdominant 0.15, ...) and a transition
   score between neighbouring bars (V-I +0.3, ii-V and IV-V +0.2, V-IV -0.2, ...).
4. The best sequence under fit + prior + transitions (Viterbi over bars), with the first bar
   preferring the tonic (+0.2), the last bar the tonic (forced) and, when the piece ends on a
   cadence, the bar before it the dominant or subdominant (V, IV or iv).
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.creation.music import PITCH_CLASSES, Key

TRIADS = {"major": (("I", 0, "maj"), ("ii", 2, "min"), ("iii", 4, "min"), ("IV", 5, "maj"),
                    ("V", 7, "maj"), ("vi", 9, "min")),
          "minor": (("i", 0, "min"), ("III", 3, "maj"), ("iv", 5, "min"), ("V", 7, "maj"),
                    ("VI", 8, "maj"), ("VII", 10, "maj"))}
PRIOR = {"I": 0.3, "i": 0.3, "V": 0.2, "IV": 0.15, "iv": 0.15, "vi": 0.05, "VI": 0.05,
         "ii": 0.05, "III": 0.0, "VII": 0.0, "iii": -0.1}
TRANSITION = {("V", "I"): 0.3, ("V", "i"): 0.3, ("ii", "V"): 0.2, ("IV", "V"): 0.2,
              ("iv", "V"): 0.2, ("I", "IV"): 0.1, ("I", "V"): 0.1, ("i", "iv"): 0.1,
              ("i", "V"): 0.1, ("vi", "ii"): 0.1, ("vi", "IV"): 0.1, ("VI", "V"): 0.1,
              ("VII", "III"): 0.1, ("IV", "I"): 0.05, ("iv", "i"): 0.05,
              ("V", "IV"): -0.2, ("V", "iv"): -0.2, ("V", "ii"): -0.1}
CHORD_TONE, OTHER_TONE, DOWNBEAT = 1.0, -0.5, 1.5
FIRST_TONIC = 0.2


@dataclass(frozen=True)
class Chord:
    degree: str          # roman numeral in the key
    root: int            # pitch class
    quality: str         # "maj" | "min"

    @property
    def pitch_classes(self) -> tuple[int, int, int]:
        third = 4 if self.quality == "maj" else 3
        return (self.root, (self.root + third) % 12, (self.root + 7) % 12)

    @property
    def name(self) -> str:
        return PITCH_CLASSES[self.root] + ("m" if self.quality == "min" else "")


def candidates(key: Key) -> list[Chord]:
    return [Chord(d, (key.tonic + step) % 12, q) for d, step, q in TRIADS[key.mode]]


def fit(chord: Chord, notes: list[tuple[int, int, int]], bar_start: int, bar_len: int) -> float:
    """How well a chord fits one bar: notes are (start tick, duration, pitch)."""
    tones = chord.pitch_classes
    total = 0.0
    for start, dur, pitch in notes:
        overlap = min(start + dur, bar_start + bar_len) - max(start, bar_start)
        if overlap <= 0:
            continue
        w = overlap / bar_len * (DOWNBEAT if start == bar_start else 1.0)
        total += w * (CHORD_TONE if pitch % 12 in tones else OTHER_TONE)
    return total


def harmonise(notes: list[tuple[int, int, int]], key: Key, bars: int, bar_len: int,
              cadence: bool = True) -> list[Chord]:
    """One chord per bar (see the module doc); notes are (start tick, duration, pitch)."""
    if bars <= 0:
        return []
    chords = candidates(key)
    tonic = chords[0]
    dominant_side = [c for c in chords if c.degree in ("V", "IV", "iv")]
    by_bar: list[list[tuple[int, int, int]]] = [[] for _ in range(bars)]
    for n in notes:
        first, last = n[0] // bar_len, (n[0] + max(1, n[1]) - 1) // bar_len
        for b in range(max(0, first), min(bars, last + 1)):
            by_bar[b].append(n)

    def allowed(b: int) -> list[Chord]:
        if b == bars - 1:
            return [tonic]
        if cadence and b == bars - 2:
            return dominant_side
        return chords

    def local(c: Chord, b: int) -> float:
        extra = FIRST_TONIC if b == 0 and c == tonic else 0.0
        return fit(c, by_bar[b], b * bar_len, bar_len) + PRIOR.get(c.degree, 0.0) + extra

    best = {c: (local(c, 0), [c]) for c in allowed(0)}
    for b in range(1, bars):
        step = {}
        for c in allowed(b):
            score, path = max(((s + TRANSITION.get((p.degree, c.degree), 0.0), path)
                               for p, (s, path) in best.items()), key=lambda x: x[0])
            step[c] = (score + local(c, b), [*path, c])
        best = step
    return max(best.values(), key=lambda x: x[0])[1]
