"""Domain records of the DJ: frozen, typed, free of storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ListenKind(StrEnum):
    PLAY = "play"        # started, with the seconds listened
    SKIP = "skip"        # left early
    LIKE = "like"
    FULL = "full"        # listened to the end
    DJ_PLAY = "dj_play"  # played inside a DJ set (the event trail of a set; seconds charged)


@dataclass(frozen=True)
class ListenEvent:
    """One listening event of one listener (append-only; `id` is the idempotency key)."""

    id: str
    listener_id: str
    recording_id: str
    kind: ListenKind
    at: datetime
    seconds_ms: int = 0
    set_id: str = ""


@dataclass(frozen=True)
class Features:
    """What sequencing needs about a recording, stored once per recording."""

    recording_id: str
    camelot: str | None  # e.g. '8B'; None when neither metadata nor analysis could tell
    tempo_bpm: float
    energy: float  # 0 (calm) .. 1 (energetic)
    source: str  # 'symbolic' (catalogue metadata) | 'audio' (librosa) | 'synthetic'


@dataclass(frozen=True)
class Person:
    party_id: str
    name: str
    dj_opted_in: bool  # may the DJ speak of this person (their own `dj` opt-in at T)


@dataclass(frozen=True)
class Track:
    """A candidate recording with everything the DJ may say and do with it (registry facts)."""

    recording_id: str
    title: str
    duration_s: float
    features: Features
    performers: tuple[Person, ...] = ()
    writers: tuple[Person, ...] = ()
    isrc: str = ""
    work_title: str = ""
    audio_path: str = ""
    ai_generated: bool = False
    genre: str = ""  # the catalogue collection (content features for cold starts)

    @property
    def artist_key(self) -> str:
        """Who 'the artist' is for the no-artist-twice rule: the performers, else the writers."""
        people = self.performers or self.writers
        return "|".join(sorted(p.party_id for p in people)) or self.recording_id


@dataclass(frozen=True)
class Constraints:
    """A listener's request turned into explicit rules for the next set."""

    max_energy: float | None = None
    min_energy: float | None = None
    max_tempo: float | None = None
    min_tempo: float | None = None
    like_recording: str | None = None  # 'more like the last one'
    exclude_terms: tuple[str, ...] = ()  # 'no Bach today': names/titles to leave out
    prefer_terms: tuple[str, ...] = ()   # 'more Bach'
    mood: str = ""  # the clause that set the energy / tempo bounds ('something calm')
    said: tuple[str, ...] = ()  # what each other rule came from, for 'why this track'

    def admits(self, f: Features) -> bool:
        """Whether a recording's features lie within the energy and tempo bounds."""
        return ((self.max_energy is None or f.energy <= self.max_energy) and
                (self.min_energy is None or f.energy >= self.min_energy) and
                (self.max_tempo is None or f.tempo_bpm <= self.max_tempo) and
                (self.min_tempo is None or f.tempo_bpm >= self.min_tempo))


@dataclass(frozen=True)
class Placed:
    """A track placed in the set, with the reason it was chosen and its rule breakdown."""

    track: Track
    why: str
    breakdown: dict = field(default_factory=dict, compare=False, hash=False)
