"""Storage of royalty runs and the ledger (the `royalties` Alembic branch)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.db.base import Base, UTCDateTime


class RoyaltyRunRow(Base):
    """One run: it closed `period` (a period is run once; corrections go to later runs)."""

    __tablename__ = "royalty_runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)
    engine: Mapped[str] = mapped_column(String(16))
    policy_name: Mapped[str] = mapped_column(String(128))
    policy_version: Mapped[str] = mapped_column(String(64))
    policy_hash: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class RoyaltyRevisionRow(Base):
    """A period's distribution as computed by a run: the original, or a later recomputation
    whose difference that run booked as an adjustment."""

    __tablename__ = "royalty_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("royalty_runs.id"))
    for_period: Mapped[str] = mapped_column(String(7))
    fingerprint: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    account: Mapped[str] = mapped_column(String(256))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (Index("ix_royalty_revisions_for_period", "for_period"),)


class LedgerEntryRow(Base):
    """One posting; the postings of a transaction in a currency sum to zero."""

    __tablename__ = "royalty_ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("royalty_runs.id"))
    period: Mapped[str] = mapped_column(String(7))
    txn: Mapped[str] = mapped_column(String(128))
    account: Mapped[str] = mapped_column(String(256))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(String(256), default="")
    __table_args__ = (Index("ix_royalty_ledger_account", "account"),
                      Index("ix_royalty_ledger_period", "period"))
