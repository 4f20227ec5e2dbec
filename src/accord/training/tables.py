"""Training tables: dataset snapshots (with their items, for audits) and model versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.db.base import Base, UTCDateTime

ID = String(96)


class DatasetSnapshotRow(Base):
    """An immutable snapshot; its files live under settings.datasets_dir/<id>/."""

    __tablename__ = "dataset_snapshots"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    merkle_root: Mapped[str] = mapped_column(String(64))
    use: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    item_count: Mapped[int] = mapped_column(Integer)
    datasheet: Mapped[dict] = mapped_column(JSON)


class SnapshotItemRow(Base):
    __tablename__ = "dataset_snapshot_items"
    snapshot_id: Mapped[str] = mapped_column(ForeignKey("dataset_snapshots.id"),
                                             primary_key=True)
    item_id: Mapped[str] = mapped_column(ID, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    rights_holders: Mapped[list] = mapped_column(JSON)
    artists: Mapped[list] = mapped_column(JSON)
    evidence: Mapped[list] = mapped_column(JSON)


Index("ix_dataset_snapshot_items_item", SnapshotItemRow.item_id)


class ModelVersionRow(Base):
    """A trained model and its lineage. Only `status` (and the retirement fields) ever change."""

    __tablename__ = "model_versions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    snapshot_id: Mapped[str] = mapped_column(ForeignKey("dataset_snapshots.id"))
    merkle_root: Mapped[str] = mapped_column(String(64))
    preset: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    tokenizer: Mapped[dict] = mapped_column(JSON)
    hyperparameters: Mapped[dict] = mapped_column(JSON)
    metrics: Mapped[dict] = mapped_column(JSON)
    weights_sha256: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_reason: Mapped[str | None] = mapped_column(Text)
    replaces: Mapped[str | None] = mapped_column(ID)
