"""The one adapter from creation's output record to attribution's input."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.attribution.inputs import from_output_record, load_output
from accord.config import Settings
from accord.creation.output import Output
from accord.errors import NotFound


def test_creation_output_becomes_an_attribution_input():
    out = Output(id="out-1", kind="style", created_at=datetime(2026, 11, 25, tzinfo=UTC),
                 model={"id": "model-1", "preset": "tiny"}, snapshot_id="ds-1",
                 merkle_root="ab" * 32, purpose="non_commercial", parameters={}, seed=3,
                 requested_seed=3, token_ids=(300, 1, 4, 5, 2), generated_from=2,
                 midi_path=Path("/x/output.mid"), conditioning_party="writer-bach",
                 source_work="work-1")
    inp = from_output_record(out)
    assert (inp.output_id, inp.model_id, inp.token_ids, inp.midi_path) == (
        "out-1", "model-1", (300, 1, 4, 5, 2), Path("/x/output.mid"))
    assert (inp.conditioning_party, inp.source_work) == ("writer-bach", "work-1")


def test_unknown_output_is_not_found(session, tmp_path):
    with pytest.raises(NotFound, match="no output with id 'nope'"):
        load_output(session, Settings(home=tmp_path), "nope")
