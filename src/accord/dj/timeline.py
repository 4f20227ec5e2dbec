"""Where everything sits in a set, in integer milliseconds (pure), and what each play is charged.

Transitions: a compatible pair (Camelot-compatible and a tempo step within 8%) gets a
beat-aware crossfade: 8 beats of the outgoing track, its start snapped to that track's beat
grid; any other pair a plain 3 s crossfade. A crossfade never exceeds a quarter of either
track, and no track is ever cut short: the outgoing track plays to its last sample while the
next one fades in.

Voice: the line before track i starts when track i is alone (after the incoming crossfade),
over its ducked intro (or when the previous line ends, if that is later: lines never overlap);
the last line (the outro) follows the last track. Line 0 starts the set.

Charging (the royalty trail): during a crossfade of d ms the outgoing track owns the first
d // 2 ms and the incoming one the rest, so each overlap is split between the two exactly;
the milliseconds the voice speaks are charged to no track. Per set:
    sum(charged) + voice milliseconds == the set's length  (no gaps; tested)
"""

from __future__ import annotations

from dataclasses import dataclass

BEATS = 8
PLAIN_MS = 3000
MIN_MS = 1000
MAX_FRACTION = 0.25
TEMPO_OK = 0.08


@dataclass(frozen=True)
class Slot:
    recording_id: str
    start_ms: int
    end_ms: int
    fade_in_ms: int   # overlap with the previous track
    fade_out_ms: int  # overlap with the next track
    beat_matched: bool  # the transition into this track


@dataclass(frozen=True)
class VoiceAt:
    index: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Charge:
    recording_id: str
    position: int
    charged_ms: int
    owned_from_ms: int
    owned_to_ms: int


def crossfade_ms(dur_a: int, dur_b: int, tempo_a: float, fits: bool) -> tuple[int, bool]:
    cap = int(min(dur_a, dur_b) * MAX_FRACTION)
    if fits and tempo_a > 0:
        beat = 60000.0 / tempo_a
        want = int(round(BEATS * beat))
        # snap the overlap's start to a's beat grid (beats counted from a's start)
        start = dur_a - want
        start = int(round(start / beat) * beat) if start > 0 else 0
        d = min(dur_a - start, cap)
        if d >= MIN_MS:
            return d, True
    return max(0, min(PLAIN_MS, cap)), False


def plan(durations_ms: list[int], tempi: list[float], fits: list[bool], ids: list[str],
         voice_ms: dict[int, int]) -> tuple[list[Slot], list[VoiceAt], int]:
    """Slots of the tracks, places of the voice lines, total length (ms).
    fits[i]: whether the transition from track i-1 into track i is compatible (fits[0] unused).
    voice_ms: line index -> length; index len(tracks) is the outro."""
    n = len(durations_ms)
    slots: list[Slot] = []
    voices: list[VoiceAt] = []
    t = 0
    fades = [0] * (n + 1)
    matched = [False] * n
    for i in range(1, n):
        fades[i], matched[i] = crossfade_ms(durations_ms[i - 1], durations_ms[i],
                                            tempi[i - 1], fits[i])
    for i in range(n):
        start = t - fades[i] if i else 0
        end = start + durations_ms[i]
        slots.append(Slot(ids[i], start, end, fades[i], fades[i + 1] if i + 1 < n else 0,
                          matched[i]))
        t = end
        if i in voice_ms:
            # lines never overlap: a long one pushes the next one later
            v0 = max(start + fades[i], voices[-1].end_ms if voices else 0)
            voices.append(VoiceAt(i, v0, v0 + voice_ms[i]))
    total = max(t, voices[-1].end_ms if voices else 0)
    if n in voice_ms:
        voices.append(VoiceAt(n, total, total + voice_ms[n]))
        total += voice_ms[n]
    return slots, voices, total


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def charges(slots: list[Slot], voices: list[VoiceAt]) -> list[Charge]:
    """Each play's charged milliseconds: its owned span less the voice's time in it."""
    talk = _union([(v.start_ms, v.end_ms) for v in voices])
    out = []
    for i, s in enumerate(slots):
        own0 = s.start_ms + (s.fade_in_ms // 2 if i else 0)
        if i + 1 < len(slots):
            nxt = slots[i + 1]
            own1 = nxt.start_ms + nxt.fade_in_ms // 2
        else:
            own1 = s.end_ms
        spoken = sum(_overlap(own0, own1, a, b) for a, b in talk)
        out.append(Charge(s.recording_id, i, own1 - own0 - spoken, own0, own1))
    return out
