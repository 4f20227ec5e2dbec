"""Storage of attributions (the `attribution` Alembic branch). Append-only: an output is
attributed once; its credits are never edited (a different attribution is a new output)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.db.base import Base, ExactDecimal, UTCDateTime

ID = String(96)


class OutputAttributionRow(Base):
    """One output's attribution: which model, method and policy produced its credits.
    `output_id` names creation's output (no foreign key: creation owns that table)."""

    __tablename__ = "output_attributions"
    output_id: Mapped[str] = mapped_column(ID, primary_key=True)
    model_id: Mapped[str] = mapped_column(ID, index=True)
    method: Mapped[str] = mapped_column(String(32))
    method_version: Mapped[str] = mapped_column(String(16))
    policy: Mapped[dict] = mapped_column(JSON)
    input: Mapped[dict] = mapped_column(JSON)  # the AttributionInput, minus token ids
    seconds: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutputCreditRow(Base):
    """One credit: a share of the output for a work in a role, with the evidence behind it and
    the work's people and rights holders as the registry named them at attribution time."""

    __tablename__ = "output_credits"
    output_id: Mapped[str] = mapped_column(ForeignKey("output_attributions.output_id"),
                                           primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[str] = mapped_column(ID, primary_key=True)
    share: Mapped[Decimal] = mapped_column(ExactDecimal)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict] = mapped_column(JSON)
    parties: Mapped[dict] = mapped_column(JSON)


Index("ix_output_credits_item", OutputCreditRow.item_id)
