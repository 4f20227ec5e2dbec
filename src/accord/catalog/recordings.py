"""Recordings as a player sees them: the registry's facts joined with the catalogue's audio and
symbolic metadata, for readers in other contexts (the DJ). Read-only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.catalog.ddex import ai_extent
from accord.catalog.tables import CatalogAudioRow, CatalogItemRow, DdexRecordingRow
from accord.rights import lookup


@dataclass(frozen=True)
class RecordingMedia:
    recording_id: str
    title: str
    isrc: str
    work_id: str
    work_title: str
    artists: tuple[tuple[str, str], ...]  # (party id, name)
    writers: tuple[tuple[str, str], ...]
    composer: str = ""      # as the symbolic file states it (not a registry party)
    collection: str = ""
    key: str = ""           # symbolic metadata, e.g. 'G major' ('' when unknown)
    tempo_bpm: float = 0.0  # symbolic metadata (0 when unknown)
    note_count: int = 0
    symbolic_duration_s: float = 0.0
    audio_path: str = ""
    duration_s: float = 0.0  # of the audio
    loudness_lufs: float | None = None
    ai_generated: bool = False  # its DDEX ContainsAI (or a contributor's AiContribution) says AI


def _chunks(ids: list[str], n: int = 500):
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def recording_media(session: Session, recording_ids: Iterable[str] | None = None
                    ) -> list[RecordingMedia]:
    """Every registry recording (or the given ones) with its audio and metadata, by id."""
    facts = lookup.recording_facts(session, recording_ids)
    ids = [f["id"] for f in facts]
    audio: dict[str, CatalogAudioRow] = {}
    ai: dict[str, bool] = {}
    for part in _chunks(ids):
        for a in session.execute(select(CatalogAudioRow).where(
                CatalogAudioRow.recording_id.in_(part))
                .order_by(CatalogAudioRow.created_at)).scalars():
            audio.setdefault(a.recording_id, a)
        for rid, disc in session.execute(select(DdexRecordingRow.recording_id,
                                                DdexRecordingRow.ai_disclosure)
                                         .where(DdexRecordingRow.recording_id.in_(part))):
            ai[rid] = ai_extent(disc or {}) in ("all", "partly")
    items = {}
    item_ids = sorted({a.item_id for a in audio.values() if a.item_id})
    for part in _chunks(item_ids):
        for it in session.execute(select(CatalogItemRow).where(
                CatalogItemRow.id.in_(part))).scalars():
            items[it.id] = it
    out = []
    for f in facts:
        a = audio.get(f["id"])
        it = items.get(a.item_id) if a is not None and a.item_id else None
        out.append(RecordingMedia(
            recording_id=f["id"], title=f["title"], isrc=f["isrc"], work_id=f["work"],
            work_title=f["work_title"], artists=tuple(f["artists"]), writers=tuple(f["writers"]),
            composer=it.composer if it else "", collection=it.collection if it else "",
            key=it.key if it else "", tempo_bpm=float(it.tempo_bpm) if it else 0.0,
            note_count=int(it.note_count) if it else 0,
            symbolic_duration_s=float(it.duration_s) if it else 0.0,
            audio_path=a.path if a is not None else "",
            duration_s=float(a.duration_s) if a is not None else 0.0,
            loudness_lufs=a.loudness_lufs if a is not None else None,
            ai_generated=ai.get(f["id"], False)))
    return out
