"""Planted quotations, for the tests and the evaluation harness: an output made of sampled
material with a passage of a known training work pasted in at a bar line.

The passage is every note of the work (all voices) sounding from melody note `start` up to the
onset of melody note `start + length`; the sample after the insertion point moves later by the
passage's length rounded up to whole bars, so the rest keeps its bar lines.
"""

from __future__ import annotations

import math

import symusic

from accord.music.ngrams import melody
from accord.training.tokenizer import Tokenizer


def plant(tok: Tokenizer, sample_ids: list[int], work_ids: list[int], start: int, length: int,
          at_bar: int = 1) -> tuple[int, ...]:
    """Token ids of the sample with melody notes start..start+length-1 of the work inserted
    after `at_bar` bars. Raises ValueError when the work's melody is too short."""
    sample = tok.decode(list(sample_ids))
    work = tok.decode(list(work_ids))
    tune = melody(work)
    if start < 0 or start + length > len(tune):
        raise ValueError(f"the work's melody has {len(tune)} notes; cannot quote "
                         f"{start}..{start + length - 1}")
    wt = work.ticks_per_quarter
    t_from = round(tune[start].onset * wt)
    last = tune[start + length - 1]
    t_to = round(tune[start + length].onset * wt) if start + length < len(tune) else \
        round((last.onset + last.duration) * wt)
    st = sample.ticks_per_quarter
    scale = st / wt
    bar = 4 * st
    at = at_bar * bar
    span = math.ceil((t_to - t_from) * scale / bar) * bar
    out = symusic.Score(st)
    out.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("planted", program=0)
    for tr in sample.tracks:
        for n in tr.notes:
            t = n.time if n.time < at else n.time + span
            track.notes.append(symusic.Note(t, n.duration, n.pitch, n.velocity))
    for tr in work.tracks:
        for n in tr.notes:
            if t_from <= n.time < t_to:
                t = at + round((n.time - t_from) * scale)
                d = max(1, round(min(n.duration, t_to - n.time) * scale))
                track.notes.append(symusic.Note(t, d, n.pitch, n.velocity))
    track.notes.sort(key=lambda n: (n.time, n.pitch))
    out.tracks.append(track)
    return tuple(tok.encode(out))
