"""A set's plays as events (pure): one `played` usage event per play for the royalty log, and
the DJ's own trail (`dj_play` listening events with the charged seconds).

Each `played` event carries the play's charged time as `seconds` (exact, from the timeline's
integer milliseconds: its share of the crossfades, the voice's time left out), stored by the
royalty log as `seconds_ms`. The royalty policy's `units.played_per` says how it counts: one play
("play", the default) or its milliseconds ("second"). The trail keeps the same milliseconds,
keyed by the same id.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from accord.dj.model import ListenEvent, ListenKind
from accord.dj.timeline import Charge
from accord.timeutil import fmt

FEATURE = "dj"


def play_id(set_id: str, position: int) -> str:
    return f"dj-{set_id}-{position:03d}"


def seconds(ms: int) -> str:
    """Milliseconds as an exact decimal string of seconds ("61.005")."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def usage_records(set_id: str, at: datetime, charges: list[Charge]) -> list[dict]:
    return [{"type": "usage", "id": play_id(set_id, c.position), "kind": "played",
             "feature": FEATURE, "occurred_at": fmt(at + timedelta(milliseconds=c.owned_from_ms)),
             "recording_id": c.recording_id, "seconds": seconds(c.charged_ms)} for c in charges]


def trail(set_id: str, listener: str, at: datetime, charges: list[Charge]) -> list[ListenEvent]:
    return [ListenEvent(play_id(set_id, c.position), listener, c.recording_id,
                        ListenKind.DJ_PLAY, at + timedelta(milliseconds=c.owned_from_ms),
                        c.charged_ms, set_id) for c in charges]
