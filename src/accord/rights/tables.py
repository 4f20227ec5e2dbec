"""Registry tables. Consents, terminations and the audit log are append-only."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accord.db.base import Base, ExactDecimal, UTCDateTime

ID = String(96)


class PartyRow(Base):
    __tablename__ = "parties"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    isni: Mapped[str | None] = mapped_column(String(32), unique=True)
    ipi: Mapped[str | None] = mapped_column(String(32), unique=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    roles: Mapped[list[PartyRoleRow]] = relationship(
        cascade="all, delete-orphan", order_by="PartyRoleRow.role")


class PartyRoleRow(Base):
    __tablename__ = "party_roles"
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class WorkRow(Base):
    __tablename__ = "works"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    iswc: Mapped[str | None] = mapped_column(String(20), unique=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    writers: Mapped[list[WorkWriterRow]] = relationship(
        cascade="all, delete-orphan", order_by="WorkWriterRow.party_id")
    publishers: Mapped[list[WorkPublisherRow]] = relationship(
        cascade="all, delete-orphan", order_by="WorkPublisherRow.party_id")


class WorkWriterRow(Base):
    __tablename__ = "work_writers"
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True, index=True)
    share: Mapped[Decimal] = mapped_column(ExactDecimal)


class WorkPublisherRow(Base):
    __tablename__ = "work_publishers"
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True, index=True)
    share: Mapped[Decimal] = mapped_column(ExactDecimal)


class RecordingRow(Base):
    __tablename__ = "recordings"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    work_id: Mapped[str] = mapped_column(ForeignKey("works.id"), index=True)
    isrc: Mapped[str | None] = mapped_column(String(12), unique=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    artists: Mapped[list[RecordingArtistRow]] = relationship(
        cascade="all, delete-orphan", order_by="RecordingArtistRow.party_id")
    masters: Mapped[list[RecordingMasterRow]] = relationship(
        cascade="all, delete-orphan", order_by="RecordingMasterRow.party_id")


class RecordingArtistRow(Base):
    __tablename__ = "recording_artists"
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True, index=True)


class RecordingMasterRow(Base):
    __tablename__ = "recording_masters"
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True, index=True)
    share: Mapped[Decimal] = mapped_column(ExactDecimal)


class AgreementRow(Base):
    __tablename__ = "agreements"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    licensor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    purpose: Mapped[str] = mapped_column(String(16))
    catalogue_all: Mapped[bool] = mapped_column(Boolean)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grace_period_days: Mapped[int] = mapped_column(Integer, default=0)
    revenue_terms: Mapped[dict] = mapped_column(JSON, default=dict)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uses: Mapped[list[AgreementUseRow]] = relationship(
        cascade="all, delete-orphan", order_by="AgreementUseRow.use")
    territories: Mapped[list[AgreementTerritoryRow]] = relationship(
        cascade="all, delete-orphan", order_by="AgreementTerritoryRow.territory")
    items: Mapped[list[AgreementItemRow]] = relationship(
        cascade="all, delete-orphan", order_by="AgreementItemRow.item_id")


class AgreementUseRow(Base):
    __tablename__ = "agreement_uses"
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    use: Mapped[str] = mapped_column(String(16), primary_key=True)


class AgreementTerritoryRow(Base):
    __tablename__ = "agreement_territories"
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    territory: Mapped[str] = mapped_column(String(8), primary_key=True)


class AgreementItemRow(Base):
    """A recording or work listed in (included=True) or excluded from (False) an agreement."""

    __tablename__ = "agreement_items"
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "recording" | "work"
    included: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (Index("ix_agreement_items_item", "item_id", "agreement_id"),)


class AgreementTerminationRow(Base):
    __tablename__ = "agreement_terminations"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), index=True)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsentEventRow(Base):
    __tablename__ = "consent_events"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"))
    use: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_consent_events_lookup", "use", "party_id", "effective_at", "action"),
    )


class RecordingWithdrawalRow(Base):
    """A takedown (or reinstatement) of a recording: an event, never edited."""

    __tablename__ = "recording_withdrawals"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id"))
    action: Mapped[str] = mapped_column(String(16))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        Index("ix_recording_withdrawals_lookup", "recording_id", "effective_at", "action"),
    )


class AuditRow(Base):
    """The hash-chained audit log: one row per registry change, never updated."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(ID)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
