"""Through the CLI on a real home (catalogue import, snapshot, tiny model): index, a sample with a
planted quotation, `accord credits` (text and --json), storage, and the royalty engine's ingest
of the stored credits."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from accord.attribution import service
from accord.catalog.importer import import_corpus
from accord.cli.main import app
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.royalties import eventlog
from accord.training import dataset_service
from accord.training import service as training

runner = CliRunner()


def _run(home: Path, *args: str):
    result = runner.invoke(app, ["--home", str(home), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("attr-home")
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0
    s = Settings(home=home)
    assert import_corpus(s, ["essenFolksong"], limit=12, workers=1).imported >= 10
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with session_scope(make_engine(s.db_url)) as session:
            snap = dataset_service.build(session, s)
            model = training.train_model(session, s, snap.id, "tiny", max_steps=60, samples=0,
                                         progress=False)
    finally:
        torch.set_num_threads(before)
    return home, model["id"], snap.id


@pytest.mark.slow
def test_index_sample_credits_store_and_royalties(home):
    home, model, snap = home
    built = _run(home, "attribution", "index", "--model", model)
    assert {b["method"] for b in built} == {"symbolic", "trak"} and all(b["created"]
                                                                      for b in built)
    assert all(Path(b["path"]).parent.parent.name == model for b in built)
    again = _run(home, "attribution", "index", "--model", model, "--method", "symbolic")
    assert not again[0]["created"]

    work = dataset_service.items(Settings(home=home), snap)[2].item_id
    sample = _run(home, "attribution", "sample", "--model", model, "--seed", "1",
                  "--quote", f"{work}:1:24")
    out = _run(home, "credits", sample["output_id"])
    assert out["stored"] and out["method"] == {"name": "symbolic", "version": "1"}
    assert sum(Decimal(c["share"]) for c in out["credits"]) == 1
    assert out["total_share"] == "1.000000"
    top = out["credits"][0]
    assert top["item_id"] == work and top["role"] == "training"
    assert {"share", "role", "item_kind", "item_id", "title", "artists", "rights_holders",
            "evidence", "evidence_summary", "score", "rank"} <= set(top)
    assert top["artists"][0]["id"] == "writer-essenfolksong"
    assert {h["role"] for h in top["rights_holders"]} == {"publisher"}
    assert top["evidence"]["passages"] and "work bars" in top["evidence_summary"]
    assert out["provenance"]["credits"][0] == {"work": work, "role": "training",
                                               "share": top["share"]}
    assert len(out["provenance"]["credits_sha256"]) == 64

    # stored once: asking again returns the same credits; another method is computed, not stored
    assert _run(home, "credits", sample["output_id"])["credits"] == out["credits"]
    trak = _run(home, "credits", sample["output_id"], "--method", "trak")
    assert not trak["stored"] and trak["method"]["name"] == "trak"
    assert sum(Decimal(c["share"]) for c in trak["credits"]) == 1
    text = runner.invoke(app, ["--home", str(home), "credits", sample["output_id"]])
    assert text.exit_code == 0 and "total 1.000000" in text.stdout

    # the royalty engine ingests the stored credits as its credit events
    s = Settings(home=home)
    with session_scope(make_engine(s.db_url)) as session:
        events = service.royalty_credit_events(session, sample["output_id"])
    summary = eventlog.ingest_records(s.events_dir, list(enumerate(events, 1)), "test")
    assert summary.rejected == 0 and summary.accepted["credits"] == len(events)
    credited = eventlog.credits(s.events_dir)
    assert sum(c.share_ppm for c in credited) == 1_000_000
    assert {c.item_id for c in credited} == {c["item_id"] for c in out["credits"]}


@pytest.mark.slow
def test_unknown_output_and_method_exit_2(home):
    home, _, _ = home
    r = runner.invoke(app, ["--home", str(home), "credits", "no-such-output"])
    assert r.exit_code == 2 and "no output with id 'no-such-output'" in r.output
    r = runner.invoke(app, ["--home", str(home), "credits", "x", "--method", "guess"])
    assert r.exit_code == 2 and "unknown attribution method 'guess'" in r.output
