"""Ordering a set for flow (pure): named rules, each a penalty with its reason.

Greedy: each slot takes the candidate with the lowest total penalty after the previous track.
Rules (weights in `Dial`):
  key       0 when the Camelot codes are compatible (same, +-1 same letter, relative), else 1
  tempo     the tempo step in units of 8% (|ln(b/a)| / ln 1.08): small steps, as DJs keep them
  energy    distance from the energy arc (rises to a peak at 70% of the set, then eases off),
            clipped to the listener's request (calm / upbeat)
  taste     1 - the candidate's normalised taste score (rank among the pool)
  freshness the dial f in [0, 1]: a recording the listener has heard costs f, a new one 1 - f
  artist    hard: never the same performing artist twice in a row (unless nothing else is
            left: e.g. a catalogue played by one ensemble)
  writer    5: the same writer twice in a row
  repeat    hard: never a track again while unplayed candidates remain; never back to back
A track is never cut short: when two tracks do not fit, the mix uses a plain crossfade.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from accord.dj import camelot
from accord.dj.model import Constraints, Placed, Track

INF = float("inf")
REPEATED = "repeated (the pool is exhausted)"


@dataclass(frozen=True)
class Dial:
    freshness: float = 0.3  # 0: only what the listener knows .. 1: only new
    key: float = 4.0
    tempo: float = 1.0
    energy: float = 2.0
    taste: float = 1.5
    fresh: float = 0.5


@dataclass(frozen=True)
class Context:
    position: float  # 0..1 through the set
    energy_target: float
    heard: frozenset[str]
    scores: Mapping[str, float]  # normalised 0..1
    dial: Dial
    placed: tuple[str, ...]
    unplayed_left: bool


def energy_arc(x: float, c: Constraints | None = None) -> float:
    e = 0.3 + 0.5 * (x / 0.7) if x <= 0.7 else 0.8 - 0.3 * ((x - 0.7) / 0.3)
    if c is not None:
        if c.max_energy is not None:
            e = min(e, c.max_energy - 0.1)
        if c.min_energy is not None:
            e = max(e, c.min_energy + 0.1)
    return max(0.0, min(1.0, e))


def tempo_steps(a: float, b: float) -> float:
    if a <= 0 or b <= 0:
        return 1.0
    return abs(math.log(b / a)) / math.log(1.08)


Rule = Callable[[Track | None, Track, Context], tuple[float, str]]


def rule_key(prev, t, ctx):
    if prev is None:
        return 0.0, ""
    a, b = prev.features.camelot, t.features.camelot
    ok = camelot.compatible(a, b)
    return (0.0 if ok else 1.0) * ctx.dial.key, f"{a or '?'}->{b or '?'}" + ("" if ok else
                                                                            " (plain crossfade)")


def rule_tempo(prev, t, ctx):
    if prev is None:
        return 0.0, ""
    steps = tempo_steps(prev.features.tempo_bpm, t.features.tempo_bpm)
    return min(steps, 6.0) * ctx.dial.tempo, \
        f"{prev.features.tempo_bpm:.0f}->{t.features.tempo_bpm:.0f} BPM"


def rule_energy(prev, t, ctx):
    d = abs(t.features.energy - ctx.energy_target)
    return d * ctx.dial.energy, f"energy {t.features.energy:.2f} (arc {ctx.energy_target:.2f})"


def rule_taste(prev, t, ctx):
    s = ctx.scores.get(t.recording_id, 0.0)
    return (1.0 - s) * ctx.dial.taste, f"taste {s:.2f}"


def rule_freshness(prev, t, ctx):
    """Scored on the listener's history only (a repeat inside the set is the repeat rule's
    business); the note never calls a track played earlier in this set new."""
    heard = t.recording_id in ctx.heard
    f = ctx.dial.freshness
    note = "familiar" if heard else ("earlier in this set" if t.recording_id in ctx.placed
                                     else "new to you")
    return (f if heard else 1.0 - f) * ctx.dial.fresh, note


def rule_artist(prev, t, ctx):
    if prev is not None and prev.artist_key == t.artist_key:
        return INF, "same artist as the last track"
    return 0.0, ""


def rule_writer(prev, t, ctx):
    if prev is not None and t.writers and {p.party_id for p in prev.writers} == \
            {p.party_id for p in t.writers}:
        return 5.0, "same writer as the last track"
    return 0.0, ""


def rule_repeat(prev, t, ctx):
    if prev is not None and prev.recording_id == t.recording_id:
        return INF, "just played"
    if t.recording_id in ctx.placed:
        if ctx.unplayed_left:
            return INF, "already in this set"
        back = ctx.placed[::-1].index(t.recording_id)
        return 20.0 / (1 + back), REPEATED
    return 0.0, ""


RULES: dict[str, Rule] = {"key": rule_key, "tempo": rule_tempo, "energy": rule_energy,
                          "taste": rule_taste, "freshness": rule_freshness,
                          "artist": rule_artist, "writer": rule_writer,
                          "repeat": rule_repeat}


def normalise(scores: Mapping[str, float]) -> dict[str, float]:
    """Rank-normalised scores in [0, 1] (1 = the best, equal scores equal); robust to the
    model's scale."""
    levels = sorted(set(scores.values()), reverse=True)
    n = max(1, len(levels) - 1)
    rank = {v: 1.0 - i / n for i, v in enumerate(levels)}
    return {r: rank[v] for r, v in scores.items()}


def order(pool: list[Track], scores: Mapping[str, float], target_s: float,
          overlap_s: Callable[[Track, Track], float] = lambda a, b: 0.0,
          heard: frozenset[str] = frozenset(), constraints: Constraints | None = None,
          dial: Dial = Dial(), max_tracks: int = 500,
          rules: Mapping[str, Rule] = RULES, first: Track | None = None) -> list[Placed]:
    """Tracks in play order until their duration (less crossfade overlaps) reaches target_s."""
    if not pool:
        return []
    norm = normalise({t.recording_id: scores.get(t.recording_id, 0.0) for t in pool})
    c = constraints or Constraints()
    out: list[Placed] = []
    elapsed, prev = 0.0, None
    placed: list[str] = []
    while elapsed < target_s and len(out) < max_tracks:
        x = min(1.0, elapsed / target_s) if target_s else 0.0
        ctx = Context(position=x, energy_target=energy_arc(x, c), heard=heard, scores=norm,
                      dial=dial, placed=tuple(placed),
                      unplayed_left=len(set(placed)) < len(pool))
        best: tuple[float, str, Track, dict] | None = None
        for t in ([first] if first is not None and prev is None else pool):
            parts = {name: rule(prev, t, ctx) for name, rule in rules.items()}
            total = sum(p for p, _ in parts.values())
            if best is None or (total, t.recording_id) < (best[0], best[1]):
                best = (total, t.recording_id, t, parts)
        if best is None or best[0] == INF:
            # only hard-rule breakers are left: relax the artist rule, never the repeat rule
            soft = {k: v for k, v in rules.items() if k != "artist"}
            cands = [(sum(r(prev, t, ctx)[0] for r in soft.values()), t.recording_id, t)
                     for t in pool]
            cands = [cd for cd in cands if cd[0] != INF]
            if not cands:
                break
            total, _, t = min(cands, key=lambda z: (z[0], z[1]))
            parts = {name: rule(prev, t, ctx) for name, rule in soft.items()}
        else:
            total, _, t, parts = best
        if prev is not None:
            elapsed -= overlap_s(prev, t)
        elapsed += t.duration_s
        out.append(Placed(track=t, why="", breakdown={k: {"penalty": round(v, 3), "note": n}
                                                        for k, (v, n) in parts.items()}))
        placed.append(t.recording_id)
        prev = t
    return out


def transitions(tracks: list[Track]) -> dict:
    """Share of Camelot-compatible transitions and the mean tempo step (in BPM and %)."""
    pairs = list(zip(tracks, tracks[1:], strict=False))
    if not pairs:
        return {"transitions": 0, "camelot_compatible": 1.0, "mean_tempo_step_bpm": 0.0,
                "mean_tempo_step_pct": 0.0, "same_artist_in_a_row": 0}
    ok = sum(camelot.compatible(a.features.camelot, b.features.camelot) for a, b in pairs)
    steps = [abs(b.features.tempo_bpm - a.features.tempo_bpm) for a, b in pairs]
    pct = [abs(b.features.tempo_bpm / a.features.tempo_bpm - 1) * 100 for a, b in pairs
           if a.features.tempo_bpm > 0]
    return {"transitions": len(pairs), "camelot_compatible": ok / len(pairs),
            "mean_tempo_step_bpm": sum(steps) / len(steps),
            "mean_tempo_step_pct": sum(pct) / max(1, len(pct)),
            "same_artist_in_a_row": sum(a.artist_key == b.artist_key for a, b in pairs)}
