"""Recordings the DJ must never play because trust flagged them: ONE function, the seam.

Trust (upload screening) is built in parallel and will expose
`accord.trust.service.excluded_recordings(session, at) -> set[str]`. Until it is merged this
returns the empty set; at merge the integrator replaces the body with that call (DESIGN.md
allows dj -> trust). Candidate selection (`dj.candidates.select`) takes the returned set as
its `excluded` argument and never plays a recording in it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def excluded_recordings(session: Session, at: datetime) -> set[str]:
    """Recording ids flagged by trust at `at` (wire to accord.trust.service at merge)."""
    return set()
