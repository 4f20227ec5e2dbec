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


def test_a_released_output_pays_its_credited_holders_through_the_event_log(home, tmp_path):
    """`accord create` records the output's `generated` usage and its credits in the royalty
    event log (once, however often the same request is made); revenue for its month then pays
    exactly the holders of the works it credits."""
    from decimal import Decimal

    from accord.db.engine import make_engine, session_scope
    from accord.rights import repository
    from accord.royalties import eventlog

    args = ("create", "new", "--model", home.model_id, "--bars", "4", "--seed", "33", "--json")
    r = _cli(home, *args)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    out = data["outputs"][0]
    credited = {c["work"] for c in data["credits"][out["id"]]["credits"]}
    assert data["royalty_events"]["accepted"] == {"usage": 1, "credits": len(credited)}
    events = home.settings.events_dir
    usage = [u for u in eventlog.usage_events(events) if u.output_id == out["id"]]
    assert [(u.kind.value, u.feature, u.period) for u in usage] == [
        ("generated", "create", out["created_at"][:7])]
    assert {c.item_id for c in eventlog.credits(events) if c.output_id == out["id"]} == credited

    again = json.loads(_cli(home, *args).stdout)  # the same request and seed: counted once
    assert again["royalty_events"]["accepted"] == {}
    assert again["royalty_events"]["duplicates"] == 1 + len(credited)

    period = out["created_at"][:7]
    revenue = tmp_path / "revenue.jsonl"
    revenue.write_text(json.dumps({"type": "revenue", "id": "test-rev-create", "feature": "create",
                                   "period": period, "territory": "WW", "currency": "EUR",
                                   "amount": "100.00"}) + "\n")
    assert _cli(home, "royalties", "ingest", str(revenue)).exit_code == 0
    run = _cli(home, "royalties", "run", "--period", period, "--json")
    assert run.exit_code == 0, run.output
    summary = json.loads(run.stdout)
    with session_scope(make_engine(home.settings.db_url)) as s:
        holders = {sh.party_id for w in credited for sh in (
            repository.work_rights(s, w).writers + repository.work_rights(s, w).publishers)}
    paid = {p for p, cur in summary["payees"].items() if "EUR" in cur}
    assert paid and paid <= holders
    total = sum(Decimal(next(iter(v["EUR"].values()))) for v in summary["payees"].values())
    total += sum(Decimal(v["EUR"]["amount"]) for v in summary["withheld"].values())
    total += Decimal(summary["platform"]["EUR"]) + Decimal(summary["unallocated"]["EUR"])
    assert total == Decimal("100.00")


def test_create_a_tune_in_a_form_with_its_arrangement(home):
    r = _cli(home, "create", "new", "--model", home.model_id, "--bars", "8", "--meter", "6/8",
             "--form", "AABB", "--key", "D minor", "--arrangement", "irish", "--seed", "5",
             "--format", "wav", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)["outputs"][0]
    assert {"arrangement", "arrangement_sidecar"} <= set(out["files"])
    v = json.loads(_cli(home, "verify", out["files"]["wav"], "--json").stdout)
    shaped = v["facts"]["parameters"]["shaped"]
    assert shaped["bars"] == 8 and shaped["meter"] == "6/8" and shaped["key"] == "D minor"
    assert shaped["constraints"]["form"] == "AABB" and shaped["constraints"]["ok"]
    assert v["facts"]["arrangement"]["style"] == "irish"

    bad = _cli(home, "create", "new", "--model", home.model_id, "--bars", "8", "--form", "ABC")
    assert bad.exit_code == 2 and "--form" in bad.output and "do not divide" in bad.output
