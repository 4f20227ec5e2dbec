"""Constrained decoding over the REMI grammar: well-formed pieces by construction. Pure.

A REMI piece is  Bar TimeSig (Position Pitch Duration (Pitch Duration)*)* Bar TimeSig ...
(miditok 3: positions count 1/8 of a beat, a beat being the time signature's denominator, so a
bar holds numerator * 8 positions; `Duration_b.p.r` lasts b + p/r beats). Before every token
the sampler asks the row's `Decoder` which tokens may come next, sets every other logit to
-inf, and renormalises (temperature and nucleus then act inside the allowed set). The rules:

1. Grammar: a Bar is followed by a TimeSig, a Position by a Pitch, a Pitch by a Duration;
   positions rise strictly inside a bar and stay inside it; at most MAX_NOTES_PER_BAR notes.
2. Length and metre: exactly `bars` bars of new material (one more Bar ends the row); every
   TimeSig is the requested one (or, when none was requested, the first one the model chose);
   a bar may end only when something sounds in it (an onset, or a note held over the barline;
   the first bar of a section needs an onset, so that a repeat of it is never silent);
   no note rings past the last bar.
3. Key: a Pitch whose pitch class is outside the key's scale (major; minor = natural minor plus
   the leading tone) is allowed only when the model itself gives it at least ACCIDENTAL_P of
   the probability of the pitches at that step, and at most one accidental per bar on average
   (`bars` in all). Without a requested key, the first KEY_NOTES notes are free and the key
   is their Krumhansl-Kessler key (or of the notes so far when the second bar begins).
4. Cadence: the bar before the last may end only on a note of the dominant side (scale degrees
   2, 5 or the leading tone; unless no later position is left); the last bar is a single
   tonic note on its downbeat (the octave nearest the previous note), held for at least half
   the bar and not past its end.
5. Form (`form.py`): a section that repeats an earlier one is copied token for token (forced
   tokens), a variation (A') copies the first half of it and samples the rest; the final
   section's last bar is always sampled, under the cadence rule.

`wellformed.check` measures the same properties on any token sequence (for the tests and the
benchmark, and for unconstrained samples, which mostly fail them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from accord.creation.form import Section, repeats
from accord.creation.music import Key, best_tonic

POS_PER_BEAT = 8          # the tokenizer's finest beat resolution (positions per beat)
MAX_NOTES_PER_BAR = 16    # bounds a bar at 2 + 3 * 16 tokens
ACCIDENTAL_P = 0.35       # an out-of-key pitch needs this much of the model's pitch probability
KEY_NOTES = 4             # without a requested key, the key of the first notes is kept
CADENCE_REACH = 9         # the final tonic lies within this many semitones of the note before
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10, 11)}
DOMINANT_SIDE = (2, 7, 11)  # supertonic, dominant, leading tone (relative to the tonic)


def in_key(pitch: int, key: Key) -> bool:
    return (pitch - key.tonic) % 12 in SCALES[key.mode]


def parse_meter(text: str) -> tuple[int, int]:
    num, _, den = text.partition("/")
    return int(num), int(den)


@dataclass(frozen=True)
class Grammar:
    """The ids of each REMI token family of one tokenizer."""

    size: int
    bar: int
    timesig: dict            # (num, den) -> id
    timesig_of: dict         # id -> (num, den)
    position: tuple          # position -> id
    position_ids: torch.Tensor  # the same, as a tensor (sliced by the mask)
    position_of: dict        # id -> position
    pitch_of: dict           # id -> MIDI pitch
    duration_of: dict        # id -> length in positions
    pitch_ids: torch.Tensor  # every Pitch id (ascending pitch)
    pitch_val: torch.Tensor  # their MIDI pitches
    dur_ids: torch.Tensor    # every Duration id, shortest first
    dur_len: torch.Tensor    # their lengths in positions

    @classmethod
    def of(cls, tok) -> Grammar:
        vocab = tok.remi.vocab
        ts, pos, pitch, dur = {}, {}, {}, {}
        for name, i in vocab.items():
            fam, _, val = name.partition("_")
            if fam == "TimeSig":
                ts[tuple(int(x) for x in val.split("/"))] = i
            elif fam == "Position":
                pos[int(val)] = i
            elif fam == "Pitch":
                pitch[i] = int(val)
            elif fam == "Duration":
                b, p, r = (int(x) for x in val.split("."))
                dur[i] = b * POS_PER_BEAT + p * POS_PER_BEAT // r
        by_len = sorted(dur, key=lambda i: (dur[i], i))
        return cls(size=tok.vocab_size, bar=vocab["Bar_None"], timesig=ts,
                   timesig_of={v: k for k, v in ts.items()},
                   position=tuple(pos[k] for k in sorted(pos)),
                   position_ids=torch.tensor([pos[k] for k in sorted(pos)], dtype=torch.long),
                   position_of={v: k for k, v in pos.items()}, pitch_of=pitch,
                   duration_of=dur,
                   pitch_ids=torch.tensor(sorted(pitch, key=pitch.get), dtype=torch.long),
                   pitch_val=torch.tensor(sorted(pitch.values()), dtype=torch.long),
                   dur_ids=torch.tensor(by_len, dtype=torch.long),
                   dur_len=torch.tensor([dur[i] for i in by_len], dtype=torch.long))

    def bar_len(self, meter: tuple[int, int]) -> int:
        return meter[0] * POS_PER_BEAT


@dataclass(frozen=True)
class Spec:
    """What a well-formed piece must be."""

    bars: int                               # bars of new material (an upper bound with
                                            # `seconds`)
    meter: tuple[int, int] | None = None    # None: the model's first choice, then kept
    key: Key | None = None                  # None: detected when the second bar begins
    sections: tuple[Section, ...] = ()      # the form; () for none
    cadence: bool = True
    accidental_p: float = ACCIDENTAL_P
    seconds: float | None = None            # or enough bars for this long at `tempo`
    tempo: float = 120.0


@dataclass
class Note:
    start: int      # position from the start of the new material (bar 1 at 0)
    pitch: int
    length: int
    bar: int


@dataclass
class Decoder:
    """The grammar state of one row of a batch; `allowed` then `advance`, token by token."""

    g: Grammar
    spec: Spec
    new: list = field(default_factory=list)      # tokens of new material
    bar: int = 0                                 # bars begun (0: before the first Bar)
    kind: str = "start"                          # family of the last token
    meter: tuple | None = None
    key: Key | None = None
    key_source: str = ""
    pos: int = -1                                # position in the current bar
    onsets: int = 0                              # notes begun in the current bar
    sounding_until: int = -1                     # end of the longest note so far
    pitch: int | None = None                     # pitch awaiting its duration
    notes: list = field(default_factory=list)
    bar_at: list = field(default_factory=list)   # index in `new` of each Bar token
    forced: list = field(default_factory=list)   # tokens a repeat copies, next first
    accidentals: int = 0
    prompt_notes: list = field(default_factory=list)
    bars: int = 0                                # bars to make (spec.bars, or from seconds)
    _in_key: tuple | None = None                 # (key, mask over pitch_ids), cached

    def __post_init__(self) -> None:
        self.copies = repeats(self.spec.sections)  # a sampled accidental may be copied
        self.meter = self.meter or self.spec.meter
        self.key = self.key or self.spec.key
        self.key_source = "requested" if self.spec.key is not None else ""
        self.bars = self.spec.bars
        if self.meter is not None:
            self._length_from_seconds()

    def _length_from_seconds(self) -> None:
        """With a length in seconds, the bars that reach it once the metre is known."""
        if self.spec.seconds is None:
            return
        quarters = self.meter[0] * 4 / self.meter[1]
        self.bars = min(self.spec.bars, max(1, math.ceil(
            self.spec.seconds * self.spec.tempo / 60 / quarters - 1e-9)))

    # --- start from a prompt ---------------------------------------------------------------
    def prime(self, prompt: Sequence[int]) -> Decoder:
        """Take the state after `prompt` (a continuation's or variation's source tokens): its
        metre, where its last bar stands, and its key (unless one was requested)."""
        g = self.g
        for t in prompt:
            if t == g.bar:
                self.kind, self.pos, self.onsets = "bar", -1, 0
            elif t in g.timesig_of:
                self.kind = "ts"
                if self.spec.meter is None:
                    self.meter = g.timesig_of[t]
                    self._length_from_seconds()
            elif t in g.duration_of:
                self.kind = "dur"
            elif t in g.pitch_of:
                self.kind = "pitch"
                self.prompt_notes.append(g.pitch_of[t])
            elif t in g.position_of:
                self.kind, self.pos = "pos", g.position_of[t]
                self.onsets += 1
        if self.kind == "pitch":
            self.kind = "dur"  # a dangling pitch cannot happen in a decoded prompt
        self.sounding_until = 0  # held notes of the prompt count as sounding into bar 0
        if self.key is None and self.prompt_notes:
            self._choose_key(self.prompt_notes)
        return self

    # --- queries ----------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.bar > self.bars

    @property
    def bar_len(self) -> int:
        return self.g.bar_len(self.meter or (4, 4))

    def _bar_start(self) -> int:
        return (self.bar - 1) * self.bar_len

    def _covered(self) -> bool:
        return self.onsets > 0 or self.sounding_until > self._bar_start()

    def _final(self) -> bool:
        return self.spec.cadence and self.bar == self.bars

    def _penultimate(self) -> bool:
        return self.spec.cadence and self.bars >= 2 and self.bar == self.bars - 1

    def _last_pitch(self) -> int | None:
        if self.notes:
            return self.notes[-1].pitch
        return self.prompt_notes[-1] if self.prompt_notes else None

    def _may_end_bar(self) -> bool:
        if not self._covered():
            return False
        if self.onsets == 0 and any(s.start == self.bar - 1 for s in self.spec.sections):
            return False  # a section opens with a note: its copy cannot lean on what preceded
        if self._final():
            return self.onsets > 0
        if self._penultimate() and self.key is not None and self.onsets > 0:
            last = self._last_pitch()
            dominant = last is not None and (last - self.key.tonic) % 12 in DOMINANT_SIDE
            no_room = self.pos >= self.bar_len - 1 or self.onsets >= MAX_NOTES_PER_BAR
            return dominant or no_room
        return True

    # --- the mask ----------------------------------------------------------------------------
    def allowed(self, logits: torch.Tensor) -> torch.Tensor:
        """A boolean mask over the vocabulary: the tokens that may come next."""
        g = self.g
        mask = torch.zeros(g.size, dtype=torch.bool)
        if self.forced:
            if self.forced[0] in g.duration_of and self.kind == "pitch":
                self._clip_forced_duration()
            mask[self.forced[0]] = True
            return mask
        k = self.kind
        if k == "start":
            mask[g.bar] = True
        elif k == "bar":
            if self.meter is not None:
                mask[g.timesig[self.meter]] = True
            else:
                mask[list(g.timesig_of)] = True
        elif k in ("ts", "dur"):
            if self._final():
                if self.onsets == 0:
                    mask[g.position[0]] = True
                else:
                    mask[g.bar] = True
                return mask
            if self.onsets < MAX_NOTES_PER_BAR:
                first = self.pos + 1 if k == "dur" else 0
                if first < self.bar_len:
                    mask[g.position_ids[first:self.bar_len]] = True
                if k == "dur":
                    self._pitch_mask(mask, logits)  # another note at the same position
            if self._may_end_bar():
                mask[g.bar] = True
            if not mask.any():  # nothing sounds and no position is left: cannot happen,
                mask[g.bar] = True  # (positions exist while onsets == 0); kept total
        elif k == "pos":
            self._pitch_mask(mask, logits)
        elif k == "pitch":
            self._duration_mask(mask)
        return mask

    def _pitch_mask(self, mask: torch.Tensor, logits: torch.Tensor) -> None:
        g = self.g
        ids = g.pitch_ids
        pitches = g.pitch_val
        if self._final():
            last = self._last_pitch()
            if self.key is None:  # a one-bar piece without a key: its note names the key
                mask[ids] = True
                return
            tonic = (pitches - self.key.tonic) % 12 == 0
            if last is not None:
                near = (pitches - last).abs() <= CADENCE_REACH
                if (tonic & near).any():
                    tonic = tonic & near
            mask[ids[tonic]] = True
            return
        if self.key is None:
            mask[ids] = True
            return
        if self._in_key is None or self._in_key[0] != self.key:
            scale = torch.tensor(SCALES[self.key.mode])
            self._in_key = (self.key, torch.isin((pitches - self.key.tonic) % 12, scale))
        ok = self._in_key[1]
        if self.accidentals < self.bars // self.copies:
            probs = torch.softmax(logits[ids].double(), dim=-1)
            ok = ok | (probs >= self.spec.accidental_p)
        mask[ids[ok]] = True

    def _clip_forced_duration(self) -> None:
        """A copied note that would ring past where this bar allows (the end of the piece, or
        into the cadence bar) is shortened to the longest duration that fits."""
        g = self.g
        fits = torch.zeros(g.size, dtype=torch.bool)
        self._duration_mask(fits)
        if fits[self.forced[0]]:
            return
        want = g.duration_of[self.forced[0]]
        ok = [int(i) for i in g.dur_ids if fits[int(i)] and g.duration_of[int(i)] <= want]
        if ok:
            self.forced[0] = ok[-1]

    def _duration_mask(self, mask: torch.Tensor) -> None:
        g = self.g
        start = self._bar_start() + self.pos
        end = self.bars * self.bar_len
        lo = 1
        if self._penultimate():
            end = self.bar * self.bar_len
        if self._final():
            end = self.bar * self.bar_len
            lo = max(1, self.bar_len // 2)
        room = end - start
        ok = (g.dur_len >= lo) & (g.dur_len <= room)
        if not ok.any():  # the shortest duration always fits a position inside the piece
            ok[0] = True
        mask[g.dur_ids[ok]] = True

    # --- advancing -------------------------------------------------------------------------
    def advance(self, t: int) -> None:
        g = self.g
        if self.forced:
            self.forced.pop(0)
        self.new.append(t)
        if t == g.bar:
            self.bar += 1
            self.bar_at.append(len(self.new) - 1)
            self.kind, self.pos, self.onsets = "bar", -1, 0
            if self.key is None and self.bar >= 2 and self.notes:
                self._choose_key([n.pitch for n in self.notes])
            self._start_section()
        elif t in g.timesig_of:
            self.kind = "ts"
            if self.meter is None:
                self.meter = g.timesig_of[t]
                self._length_from_seconds()
        elif t in g.pitch_of:
            self.kind, self.pitch = "pitch", g.pitch_of[t]
            if self.kind == "pitch" and self.key is None and self._final():
                self.key, self.key_source = Key(self.pitch % 12, "major"), "final note"
            if self.key is not None and not in_key(self.pitch, self.key):
                self.accidentals += 1  # copies of a repeat count too
        elif t in g.duration_of:
            length = g.duration_of[t]
            start = self._bar_start() + self.pos
            self.notes.append(Note(start, self.pitch, length, self.bar))
            self.sounding_until = max(self.sounding_until, start + length)
            self.onsets += 1
            self.kind, self.pitch = "dur", None
            if self.key is None and len(self.notes) >= KEY_NOTES:
                self._choose_key([n.pitch for n in self.notes])
        elif t in g.position_of:
            self.pos, self.kind = g.position_of[t], "pos"
        else:
            raise ValueError(f"token {t} is not part of the REMI grammar")

    def _choose_key(self, pitches: list[int]) -> None:
        w = np.zeros(12)
        for p in pitches:
            w[p % 12] += 1
        from accord.creation.music import _MAJOR, _MINOR

        best = None
        for mode, profile in (("major", _MAJOR), ("minor", _MINOR)):
            tonic = best_tonic(w, mode)
            r = float(np.corrcoef(w, np.roll(profile, tonic))[0, 1]) if w.std() > 0 else 0.0
            if best is None or r > best[0]:
                best = (r, Key(tonic, mode))
        self.key = best[1]
        self.key_source = "detected"
        # the free first bar's notes outside the key it revealed use up the accidental budget
        self.accidentals = sum(1 for n in self.notes if not in_key(n.pitch, self.key))

    def _start_section(self) -> None:
        """At the Bar that begins a section repeating an earlier one, queue its copy."""
        for s in self.spec.sections:
            if s.start + 1 != self.bar or s.source is None:
                continue
            src = self.spec.sections[s.source]
            copy = s.copy_bars(final=s.end == self.bars and self.spec.cadence)
            if copy == 0:
                return
            a = self.bar_at[src.start]
            b = self.bar_at[src.start + copy] if src.start + copy < len(self.bar_at) else None
            body = self.new[a + 1:b] if b is not None else self.new[a + 1:]
            self.forced = [*body, self.g.bar]
            return

    # --- what was made -----------------------------------------------------------------------
    def summary(self) -> dict:
        return {"bars": self.bars, "ok": self.finished,
                "meter": f"{self.meter[0]}/{self.meter[1]}" if self.meter else None,
                "key": str(self.key) if self.key else None, "key_source": self.key_source,
                "accidentals": self.accidentals, "accidental_p": self.spec.accidental_p,
                "cadence": self.spec.cadence,
                "form": "".join(s.label for s in self.spec.sections) or None}
