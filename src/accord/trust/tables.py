"""Storage of upload screening (the `trust` Alembic branch): screenings with their findings,
the flag events that keep a recording out of DJ candidates and royalty pools, appeals, and
the reference voices artists registered. Flags and appeals are append-only events; a
screening's current outcome is updated only through a review, which is itself recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.db.base import Base, UTCDateTime


class ScreeningRow(Base):
    __tablename__ = "trust_screenings"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    uploader: Mapped[str] = mapped_column(String(128), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(300))
    stored_path: Mapped[str] = mapped_column(String(1000), default="")
    size_bytes: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)
    fingerprint: Mapped[str] = mapped_column(Text, default="")  # Chromaprint (audio)
    title: Mapped[str] = mapped_column(String(500), default="")
    artists: Mapped[list] = mapped_column(JSON, default=list)
    disclosure: Mapped[dict] = mapped_column(JSON, default=dict)
    recording_id: Mapped[str | None] = mapped_column(String(128), index=True)
    outcome: Mapped[str] = mapped_column(String(32))  # current: screening's, or a review's
    screened_outcome: Mapped[str] = mapped_column(String(32))  # what the rules decided
    ai_label: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    policy_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # decided | appealed | reviewed
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class FindingRow(Base):
    __tablename__ = "trust_findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("trust_screenings.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)


class FlagEventRow(Base):
    """A recording flagged (kept out of DJ candidates and royalty pools) or cleared, from
    effective_at on, because of a screening's decision or its review."""

    __tablename__ = "trust_flag_events"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("trust_screenings.id"))
    recording_id: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(8))  # flag | clear | void
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_trust_flag_events_recording", "recording_id", "effective_at"),)


class AppealRow(Base):
    __tablename__ = "trust_appeals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("trust_screenings.id"), index=True)
    appellant: Mapped[str] = mapped_column(String(128))
    statement: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # open | decided
    reviewer: Mapped[str | None] = mapped_column(String(128))
    review_outcome: Mapped[str | None] = mapped_column(String(32))
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VoiceReferenceRow(Base):
    """A reference voice an artist registered (its Resemblyzer embedding, 256 floats)."""

    __tablename__ = "trust_voice_references"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party_id: Mapped[str] = mapped_column(String(128), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[list] = mapped_column(JSON)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
