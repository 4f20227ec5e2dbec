"""Through the CLI: playable audio whose credential verifies; a changed byte fails with exit 1;
a refused style request exits 2 with its reason; bad input exits 2 naming the option."""

import json
import shutil

import pytest
from creation.conftest import ESSEN
from typer.testing import CliRunner

from accord.catalog.audio import probe
from accord.cli.main import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def _cli(home, *args):
    return runner.invoke(app, ["--home", str(home.settings.home), *args])


def test_create_then_verify_then_tamper(home, tmp_path):
    r = _cli(home, "create", "new", "--model", home.model_id, "--seconds", "6", "--seed", "21",
             "--format", "mp3", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)["outputs"][0]
    mp3 = out["files"]["mp3"]
    info = probe(__import__("pathlib").Path(mp3))
    assert 4.0 <= info.duration_s <= 8.5 and info.loudness_lufs == pytest.approx(-14, abs=1)

    v = _cli(home, "verify", mp3, "--json")
    assert v.exit_code == 0, v.output
    facts = json.loads(v.stdout)["facts"]
    assert facts["output_id"] == out["id"] and facts["training_mining"]["use"] == "notAllowed"
    assert facts["model"]["id"] == home.model_id

    bad = tmp_path / "changed.mp3"
    shutil.copy(mp3, bad)
    data = bytearray(bad.read_bytes())
    data[-2000] ^= 0x10
    bad.write_bytes(bytes(data))
    v = _cli(home, "verify", str(bad))
    assert v.exit_code == 1 and "does NOT verify" in v.output

    listed = _cli(home, "outputs", "list", "--json")
    assert out["id"] in [o["id"] for o in json.loads(listed.stdout)]
    shown = json.loads(_cli(home, "outputs", "show", out["id"], "--json").stdout)
    assert shown["token_ids"] and shown["model"]["id"] == home.model_id


def test_refusals_and_bad_input_exit_2_with_the_reason(home):
    r = _cli(home, "create", "style", "--artist", ESSEN, "--model", home.model_id)
    assert r.exit_code == 2 and "has not opted in to 'style'" in r.output
    r = _cli(home, "create", "new", "--model", home.model_id, "--top-p", "2")
    assert r.exit_code == 2 and "--top-p" in r.output
    r = _cli(home, "create", "new", "--model", "model-nope")
    assert r.exit_code == 2 and "no model with id 'model-nope'" in r.output


def test_a_planted_copy_is_refused_through_the_cli(home):
    planted = home.midi_of(home.items()[1].item_id)
    r = _cli(home, "create", "continue", str(planted), "--model", home.model_id, "--seed", "4")
    assert r.exit_code == 2 and "no output was released" in r.output
    assert "reproduces a training work" in r.output
    events = json.loads(_cli(home, "outputs", "guard-events", "--json").stdout)
    assert any(e["work_id"] == home.items()[1].item_id and e["action"] == "refused"
               for e in events)
