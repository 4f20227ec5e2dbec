"""Shaping a decoded score, pure: tempo, key (Krumhansl-Kessler key finding, then a
transposition), length in seconds, and counting bars in token ids. No files, no model."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import symusic

from accord.errors import InvalidInput

TPQ = 480  # ticks per quarter of every MIDI file Accord writes

PITCH_CLASSES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_SPELLINGS = {"C": 0, "B#": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "FB": 4,
              "F": 5, "E#": 5, "F#": 6, "GB": 6, "G": 7, "G#": 8, "AB": 8, "A": 9, "A#": 10,
              "BB": 10, "B": 11, "CB": 11}
# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class Key:
    tonic: int   # pitch class 0..11 (C = 0)
    mode: str    # "major" | "minor"

    def __str__(self) -> str:
        return f"{PITCH_CLASSES[self.tonic]} {self.mode}"


def parse_key(text: str) -> Key:
    """'D', 'D major', 'Bb minor', 'f#m', 'A min' -> Key; InvalidInput naming the value."""
    m = re.fullmatch(r"\s*([A-Ga-g])([#b♯♭]?)\s*(major|maj|minor|min|m)?\s*", text)
    if not m:
        raise InvalidInput(f"unknown key {text!r}; write e.g. 'D major', 'Bb minor' or 'F#m'")
    name = (m.group(1) + m.group(2).replace("♯", "#").replace("♭", "b")).upper()
    mode = "minor" if (m.group(3) or "").startswith("m") and m.group(3) not in ("major", "maj") \
        else "major"
    return Key(_SPELLINGS[name], mode)


def pitch_class_weights(score: symusic.Score) -> np.ndarray:
    """Duration-weighted pitch-class histogram of the non-drum notes."""
    w = np.zeros(12)
    for t in score.tracks:
        if t.is_drum:
            continue
        for n in t.notes:
            w[n.pitch % 12] += max(n.duration, 1)
    return w


def best_tonic(weights: np.ndarray, mode: str) -> int:
    """The tonic whose key profile of `mode` correlates best with the weights."""
    profile = _MAJOR if mode == "major" else _MINOR
    if not weights.any():
        return 0
    scores = [np.corrcoef(weights, np.roll(profile, t))[0, 1] for t in range(12)]
    return int(np.nanargmax(scores))


def detect_key(score: symusic.Score) -> Key:
    w = pitch_class_weights(score)
    best = max(((best_tonic(w, mode), mode) for mode in ("major", "minor")),
               key=lambda k: np.corrcoef(w, np.roll(_MAJOR if k[1] == "major" else _MINOR,
                                                    k[0]))[0, 1] if w.any() else 0.0)
    return Key(*best)


def transpose_to(score: symusic.Score, key: Key) -> tuple[symusic.Score, int]:
    """Shift the score so that its best tonic in `key`'s mode becomes key's tonic (by the
    smallest interval, -6..+5 semitones); pitches stay in MIDI range. Returns the shift."""
    have = best_tonic(pitch_class_weights(score), key.mode)
    shift = (key.tonic - have) % 12
    if shift > 5:
        shift -= 12
    return transpose(score, shift), shift


def transpose(score: symusic.Score, shift: int) -> symusic.Score:
    """A copy shifted by `shift` semitones (pitches kept in MIDI range)."""
    out = score.copy()
    for t in out.tracks:
        for n in t.notes:
            n.pitch = min(127, max(0, n.pitch + shift))
    return out


def with_tempo(score: symusic.Score, bpm: float) -> symusic.Score:
    """One tempo for the whole score, in a 480-tick-per-quarter copy."""
    out = score.resample(TPQ, min_dur=1) if score.ticks_per_quarter != TPQ else score.copy()
    out.tempos.clear()
    out.tempos.append(symusic.Tempo(0, float(bpm)))
    return out


def clip_seconds(score: symusic.Score, seconds: float, bpm: float) -> symusic.Score:
    """Drop notes starting at or after `seconds` and shorten those that ring past it."""
    end = round(seconds * bpm / 60 * score.ticks_per_quarter)
    out = score.copy()
    for t in out.tracks:
        kept = [n for n in t.notes if n.time < end]
        t.notes.clear()
        for n in kept:
            n.duration = max(1, min(n.duration, end - n.time))
            t.notes.append(n)
    return out


def bars_for_seconds(seconds: float, bpm: float, beats_per_bar: int = 4) -> int:
    """Bars needed to fill `seconds` at `bpm` (assuming `beats_per_bar` quarter beats)."""
    return max(1, math.ceil(seconds / (beats_per_bar * 60.0 / bpm)))


def duration_seconds(score: symusic.Score) -> float:
    """Length of a single-tempo score from 0 to its last note-off."""
    tempo = score.tempos[0].qpm if len(score.tempos) else 120.0
    end = max((n.time + n.duration for t in score.tracks for n in t.notes), default=0)
    return end / score.ticks_per_quarter * 60.0 / tempo


def midi_bytes(score: symusic.Score, program: int = 0) -> bytes:
    """The score as a standard MIDI file, every track on one General MIDI program."""
    out = score.copy()
    for t in out.tracks:
        t.program = program
        t.name = "accord"
    return out.dumps_midi()
