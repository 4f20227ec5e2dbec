"""Domain records of the catalogue: frozen, typed, free of storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SymbolicItem:
    """One catalogue piece in symbolic form, as training and the other contexts see it.

    This record is a contract with the training context: fields may be added, never renamed.
    """

    work_id: str
    content_hash: str
    midi_path: Path  # absolute path of the canonical MIDI file
    collection: str
    title: str
    duration_s: float
    note_count: int
    writer_ids: tuple[str, ...]
    licence: str = ""
    composer: str = ""


@dataclass(frozen=True)
class PartNotes:
    """One part: its name, General MIDI program and notes as (onset, duration, pitch, velocity)
    in ticks of TPQ per quarter note."""

    name: str
    program: int
    notes: tuple[tuple[int, int, int, int], ...]
    is_drum: bool = False


@dataclass(frozen=True)
class ParsedPiece:
    """What symbolic ingest extracts from one piece, before it is stored."""

    title: str
    composer: str
    key: str
    time_signature: str
    tempo_bpm: float
    parts: tuple[PartNotes, ...]
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def note_count(self) -> int:
        return sum(len(p.notes) for p in self.parts)
