"""Released outputs enter the royalty event log on their own.

Every output a creation request releases (CLI, HTTP job, demo) is one `generated` usage event
at its creation time, and the credits attribution stored for it are its `credit` events. Both
are appended through the event log's own validation and idempotency keys (`generated-<output>`
for the usage, `output|kind|item|role` for credits), so recording the same output twice counts
it once. Later usage of an output (streams, downloads) and revenue still arrive through
`accord royalties ingest`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.attribution import service as attribution
from accord.config import Settings
from accord.royalties import eventlog
from accord.timeutil import fmt

#: The revenue feature that creation outputs earn under (the policy's `create` pool).
FEATURE = "create"


@dataclass(frozen=True)
class ReleasedOutput:
    """What royalties needs of a released output: its id, the model that made it and when.
    The release workflow reads these from creation and hands them over (royalties does not
    import creation)."""

    id: str
    model_id: str
    created_at: datetime


def usage_record(output: ReleasedOutput) -> dict:
    """The `generated` usage event of one released output (pure)."""
    return {"type": "usage", "id": f"generated-{output.id}", "kind": "generated",
            "feature": FEATURE, "occurred_at": fmt(output.created_at),
            "output_id": output.id, "model_id": output.model_id}


def records(outputs: Iterable[ReleasedOutput], credits: dict[str, list[dict]]) -> list[dict]:
    """Each output's usage event followed by its credit events, in the given order (pure)."""
    out: list[dict] = []
    for o in outputs:
        out.append(usage_record(o))
        out += credits.get(o.id, [])
    return out


def record_released(session: Session, settings: Settings, outputs: list[ReleasedOutput]
                    ) -> eventlog.IngestSummary:
    """Append the usage and credit events of outputs that attribution has credited. Call it
    after the credits are committed: the event log is files, outside the database's
    transaction, and a repeat is harmless."""
    credits = {o.id: attribution.royalty_credit_events(session, o.id) for o in outputs}
    return eventlog.ingest_records(settings.events_dir,
                                   list(enumerate(records(outputs, credits), 1)), "creation")
