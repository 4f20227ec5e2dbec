"""The release workflow: what happens to the outputs a creation request releases.

  1. create: `creation.service.create` checks the request, samples, guards and stores outputs;
  2. credit: attribution credits every released output (stored credits, re-signed credentials);
  3. record: each output's `generated` usage and its credits enter the royalty event log.

Steps 2 and 3 span three contexts; they live here, once, and the CLI (`accord create`), the HTTP
API's creation job and the demo call `release` (or `create_and_release`). Step 3 runs after the
credits are committed: the event log is files outside the database's transaction, and recording
the same output twice counts it once (the log's idempotency keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from accord.config import Settings
from accord.db.engine import session_scope

Progress = Callable[[str, int, int], None]


@dataclass
class Released:
    """What releasing outputs did: the outputs (re-read: their credentials now carry the
    credits), attribution's full result and provenance summary per output, and the royalty
    event log's ingest summary."""

    outputs: list = field(default_factory=list)
    results: dict[str, dict] = field(default_factory=dict)
    credits: dict[str, dict] = field(default_factory=dict)
    royalty_events: object | None = None


def release(engine: Engine, settings: Settings, output_ids: list[str],
            progress: Progress | None = None) -> Released:
    """Credit the outputs (one transaction), then record their usage and credits for royalties.
    Nothing is done for an empty list."""
    from accord.attribution import service as attribution  # torch: only when something is made
    from accord.creation import service as creation
    from accord.royalties import released

    done = Released()
    if not output_ids:
        return done
    with session_scope(engine) as session:
        for i, oid in enumerate(output_ids):
            if progress:
                progress("attributing", i, len(output_ids))
            result = attribution.credit_output(session, settings, oid)
            done.results[oid] = result
            done.credits[oid] = attribution.provenance_summary(result)
        done.outputs = [creation.get_output(session, oid) for oid in output_ids]
    with session_scope(engine) as session:  # after the credits are committed
        done.royalty_events = released.record_released(
            session, settings, released_outputs(done.outputs))
    return done


def released_outputs(outputs) -> list:
    """Creation's outputs as the facts royalties records (id, model, time)."""
    from accord.royalties.released import ReleasedOutput

    return [ReleasedOutput(o.id, o.model_id, o.created_at) for o in outputs]


def create_and_release(engine: Engine, settings: Settings, request,
                       progress: Progress | None = None):
    """The whole workflow for one creation request: (creation result, Released). The result's
    outputs are replaced by their re-read, credited versions."""
    from accord.creation import service as creation

    with session_scope(engine) as session:
        result = creation.create(session, settings, request, progress=progress)
    done = release(engine, settings, [o.id for o in result.outputs], progress)
    if done.outputs:
        result.outputs = done.outputs
    return result, done
