"""End to end through the CLI, from the catalogue's own import of real corpus pieces:
build a snapshot, verify it, train the tiny preset, read the card, revoke, audit, retrain."""

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.catalog.importer import import_corpus
from accord.cli.main import app
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.errors import Refused
from accord.training import service

runner = CliRunner()


def _run(home: Path, *args: str) -> dict | list:
    result = runner.invoke(app, ["--home", str(home), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A home with Essen songs (writer opted in to train only) and O'Neill's tunes (writer opted
    in to train and style, revoked train from 2026-06-01): the catalogue's consent fixture."""
    home = tmp_path_factory.mktemp("home")
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0
    report = import_corpus(Settings(home=home), ["essenFolksong", "oneills1850"], limit=11,
                           workers=1)
    assert report.imported >= 16, report.to_json()
    return home


@pytest.mark.slow
def test_snapshot_train_card_revoke_audit_retrain(home):
    snap = _run(home, "dataset", "build", "--use", "train", "--at", "2026-03-01",
                "--purpose", "non_commercial")
    assert snap["created"] and snap["items"] >= 16
    again = _run(home, "dataset", "build", "--use", "train", "--at", "2026-03-01")
    assert again["id"] == snap["id"] and not again["created"]
    assert _run(home, "dataset", "verify", snap["id"])["ok"]

    folder = Path(snap["path"])
    manifest = [json.loads(x) for x in (folder / "manifest.jsonl").read_text().splitlines()]
    oneill = [e for e in manifest if "writer-oneills1850" in e["artists"]]
    essen = [e for e in manifest if "writer-essenfolksong" in e["artists"]]
    assert oneill and essen and all(e["evidence"] for e in manifest)
    assert all(e["conditioning"] == ["writer-oneills1850"] for e in oneill)  # opted in to style
    assert all(e["conditioning"] == [] for e in essen)  # never opted in to style
    sheet = json.loads((folder / "datasheet.json").read_text())
    assert sheet["items"] == snap["items"] and "encoder-essen" in sheet["by_rights_holder"]
    assert "Training-content summary" in (folder / "summary.md").read_text()

    model = _run(home, "model", "train", "--snapshot", snap["id"], "--preset", "tiny",
                 "--max-steps", "30", "--samples", "1")
    assert model["status"] == "active" and model["purpose"] == "non_commercial"
    assert model["val_nats_per_token"] < 5.0  # well below uniform (5.8) after 30 steps
    files = Settings(home=home).models_dir / model["id"]
    assert {"model.pt", "tokenizer.json", "metrics.json", "ckpt.pt"} <= {
        p.name for p in files.iterdir()}
    tok = json.loads((files / "tokenizer.json").read_text())
    assert tok["conditioning"]["artists"] == ["writer-oneills1850"]
    card = _run(home, "model", "card", model["id"])
    assert card["purpose"] == "non_commercial" and "non-commercial" in card["intended_use"]
    assert card["training_data"]["merkle_root"] == snap["merkle_root"]
    assert _run(home, "model", "list")[0]["id"] == model["id"]

    # before the revocation nothing is flagged; after it the O'Neill items are
    assert _run(home, "model", "audit", "--at", "2026-05-01") == []
    flagged = _run(home, "model", "audit", "--at", "2026-07-01")
    assert flagged[0]["model"] == model["id"] and flagged[0]["status"] == "retired"
    assert flagged[0]["rights_holders"] == ["writer-oneills1850"]
    assert {a["item"] for a in flagged[0]["affected_items"]} == {e["item_id"] for e in oneill}
    engine = make_engine(Settings(home=home).db_url)
    with session_scope(engine) as session, pytest.raises(Refused):
        service.require_active_model(session, model["id"])

    later = _run(home, "dataset", "build", "--use", "train", "--at", "2026-07-01")
    assert later["items"] == snap["items"] - len(oneill)

    new = _run(home, "model", "retrain", model["id"], "--at", "2026-07-01", "--max-steps", "5",
               "--samples", "0")
    assert new["replaces"] == model["id"] and new["snapshot"]["id"] == later["id"]

    # immutability: any edited byte is caught
    manifest_path = folder / "manifest.jsonl"
    os.chmod(manifest_path, 0o644)
    manifest_path.write_text(manifest_path.read_text().replace('"duration_s":', '"duration_s":1'))
    bad = runner.invoke(app, ["--home", str(home), "dataset", "verify", snap["id"]])
    assert bad.exit_code == 2 and "does NOT verify" in bad.output
    assert "manifest.jsonl" in bad.output


def test_nothing_permitted_is_refused(tmp_path):
    assert runner.invoke(app, ["--home", str(tmp_path), "init"]).exit_code == 0
    r = runner.invoke(app, ["--home", str(tmp_path), "dataset", "build", "--use", "train"])
    assert r.exit_code == 2 and "nothing in the catalogue is permitted" in r.output
