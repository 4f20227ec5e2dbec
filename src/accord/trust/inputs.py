"""Reading an upload at the edge, limits first: nothing is decoded before the cheap checks
pass, and every refusal is an InvalidInput naming the file and the problem (exit 2, nothing
stored).

Order: the size (before reading), the suffix, for FLAC the metadata blocks (walked from their
headers: a block larger than MAX_FLAC_BLOCK or more than MAX_FLAC_METADATA in all is refused
before any decoder sees it, so a "zip bomb" of pictures or padding costs nothing), the header's
duration (soundfile.info, no decoding) against MAX_DURATION_S, then a full decode and
Chromaprint (accord.catalog.audio.probe), which also refuses truncated files.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

from accord.errors import InvalidInput

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 200 * MB
MAX_DURATION_S = 20 * 60.0
MIN_DURATION_S = 1.0
MAX_FLAC_BLOCK = 1 * MB
MAX_FLAC_METADATA = 4 * MB
MIDI_SUFFIXES = {".mid", ".midi"}
SCORE_SUFFIXES = {".musicxml", ".mxl", ".xml"}  # MusicXML, through the catalogue's parser
SYMBOLIC_SUFFIXES = MIDI_SUFFIXES | SCORE_SUFFIXES


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_UPLOAD_BYTES
    max_duration_s: float = MAX_DURATION_S


def check_size(path: Path, limits: Limits) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the upload ({exc})") from None
    if not path.is_file():
        raise InvalidInput(f"{path}: not a file")
    if size == 0:
        raise InvalidInput(f"{path}: the file is empty")
    if size > limits.max_bytes:
        raise InvalidInput(f"{path}: the upload is {size:,} bytes, over the limit of "
                           f"{limits.max_bytes:,}; nothing was stored")
    return size


def check_flac_metadata(path: Path) -> None:
    """Walk a FLAC file's metadata block headers (RFC 9639 section 8) without reading the
    blocks: refuse one over MAX_FLAC_BLOCK bytes, more than MAX_FLAC_METADATA in all, or a
    header chain that runs past the end of the file (truncated)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        if f.read(4) != b"fLaC":
            raise InvalidInput(f"{path}: not a FLAC stream (no fLaC marker)")
        total, pos, n = 0, 4, 0
        while True:
            head = f.read(4)
            if len(head) < 4:
                raise InvalidInput(f"{path}: truncated FLAC metadata (block {n} header)")
            last, kind = head[0] & 0x80, head[0] & 0x7F
            length = struct.unpack(">I", b"\0" + head[1:])[0]
            if length > MAX_FLAC_BLOCK:
                raise InvalidInput(f"{path}: FLAC metadata block {n} (type {kind}) is "
                                   f"{length:,} bytes, over the limit of {MAX_FLAC_BLOCK:,}")
            total += length
            if total > MAX_FLAC_METADATA:
                raise InvalidInput(f"{path}: FLAC metadata over {MAX_FLAC_METADATA:,} bytes "
                                   "in all")
            pos += 4 + length
            if pos > size:
                raise InvalidInput(f"{path}: truncated FLAC metadata (block {n} runs past "
                                   "the end of the file)")
            f.seek(pos)
            n += 1
            if last:
                return


def header_duration(path: Path) -> float | None:
    """The duration the header declares (no decoding), or None when soundfile cannot tell."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception:  # noqa: BLE001 - MP3 and odd files: the decode step decides
        return None
    return info.frames / info.samplerate if info.samplerate else None


@dataclass(frozen=True)
class AudioRead:
    content_hash: str
    size_bytes: int
    duration_s: float
    fingerprint: str
    samples: object  # mono float32 numpy array at `sample_rate`
    sample_rate: int


def read_audio(path: Path, limits: Limits = Limits()) -> AudioRead:
    from accord.catalog import audio

    path = Path(path)
    size = check_size(path, limits)
    suffix = path.suffix.lower()
    if suffix not in audio.AUDIO_SUFFIXES:
        raise InvalidInput(f"{path}: unsupported upload format {suffix!r} (audio: "
                           f"{', '.join(sorted(audio.AUDIO_SUFFIXES))}; symbolic: "
                           f"{', '.join(sorted(SYMBOLIC_SUFFIXES))})")
    if suffix == ".flac":
        check_flac_metadata(path)
    declared = header_duration(path)
    if declared is not None and declared > limits.max_duration_s:
        raise InvalidInput(f"{path}: {declared:.0f} s long, over the limit of "
                           f"{limits.max_duration_s:.0f} s")
    info = audio.probe(path)  # decodes fully; refuses truncated or unreadable audio
    if info.duration_s > limits.max_duration_s:
        raise InvalidInput(f"{path}: {info.duration_s:.0f} s long, over the limit of "
                           f"{limits.max_duration_s:.0f} s")
    if info.duration_s < MIN_DURATION_S:
        raise InvalidInput(f"{path}: only {info.duration_s:.2f} s of audio (at least "
                           f"{MIN_DURATION_S:.0f} s)")
    samples, rate = mono(path)
    return AudioRead(info.content_hash, size, info.duration_s, info.fingerprint, samples, rate)


def mono(path: Path):
    """The decoded samples, mixed to mono float32 (catalogue's decoder: soundfile, ffmpeg)."""
    import numpy as np

    from accord.catalog.audio import _decode

    data, rate = _decode(Path(path))
    return np.asarray(data, dtype=np.float32).mean(axis=1), int(rate)


@dataclass(frozen=True)
class SymbolicRead:
    content_hash: str
    size_bytes: int
    duration_s: float
    notes: tuple


def read_symbolic(path: Path, limits: Limits = Limits()) -> SymbolicRead:
    """A MIDI file's melody, or a MusicXML score's: the canonical MIDI the catalogue would
    store for it (accord.catalog.service.canonical_midi_of_score: its own parser and limits),
    so an uploaded score and a catalogue piece are compared on the same footing."""
    from accord.music.ngrams import melody, melody_from_midi

    path = Path(path)
    size = check_size(path, Limits(max_bytes=min(limits.max_bytes, 5 * MB)))
    data = path.read_bytes()
    if path.suffix.lower() in SCORE_SUFFIXES:
        import symusic

        from accord.catalog import service as catalog

        notes = melody(symusic.Score.from_midi(catalog.canonical_midi_of_score(path)))
    elif data[:4] != b"MThd":
        raise InvalidInput(f"{path}: not a MIDI file (no MThd header)")
    else:
        notes = melody_from_midi(path)
    if len(notes) < 2:
        raise InvalidInput(f"{path}: no melody (fewer than two notes)")
    beats = notes[-1].onset + notes[-1].duration
    return SymbolicRead(hashlib.sha256(data).hexdigest(), size, round(beats * 0.5, 3),
                        tuple(notes))


def kind_of(path: Path) -> str:
    return "symbolic" if Path(path).suffix.lower() in SYMBOLIC_SUFFIXES else "audio"
