"""Recordings the DJ must never play because upload screening (trust) flagged them: the seam.

DESIGN.md allows dj -> trust. Candidate selection (`dj.candidates.select`) takes the returned set
as its `excluded` argument and never plays a recording in it; a flag that is voided (an appeal
upheld) lets the recording back into the next set.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.trust import service as trust


def excluded_recordings(session: Session, at: datetime) -> set[str]:
    """Recording ids flagged by trust at `at`."""
    return trust.excluded_recordings(session, at)
