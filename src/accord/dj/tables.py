"""DJ tables: features stored once per recording, and listener settings as appended events.
(Listening events live in Parquet files under the home: see `dj.listens`.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.db.base import Base, UTCDateTime


class DjFeaturesRow(Base):
    """Key, tempo and energy of one recording: analysed once, read by every set."""

    __tablename__ = "dj_recording_features"
    recording_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    camelot: Mapped[str | None] = mapped_column(String(3))
    tempo_bpm: Mapped[float] = mapped_column(Float)
    energy: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # symbolic | audio
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DjListenerSettingRow(Base):
    """A listener's 'no AI-generated music' switch, appended on every change (latest wins)."""

    __tablename__ = "dj_listener_settings"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listener_id: Mapped[str] = mapped_column(String(96), index=True)
    no_ai: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
