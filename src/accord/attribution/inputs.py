"""Where attribution's inputs come from: creation's outputs (through one adapter) and, until
creation is wired in, samples this context makes itself (samples.py).

Creation was merged before this branch was finished, so the hook (`creation_output`,
`creation_output_ids`) already calls creation's service; `from_output_record` is the only place
that knows creation's field names.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from accord.atomic import write_text
from accord.attribution.model import AttributionInput
from accord.config import Settings
from accord.errors import NotFound


def from_output_record(out) -> AttributionInput:
    """ADAPTER: creation's `Output` record (accord.creation.output) -> the input. The only
    place that knows creation's field names."""
    midi = out.midi_path
    return AttributionInput(output_id=out.id, model_id=out.model_id,
                            midi_path=Path(midi) if midi else None,
                            token_ids=tuple(out.token_ids) if out.token_ids else None,
                            conditioning_party=out.conditioning_party or None,
                            source_work=out.source_work or None)


# --- the hook to creation's outputs (wired at the merge of creation) ---------------------------
def creation_output(session: Session, output_id: str) -> AttributionInput | None:
    """Creation's output `output_id` as an input, or None when creation has no such output."""
    from accord.creation import service as creation

    try:
        return from_output_record(creation.get_output(session, output_id))
    except NotFound:
        return None


def creation_output_ids(session: Session) -> list[str]:
    """Ids of every output creation has stored, oldest first."""
    from accord.creation import service as creation

    return [o.id for o in creation.list_outputs(session)]
# --- end of the hook -----------------------------------------------------------------------------


def samples_dir(settings: Settings) -> Path:
    return settings.home / "attribution" / "samples"


def save_sample(settings: Settings, inp: AttributionInput, sidecar: dict) -> Path:
    path = samples_dir(settings) / f"{inp.output_id}.json"
    write_text(path, json.dumps({"input": inp.to_json(), **sidecar}, indent=2,
                                sort_keys=True) + "\n")
    return path


def sample_ids(settings: Settings) -> list[str]:
    d = samples_dir(settings)
    return sorted(p.stem for p in d.glob("*.json")) if d.exists() else []


def load_sample(settings: Settings, output_id: str) -> AttributionInput:
    """An attribution sample of this context (`accord attribution sample`)."""
    path = samples_dir(settings) / f"{output_id}.json"
    if "/" not in output_id and path.exists():
        return AttributionInput.from_json(json.loads(path.read_text())["input"])
    raise NotFound(f"no output with id {output_id!r} (neither a creation output nor an "
                   "attribution sample)")


def load_output(session: Session, settings: Settings, output_id: str) -> AttributionInput:
    """The output named `output_id`: creation's, else a sample of this context."""
    found = creation_output(session, output_id)
    return found if found is not None else load_sample(settings, output_id)


def output_ids(session: Session, settings: Settings) -> list[str]:
    return creation_output_ids(session) + sample_ids(settings)
