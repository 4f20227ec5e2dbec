"""Creation tables: every released output, and every memorization-guard event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.db.base import Base, UTCDateTime

ID = String(96)


class OutputRow(Base):
    """One generated piece: what was asked, from which model, with which files. Edited once at
    most: when attribution attaches the credits, the files are re-signed with them
    (`service.attach_credits`) and `files` / `provenance` follow."""

    __tablename__ = "creation_outputs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)  # content address (request.output_id)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    request: Mapped[dict] = mapped_column(JSON)
    parameters: Mapped[dict] = mapped_column(JSON)   # the params plus how the score was shaped
    seed: Mapped[int] = mapped_column(BigInteger)    # the seed actually sampled with
    requested_seed: Mapped[int] = mapped_column(BigInteger)
    model_id: Mapped[str] = mapped_column(ForeignKey("model_versions.id"), index=True)
    snapshot_id: Mapped[str] = mapped_column(ID)
    merkle_root: Mapped[str] = mapped_column(String(64))
    conditioning_party: Mapped[str | None] = mapped_column(ForeignKey("parties.id"), index=True)
    source_work: Mapped[str | None] = mapped_column(ForeignKey("works.id"), index=True)
    source_recording: Mapped[str | None] = mapped_column(ForeignKey("recordings.id"))
    permission: Mapped[dict] = mapped_column(JSON)   # evidence of style / remix decisions
    input_sha256: Mapped[str | None] = mapped_column(String(64))
    token_ids: Mapped[list] = mapped_column(JSON)    # the whole sequence (prompt + generated)
    generated_from: Mapped[int] = mapped_column(Integer)  # index of the first generated token
    midi_path: Mapped[str] = mapped_column(Text)     # absolute
    files: Mapped[dict] = mapped_column(JSON)        # role -> {path, sha256, bytes, ...}
    guard: Mapped[dict] = mapped_column(JSON)
    provenance: Mapped[dict] = mapped_column(JSON)   # the facts that were signed
    guard_passed: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class GuardEventRow(Base):
    """A candidate the memorization guard stopped: regenerated with a new seed, or refused."""

    __tablename__ = "creation_guard_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    output_id: Mapped[str] = mapped_column(ID, index=True)  # the id the output would have had
    model_id: Mapped[str] = mapped_column(ForeignKey("model_versions.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    work_id: Mapped[str | None] = mapped_column(ID)   # the training work reproduced
    coverage: Mapped[float] = mapped_column(Float)
    longest_run_notes: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    action: Mapped[str] = mapped_column(String(16))   # "regenerated" | "refused"
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
