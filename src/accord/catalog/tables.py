"""Catalogue tables. A catalogue item is one piece of music, linked to the rights registry's
work; its content hash (over normalised note events) is unique, which is what deduplicates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.db.base import Base, UTCDateTime

ID = String(96)


class CatalogItemRow(Base):
    __tablename__ = "catalog_items"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source_path: Mapped[str] = mapped_column(Text)  # relative to the corpus root, or as given
    source_index: Mapped[int] = mapped_column(Integer, default=0)  # piece within the file
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    source_format: Mapped[str] = mapped_column(String(16))
    collection: Mapped[str] = mapped_column(String(64), index=True)
    licence: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(500))
    composer: Mapped[str] = mapped_column(String(300), default="")
    key: Mapped[str] = mapped_column(String(32), default="")
    time_signature: Mapped[str] = mapped_column(String(16), default="")
    tempo_bpm: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[float] = mapped_column(Float)
    note_count: Mapped[int] = mapped_column(Integer)
    parts: Mapped[list] = mapped_column(JSON, default=list)  # [{"name", "program"}]
    midi_path: Mapped[str] = mapped_column(Text)  # relative to settings.media_dir
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CatalogAudioRow(Base):
    """An audio file in the catalogue (rendered or ingested), with its fingerprint."""

    __tablename__ = "catalog_audio"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    recording_id: Mapped[str | None] = mapped_column(ForeignKey("recordings.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("catalog_items.id"), index=True)
    path: Mapped[str] = mapped_column(Text)  # absolute
    format: Mapped[str] = mapped_column(String(8))
    duration_s: Mapped[float] = mapped_column(Float)
    sample_rate: Mapped[int] = mapped_column(Integer)
    channels: Mapped[int] = mapped_column(Integer)
    loudness_lufs: Mapped[float | None] = mapped_column(Float)
    fingerprint: Mapped[str] = mapped_column(Text)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DdexMessageRow(Base):
    """One imported DDEX message (append-only): the provenance log and the idempotency key."""

    __tablename__ = "catalog_ddex_messages"
    sender: Mapped[str] = mapped_column(String(64), primary_key=True)  # MessageSender DPID
    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    thread_id: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))  # new | update | takedown | purge
    ern_version: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # MessageCreatedDateTime
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # releases, recordings, ...


class DdexReleaseRow(Base):
    """A release's current state: the data of the latest message that described it."""

    __tablename__ = "catalog_ddex_releases"
    id: Mapped[str] = mapped_column(ID, primary_key=True)  # ddexrel-icpn-... / -grid- / -prop-
    sender: Mapped[str] = mapped_column(String(64))
    icpn: Mapped[str | None] = mapped_column(String(20), index=True)
    grid: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    recording_ids: Mapped[list] = mapped_column(JSON, default=list)
    deals: Mapped[list] = mapped_column(JSON, default=list)
    message_id: Mapped[str] = mapped_column(String(200))  # provenance: the latest message
    message_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_down_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    subtitle: Mapped[str | None] = mapped_column(String(500))  # title is the title proper
    display_title: Mapped[str | None] = mapped_column(String(500))
    release_type: Mapped[str | None] = mapped_column(String(64))


class DdexRecordingRow(Base):
    """What DDEX says about a registry recording beyond the registry's own fields: credits as
    sent, the AI disclosure, and whether it is withdrawn (taken down: no new use)."""

    __tablename__ = "catalog_ddex_recordings"
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id"), primary_key=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("catalog_ddex_releases.id"), index=True)
    isrc: Mapped[str] = mapped_column(String(12), index=True)
    message_id: Mapped[str] = mapped_column(String(200))  # provenance: the latest message
    display_artists: Mapped[list] = mapped_column(JSON, default=list)  # [{party, name, role}]
    contributors: Mapped[list] = mapped_column(JSON, default=list)  # [{party, name, roles}]
    ai_disclosure: Mapped[dict] = mapped_column(JSON, default=dict)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))  # message id
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(String(500))  # the title proper
    subtitle: Mapped[str | None] = mapped_column(String(500))
    display_title: Mapped[str | None] = mapped_column(String(500))
    proprietary_id: Mapped[str | None] = mapped_column(String(300))  # namespace:id, no ISRC


class DdexResourceRow(Base):
    """A release's resource that is not a sound recording (Video, Image, Text, SheetMusic,
    Software, MIDI, UserDefinedResource), as the latest message described it."""

    __tablename__ = "catalog_ddex_resources"
    release_id: Mapped[str] = mapped_column(ForeignKey("catalog_ddex_releases.id"),
                                            primary_key=True)
    resource_ref: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    type: Mapped[str | None] = mapped_column(String(100))
    ids: Mapped[list] = mapped_column(JSON, default=list)  # [[element, value], ...]
    title: Mapped[str | None] = mapped_column(String(500))
    message_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DdexReleaseLabelRow(Base):
    """A label that released a release: a registry party (role `label`)."""

    __tablename__ = "catalog_ddex_release_labels"
    release_id: Mapped[str] = mapped_column(ForeignKey("catalog_ddex_releases.id"),
                                            primary_key=True)
    party_id: Mapped[str] = mapped_column(String(96), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(String(300))
    master_rights_controller: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str] = mapped_column(String(200))


class DdexClaimRow(Base):
    """Which sender's DDEX message a registry recording or work (or a release id) last came
    from: the claim in force. Another sender's differing claim opens a dispute."""

    __tablename__ = "catalog_ddex_claims"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # recording|work|release
    entity_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    sender: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DdexDisputeRow(Base):
    """Two senders' conflicting claims on one recording, work or release id. The earlier claim
    stays in force until an admin resolves the dispute (keep it, or accept the new claim)."""

    __tablename__ = "catalog_ddex_disputes"
    id: Mapped[str] = mapped_column(String(96), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # recording | work | release
    entity_id: Mapped[str] = mapped_column(String(96), index=True)
    key: Mapped[str] = mapped_column(String(300))  # ISRC, ISWC, ICPN/GRid as sent
    earlier_sender: Mapped[str] = mapped_column(String(64))
    earlier_message_id: Mapped[str] = mapped_column(String(200))
    claimant_sender: Mapped[str] = mapped_column(String(64))
    claimant_message_id: Mapped[str] = mapped_column(String(200))
    fields: Mapped[list] = mapped_column(JSON, default=list)  # the fields that differ
    earlier: Mapped[dict] = mapped_column(JSON, default=dict)  # the claim in force, as data
    claimed: Mapped[dict] = mapped_column(JSON, default=dict)  # the new claim, as data
    document: Mapped[dict] = mapped_column(JSON, default=dict)  # applied if accepted
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | kept | accepted
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolution_note: Mapped[str | None] = mapped_column(Text)
