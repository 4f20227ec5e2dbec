"""Symbolic ingest: MIDI (symusic), MusicXML / ABC / Humdrum (music21) into one ParsedPiece,
a canonical MIDI written with symusic, and a content hash over normalised note events.

The content hash is over the sorted multiset of (onset, duration, pitch) of every pitched,
non-drum note with a positive duration, in ticks of 480 per quarter note. It ignores part
layout, instruments, velocities, tempo, titles and file format, so the same music encoded twice
(ABC and MusicXML, or a score and its MIDI) gets the same hash, and any changed note changes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from fractions import Fraction
from pathlib import Path

from accord.catalog.model import ParsedPiece, PartNotes
from accord.errors import InvalidInput

TPQ = 480
HASH_VERSION = "accord-notes-v1"
SYMBOLIC_SUFFIXES = {".mid": "midi", ".midi": "midi", ".abc": "abc", ".krn": "humdrum",
                     ".xml": "musicxml", ".musicxml": "musicxml", ".mxl": "musicxml"}
DEFAULT_TEMPO = 120.0


def format_of(path: Path) -> str:
    fmt = SYMBOLIC_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(f"{path}: unsupported symbolic format {path.suffix!r} "
                           f"(known: {', '.join(sorted(SYMBOLIC_SUFFIXES))})")
    return fmt


# --- the content hash -------------------------------------------------------------------------

def note_events(piece: ParsedPiece) -> list[tuple[int, int, int]]:
    return sorted((on, dur, pitch) for part in piece.parts if not part.is_drum
                  for on, dur, pitch, _vel in part.notes if dur > 0)


def content_hash(piece: ParsedPiece) -> str:
    h = hashlib.sha256(HASH_VERSION.encode() + b"\n")
    for on, dur, pitch in note_events(piece):
        h.update(f"{on} {dur} {pitch}\n".encode())
    return h.hexdigest()


def duration_seconds(piece: ParsedPiece) -> float:
    end = max((on + dur for p in piece.parts for on, dur, _p, _v in p.notes), default=0)
    return round(end / TPQ * 60.0 / (piece.tempo_bpm or DEFAULT_TEMPO), 3)


# --- splitting collection files ---------------------------------------------------------------

_X_LINE = re.compile(r"^X:", re.MULTILINE)


def split_abc(text: str) -> list[str]:
    """An ABC book holds many tunes, each starting at an `X:` line; the file header before the
    first tune (comments, %%directives) is kept in front of every tune."""
    starts = [m.start() for m in _X_LINE.finditer(text)]
    if len(starts) <= 1:
        return [text]
    header = text[:starts[0]]
    return [header + text[a:b] for a, b in zip(starts, starts[1:] + [len(text)], strict=True)]


def pieces_in_file(path: Path) -> list[tuple[int, str | None]]:
    """The pieces of one file as (index, text); text None means 'parse the file itself'."""
    if format_of(path) == "abc" and not _voices_as_tunes(path):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InvalidInput(f"{path}: cannot read the file ({exc})") from None
        return list(enumerate(split_abc(text)))
    return [(0, None)]


def _voices_as_tunes(path: Path) -> bool:
    """Some ABC files (the Josquin chansons) write each voice of one piece as its own `X:` tune
    with the same first title; those are one piece, merged into a score when parsed."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    titles = re.findall(r"^X:.*?^T:\s*(.*?)\s*$", text, re.MULTILINE | re.DOTALL)
    return len(titles) > 1 and len(set(titles)) == 1


def source_hash(path: Path, text: str | None) -> str:
    data = text.encode() if text is not None else path.read_bytes()
    return hashlib.sha256(b"accord-parse-v1\n" + data).hexdigest()


# --- parsing ----------------------------------------------------------------------------------

def parse(path: Path, text: str | None = None) -> ParsedPiece:
    """Parse one piece; raise InvalidInput naming the file and the problem."""
    fmt = format_of(path)
    try:
        piece = _parse_midi(path) if fmt == "midi" else _parse_music21(path, fmt, text)
    except InvalidInput:
        raise
    except Exception as exc:  # noqa: BLE001 - parser libraries raise anything; name it
        raise InvalidInput(f"{path}: cannot parse as {fmt}: "
                           f"{type(exc).__name__}: {str(exc)[:300]}") from None
    if piece.note_count == 0:
        raise InvalidInput(f"{path}: no notes found")
    return piece


def _ticks(ql) -> int:
    return round(Fraction(ql) * TPQ)


@contextlib.contextmanager
def _no_beams():
    """music21's ABC reader beams every measure (about half of its parse time); beams do not
    change a note's onset, duration or pitch, so the import skips them (same content hash)."""
    from music21 import stream

    saved = stream.Stream.makeBeams

    def keep(self, *, inPlace=False, **_kw):
        return None if inPlace else self

    stream.Stream.makeBeams = keep
    try:
        yield
    finally:
        stream.Stream.makeBeams = saved


def _parse_music21(path: Path, fmt: str, text: str | None) -> ParsedPiece:
    from music21 import converter, key, meter, stream, tempo

    with _no_beams() if fmt == "abc" else contextlib.nullcontext():
        if text is not None:
            s = converter.parse(text, format=fmt, forceSource=True)
        else:
            s = converter.parse(str(path), format=fmt, forceSource=True)
    if isinstance(s, stream.Opus):
        scores = list(s.scores)
        if len(scores) > 1 and text is None:
            s = s.mergeScores()
        elif len(scores) != 1:
            raise InvalidInput(f"{path}: holds {len(scores)} pieces; split it first")
        else:
            s = scores[0]
    parts_src = list(s.parts) if s.hasPartLikeStreams() else [s]
    parts: list[PartNotes] = []
    for i, p in enumerate(parts_src):
        inst = p.getInstrument(returnDefault=True)
        program = inst.midiProgram if inst.midiProgram is not None else 0
        name = p.partName or inst.instrumentName or f"part {i + 1}"
        flat = p.stripTies().flatten()
        notes = []
        for n in flat.notes:
            if n.duration.isGrace or n.quarterLength == 0:
                continue
            on, dur = _ticks(n.offset), _ticks(n.quarterLength)
            vel = n.volume.velocity or 80
            for pitch in n.pitches:
                notes.append((on, dur, int(pitch.midi), int(vel)))
        parts.append(PartNotes(str(name), int(program), tuple(sorted(notes))))
    md = s.metadata
    title = (md.title or md.movementName or "") if md else ""
    composer = (md.composer or "") if md else ""
    extra: dict = {}
    ks = next(iter(s.recurse().getElementsByClass(key.KeySignature)), None)
    key_name = ""
    if ks is not None:
        k = ks if isinstance(ks, key.Key) else ks.asKey()
        key_name = f"{k.tonic.name} {k.mode}"
        extra["key_sharps"] = int(ks.sharps)
        extra["key_minor"] = k.mode == "minor"
    ts = next(iter(s.recurse().getElementsByClass(meter.TimeSignature)), None)
    mm = next(iter(s.recurse().getElementsByClass(tempo.MetronomeMark)), None)
    bpm = float(mm.getQuarterBPM()) if mm is not None and mm.number else DEFAULT_TEMPO
    if md is not None and md.copyright:
        extra["copyright"] = str(md.copyright)
    return ParsedPiece(title=str(title).strip(), composer=str(composer).strip(), key=key_name,
                       time_signature=ts.ratioString if ts is not None else "",
                       tempo_bpm=round(bpm, 3), parts=tuple(parts), extra=extra)


def _parse_midi(path: Path) -> ParsedPiece:
    import symusic

    try:
        score = symusic.Score(str(path))
    except Exception as exc:  # noqa: BLE001
        raise InvalidInput(f"{path}: not a readable MIDI file ({exc})") from None
    scale = Fraction(TPQ, score.tpq)
    parts = []
    for i, t in enumerate(score.tracks):
        notes = tuple(sorted((round(n.time * scale), round(n.duration * scale), int(n.pitch),
                              int(n.velocity)) for n in t.notes))
        if notes:
            parts.append(PartNotes(t.name or f"track {i + 1}", int(t.program), notes,
                                   bool(t.is_drum)))
    extra: dict = {}
    key_name = ""
    if len(score.key_signatures):
        ksig = score.key_signatures[0]
        from music21 import key as m21key

        minor = bool(ksig.tonality)
        k = m21key.KeySignature(int(ksig.key)).asKey("minor" if minor else "major")
        key_name = f"{k.tonic.name} {k.mode}"
        extra["key_sharps"], extra["key_minor"] = int(ksig.key), minor
    ts = (f"{score.time_signatures[0].numerator}/{score.time_signatures[0].denominator}"
          if len(score.time_signatures) else "")
    bpm = float(score.tempos[0].qpm) if len(score.tempos) else DEFAULT_TEMPO
    title = next((t.name for t in score.tracks if t.name), "") or path.stem
    return ParsedPiece(title=title, composer="", key=key_name, time_signature=ts,
                       tempo_bpm=round(bpm, 3), parts=tuple(parts), extra=extra)


# --- canonical MIDI ---------------------------------------------------------------------------

def canonical_midi(piece: ParsedPiece) -> bytes:
    """The canonical MIDI of a piece, written with symusic (480 ticks per quarter)."""
    import symusic

    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, qpm=piece.tempo_bpm or DEFAULT_TEMPO))
    if piece.time_signature and "/" in piece.time_signature:
        num, den = piece.time_signature.split("/", 1)
        with contextlib.suppress(ValueError):
            score.time_signatures.append(symusic.TimeSignature(0, int(num), int(den)))
    if "key_sharps" in piece.extra:
        score.key_signatures.append(symusic.KeySignature(
            0, int(piece.extra["key_sharps"]), 1 if piece.extra.get("key_minor") else 0))
    for part in piece.parts:
        track = symusic.Track(part.name[:120], program=max(0, min(127, part.program)),
                              is_drum=part.is_drum)
        for on, dur, pitch, vel in part.notes:
            if dur > 0 and 0 <= pitch <= 127:
                track.notes.append(symusic.Note(on, dur, pitch, max(1, min(127, vel))))
        score.tracks.append(track)
    return bytes(score.dumps_midi())


# --- (de)serialising for the parse cache ------------------------------------------------------

def to_dict(piece: ParsedPiece) -> dict:
    return {"title": piece.title, "composer": piece.composer, "key": piece.key,
            "time_signature": piece.time_signature, "tempo_bpm": piece.tempo_bpm,
            "extra": piece.extra,
            "parts": [{"name": p.name, "program": p.program, "is_drum": p.is_drum,
                       "notes": [list(n) for n in p.notes]} for p in piece.parts]}


def from_dict(d: dict) -> ParsedPiece:
    return ParsedPiece(
        title=d["title"], composer=d["composer"], key=d["key"],
        time_signature=d["time_signature"], tempo_bpm=d["tempo_bpm"], extra=d.get("extra", {}),
        parts=tuple(PartNotes(p["name"], p["program"], tuple(tuple(n) for n in p["notes"]),
                              p.get("is_drum", False)) for p in d["parts"]))
