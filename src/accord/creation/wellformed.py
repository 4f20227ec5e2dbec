"""Well-formedness of any REMI token sequence, measured: the properties `constraints.Decoder`
guarantees by construction (exact bars, one metre, in key but for at most one accidental per
bar on average, a tonic cadence, no silent bar, the form's repeats). Pure; used by the tests and
bench/creation.py, and to show that unconstrained samples mostly fail them.
"""

from __future__ import annotations

from collections.abc import Sequence

from accord.creation.constraints import Decoder, Grammar, Note, Spec, in_key
from accord.creation.form import Section
from accord.creation.music import Key


def read(g: Grammar, tokens: Sequence[int]) -> tuple[list[Note], list[tuple], list[int]]:
    """(notes, time signature per bar, index of each Bar token) of new-material tokens."""
    notes, metres, bars = [], [], []
    bar, pos, pitch, meter, start0 = 0, 0, None, (4, 4), 0
    for i, t in enumerate(tokens):
        if t == g.bar:
            if bar:
                start0 += g.bar_len(meter)
            bar += 1
            bars.append(i)
            metres.append(None)
        elif t in g.timesig_of:
            meter = g.timesig_of[t]
            if metres:
                metres[-1] = meter
        elif t in g.pitch_of:
            pitch = g.pitch_of[t]
        elif t in g.duration_of and pitch is not None:
            notes.append(Note(start0 + pos, pitch, g.duration_of[t], bar))
        elif t in g.position_of:
            pos = g.position_of[t]
    return notes, metres, bars


def check(g: Grammar, tokens: Sequence[int], bars: int, meter: tuple[int, int] | None,
          key: Key | None, sections: Sequence[Section] = ()) -> dict:
    """The well-formedness of new-material tokens: each property, and `ok` when all hold."""
    notes, metres, bar_at = read(g, tokens)
    meter = meter or (metres[0] if metres and metres[0] else None)
    out: dict = {"bars": len(bar_at) == bars,
                 "meter": bool(metres) and all(m == meter for m in metres)}
    if key is None and notes:
        d = Decoder(g, Spec(bars=bars))
        d._choose_key([n.pitch for n in notes])
        key = d.key
    outside = sum(1 for n in notes if key is not None and not in_key(n.pitch, key))
    out["key"] = key is not None and outside <= bars
    out["in_key_share"] = round(1 - outside / len(notes), 4) if notes else 0.0
    last_bar = [n for n in notes if n.bar == bars]
    out["cadence"] = (key is not None and bool(last_bar)
                      and any(n.start == (bars - 1) * g.bar_len(meter or (4, 4))
                              for n in last_bar)
                      and (last_bar[0].pitch - key.tonic) % 12 == 0
                      and (notes[-1].pitch - key.tonic) % 12 == 0)
    covered = set()
    for n in notes:
        L = g.bar_len(meter or (4, 4))
        covered.update(range(n.bar, n.bar + max(1, (n.start % L + n.length - 1) // L + 1)))
    out["no_silent_bar"] = all(b in covered for b in range(1, bars + 1))
    form_ok = True
    for s in sections:
        if s.source is None:
            continue
        src = sections[s.source]
        copy = s.copy_bars(final=s.end == bars)
        for k in range(copy):
            a = _bar_tokens(bar_at, tokens, src.start + k, g)
            b = _bar_tokens(bar_at, tokens, s.start + k, g)
            form_ok &= a == b
    out["form"] = form_ok
    out["ok"] = all(out[k] for k in ("bars", "meter", "key", "cadence", "no_silent_bar",
                                     "form"))
    return out


def _bar_tokens(bar_at: list[int], tokens: Sequence[int], index: int,
                g: Grammar | None = None) -> list[int] | None:
    """The tokens of one bar; with `g`, durations read as one marker (a copied note may have
    been shortened at the end of the piece: the repeat is of onsets and pitches)."""
    if index >= len(bar_at):
        return None
    end = bar_at[index + 1] if index + 1 < len(bar_at) else len(tokens)
    out = list(tokens[bar_at[index]:end])
    return [-1 if g is not None and t in g.duration_of else t for t in out]
