"""Write MIDI files from the music21 corpus (Essen folk songs), for tests and benchmarks.

This is development data only: the training service reads its MIDI from the catalogue
(`accord.catalog.service.symbolic_items`). The Essen encodings are licensed for non-commercial
use only, which is all that tests and benchmarks do with them.
"""

from __future__ import annotations

from pathlib import Path

import symusic

ESSEN_FILES = ("altdeu10", "altdeu20", "ballad10", "ballad20", "ballad30", "boehme10",
               "erk10", "erk20", "fink0", "han1", "kinder0", "lot")
TPQ = 480


def _score_from_music21(stream) -> symusic.Score:
    score = symusic.Score(TPQ)
    track = symusic.Track("melody", program=0)
    for n in stream.flatten().notes:
        start = round(float(n.offset) * TPQ)
        dur = max(1, round(float(n.quarterLength) * TPQ))
        for p in n.pitches:
            track.notes.append(symusic.Note(start, dur, int(p.midi), 80))
    ts = stream.flatten().getElementsByClass("TimeSignature")
    if ts:
        score.time_signatures.append(symusic.TimeSignature(0, ts[0].numerator, ts[0].denominator))
    score.tempos.append(symusic.Tempo(0, 120.0))
    score.tracks.append(track)
    return score


def write_essen(out_dir: Path, count: int, files: tuple[str, ...] = ESSEN_FILES) -> list[Path]:
    """Up to `count` Essen songs as MIDI files in out_dir (tune n of each file in turn)."""
    from music21 import corpus

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    number = 1
    while len(written) < count and number < 400:
        for name in files:
            if len(written) >= count:
                break
            path = out_dir / f"{name}-{number:03d}.mid"
            if not path.exists():
                try:
                    stream = corpus.parse(f"essenFolksong/{name}", number=number)
                except Exception:  # noqa: BLE001 - a tune number may be missing from a file
                    continue
                if stream is None:
                    continue
                score = _score_from_music21(stream)
                if not score.tracks[0].notes:
                    continue
                score.dump_midi(str(path))
            written.append(path)
        number += 1
    return written
