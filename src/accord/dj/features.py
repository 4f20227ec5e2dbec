"""Key, tempo and energy of a recording, stored once (table `dj_recording_features`).

Source order: the catalogue's symbolic metadata (the score's key signature and tempo mark)
where it is known, otherwise audio analysis with librosa: tempo from the beat tracker, key from
the mean chroma correlated with the Krumhansl-Kessler profiles of the 24 keys. Energy always
comes from what is at hand: note density and tempo from the score, else RMS loudness and onset
strength of the audio.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.catalog.recordings import RecordingMedia
from accord.dj import camelot
from accord.dj.model import Features
from accord.dj.tables import DjFeaturesRow
from accord.timeutil import now

# Krumhansl-Kessler key profiles (major, minor), tonic first.
MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
ANALYSE_SECONDS = 60.0


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def symbolic_energy(tempo: float, note_count: int, duration_s: float) -> float:
    density = note_count / duration_s if duration_s > 0 else 0.0
    return _clip(0.1 + 0.45 * min(1.0, density / 10.0) + 0.45 * _clip((tempo - 50) / 110))


def from_symbolic(m: RecordingMedia) -> Features | None:
    code = camelot.from_name(m.key)
    if code is None or m.tempo_bpm <= 0:
        return None
    return Features(m.recording_id, code, float(m.tempo_bpm),
                    symbolic_energy(m.tempo_bpm, m.note_count, m.symbolic_duration_s), "symbolic")


def key_from_chroma(chroma_mean: np.ndarray) -> str:
    best, code = -2.0, "8B"
    for tonic in range(12):
        for minor, prof in ((False, MAJOR), (True, MINOR)):
            r = float(np.corrcoef(np.roll(prof, tonic), chroma_mean)[0, 1])
            if r > best:
                best, code = r, camelot.code(tonic, minor)
    return code


def from_audio(recording_id: str, path: str) -> Features:
    import librosa

    y, sr = librosa.load(path, sr=22050, mono=True, duration=ANALYSE_SECONDS)
    tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
    tempo = float(np.atleast_1d(tempo)[0]) or 100.0
    chroma = librosa.feature.chroma_stft(y=y, sr=sr)
    code = key_from_chroma(chroma.mean(axis=1))
    rms_db = float(librosa.amplitude_to_db(librosa.feature.rms(y=y)).mean())
    onset = float(librosa.onset.onset_strength(y=y, sr=sr).mean())
    energy = _clip(0.5 * _clip((rms_db + 40) / 30) + 0.5 * _clip(onset / 3.0))
    return Features(recording_id, code, tempo, energy, "audio")


def stored(session: Session, ids: Iterable[str]) -> dict[str, Features]:
    out = {}
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        for r in session.execute(select(DjFeaturesRow).where(
                DjFeaturesRow.recording_id.in_(ids[i:i + 500]))).scalars():
            out[r.recording_id] = Features(r.recording_id, r.camelot, r.tempo_bpm, r.energy,
                                           r.source)
    return out


def ensure(session: Session, media: Iterable[RecordingMedia]) -> dict[str, Features]:
    """Features of every recording given: stored ones read, missing ones computed and stored
    (symbolic metadata first, audio analysis otherwise; none without either)."""
    media = list(media)
    have = stored(session, [m.recording_id for m in media])
    for m in media:
        if m.recording_id in have:
            continue
        f = from_symbolic(m)
        if f is None and m.audio_path:
            f = from_audio(m.recording_id, m.audio_path)
        if f is None:
            continue
        session.add(DjFeaturesRow(recording_id=f.recording_id, camelot=f.camelot,
                                  tempo_bpm=f.tempo_bpm, energy=f.energy, source=f.source,
                                  analysed_at=now()))
        have[m.recording_id] = f
    session.flush()
    return have
