"""The command line over the rights services: JSON output, exit codes, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from accord.cli.main import app
from accord.rights.document import json_schema
from tests.rights_language import Scenario

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def run(home: Path, *args: str) -> dict:
    result = runner.invoke(app, ["--home", str(home), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def hand_built(path: Path) -> Path:
    """Label signed; two featured artists, Bea opted in, Cal never did."""
    s = Scenario()
    s.label("label"); s.publisher("pub"); s.writer("ada")  # noqa: E702
    s.artist("bea"); s.artist("cal")  # noqa: E702
    s.work("w1", writers=["ada"], publishers=["pub"])
    s.recording("r1", "w1", artists=["bea", "cal"], masters=["label"], isrc="XDTST2600002")
    s.agreement("label", ["train"], valid_from="2026-01-01")
    s.agreement("pub", ["train"], valid_from="2026-01-01")
    s.opt_in("ada", "train", "2026-01-01")
    s.opt_in("bea", "train", "2026-01-01")
    path.write_text(yaml.safe_dump(s.doc))
    return path


def test_init_is_idempotent(tmp_path):
    first = run(tmp_path, "init")
    second = run(tmp_path, "init")
    assert first == second and (tmp_path / "accord.db").exists()


def test_hand_built_case_end_to_end(tmp_path):
    run(tmp_path, "init")
    doc = hand_built(tmp_path / "rights.yaml")
    assert run(tmp_path, "rights", "import", str(doc))["created"]["recordings"] == 1
    denied = run(tmp_path, "rights", "check", "--use", "train", "--recording", "XDTST2600002",
                 "--at", "2026-02-01")
    assert denied["allowed"] is False
    assert any("'cal (test)'" in r for r in denied["reasons"])
    run(tmp_path, "rights", "grant", "--party", "cal", "--use", "train",
        "--effective", "2026-02-15")
    assert run(tmp_path, "rights", "check", "--use", "train", "--recording", "r1",
               "--at", "2026-03-01")["allowed"] is True
    run(tmp_path, "rights", "revoke", "--party", "cal", "--use", "train",
        "--effective", "2026-04-01", "--reason", "leaving the label")
    before = run(tmp_path, "rights", "check", "--use", "train", "--recording", "r1",
                 "--at", "2026-03-31T23:59:59Z")
    after = run(tmp_path, "rights", "check", "--use", "train", "--recording", "r1",
                "--at", "2026-04-01")
    assert before["allowed"] is True and after["allowed"] is False
    assert "revoked 'train'" in after["reasons"][0]
    history = run(tmp_path, "rights", "history", "cal")
    assert [c["action"] for c in history["consents"]] == ["opt_in", "revoke"]
    assert run(tmp_path, "audit", "verify")["ok"] is True


def test_withdraw_and_reinstate_a_recording_by_isrc(tmp_path):
    run(tmp_path, "init")
    run(tmp_path, "rights", "import", str(hand_built(tmp_path / "rights.yaml")))
    run(tmp_path, "rights", "grant", "--party", "cal", "--use", "train",
        "--effective", "2026-01-01")
    down = run(tmp_path, "rights", "withdraw", "XD-TST-26-00002", "--effective", "2026-05-01",
               "--reason", "distributor takedown")
    assert down["recording"] == "r1" and down["action"] == "withdraw"
    check = ("rights", "check", "--use", "train", "--recording", "r1", "--at")
    assert run(tmp_path, *check, "2026-04-30")["allowed"] is True
    denied = run(tmp_path, *check, "2026-05-02")
    assert denied["allowed"] is False
    assert "withdrawn effective 2026-05-01" in denied["reasons"][0]
    assert "distributor takedown" in denied["reasons"][0]
    run(tmp_path, "rights", "reinstate", "r1", "--effective", "2026-06-01")
    assert run(tmp_path, *check, "2026-06-02")["allowed"] is True
    shown = run(tmp_path, "rights", "show", "r1")
    assert [w["action"] for w in shown["withdrawals"]] == ["withdraw", "reinstate"]
    assert run(tmp_path, "audit", "verify")["ok"] is True
    bad = runner.invoke(app, ["--home", str(tmp_path), "rights", "withdraw", "no-such"])
    assert bad.exit_code == 2 and "no recording with id or ISRC 'no-such'" in bad.output


def test_withdrawals_in_a_document_are_validated_and_imported_once(tmp_path):
    run(tmp_path, "init")
    doc = yaml.safe_load(hand_built(tmp_path / "rights.yaml").read_text())
    doc["withdrawals"] = [{"id": "wd-1", "recording": "r9", "action": "withdraw",
                           "effective_at": "2026-05-01"}]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(doc))
    bad = runner.invoke(app, ["--home", str(tmp_path), "rights", "import",
                              str(tmp_path / "bad.yaml")])
    assert bad.exit_code == 2 and "withdrawals[0].recording" in bad.output
    assert "unknown recording 'r9'" in bad.output
    doc["withdrawals"][0]["recording"] = "r1"
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(doc))
    assert run(tmp_path, "rights", "import", str(tmp_path / "good.yaml"))["created"][
        "withdrawals"] == 1
    assert run(tmp_path, "rights", "import", str(tmp_path / "good.yaml"))["unchanged"][
        "withdrawals"] == 1
    doc["withdrawals"][0]["effective_at"] = "2026-05-02"  # an event is never edited
    (tmp_path / "edit.yaml").write_text(yaml.safe_dump(doc))
    edit = runner.invoke(app, ["--home", str(tmp_path), "rights", "import",
                               str(tmp_path / "edit.yaml")])
    assert edit.exit_code == 2 and "already recorded with different content" in edit.output


def test_bad_document_exits_2_names_the_place_and_writes_nothing(tmp_path):
    run(tmp_path, "init")
    doc = yaml.safe_load(hand_built(tmp_path / "r.yaml").read_text())
    doc["recordings"][0]["masters"][0]["share"] = "99.5"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc))
    result = runner.invoke(app, ["--home", str(tmp_path), "rights", "import", str(bad)])
    assert result.exit_code == 2
    assert "recordings[0].masters" in result.output and "sum to 99.5" in result.output
    assert run(tmp_path, "audit", "verify")["entries"] == 0


@pytest.mark.parametrize("args, message", [
    (["rights", "check", "--use", "fly", "--work", "w1"], "unknown use 'fly'"),
    (["rights", "check", "--use", "train", "--work", "nope"], "no work with id or ISWC"),
    (["rights", "check", "--use", "train", "--work", "w1", "--at", "soon"], "not an ISO 8601"),
    (["rights", "check", "--use", "train"], "exactly one of a recording or a work"),
    (["rights", "import", "missing.yaml"], "no such file"),
])
def test_bad_arguments_exit_2_with_a_clear_message(tmp_path, args, message):
    """Through the real entry point (`accord` main), as a user would see it."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "accord.cli.main", "--home", str(tmp_path), "init"],
                   check=True, capture_output=True)
    proc = subprocess.run([sys.executable, "-m", "accord.cli.main", "--home", str(tmp_path),
                           *args], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr


def test_malformed_yaml_names_line(tmp_path):
    run(tmp_path, "init")
    bad = tmp_path / "broken.yaml"
    bad.write_text("accord_rights_document: 1\nparties: [\n  {id: x\n")
    result = runner.invoke(app, ["--home", str(tmp_path), "rights", "import", str(bad)])
    assert result.exit_code == 2
    assert "malformed JSON/YAML at line" in result.output


def test_commands_need_an_initialised_home(tmp_path):
    result = runner.invoke(app, ["--home", str(tmp_path / "none"), "audit", "verify"])
    assert result.exit_code == 2 and "accord init" in result.output


def test_shipped_json_schema_is_current_and_validates_the_example():
    import jsonschema

    shipped = json.loads((ROOT / "docs/rights-document.schema.json").read_text())
    assert shipped == json_schema(), "run: accord rights schema -o docs/rights-document.schema.json"
    example = yaml.safe_load((ROOT / "docs/examples/rights.yaml").read_text())
    jsonschema.validate(json.loads(json.dumps(example, default=str)), shipped)


@pytest.mark.slow  # the whole demo, twice
def test_demo_runs_in_a_fresh_home_and_refuses_foreign_homes(tmp_path):
    report = run(tmp_path / "demo", "demo", "--fresh")
    decisions = [c["allowed"] for c in report["rights"]["checks"]]
    assert decisions[:6] == [False, True, True, False, False, True]
    takedown = report["rights"]["checks"][4]
    assert [m["condition"] for m in takedown["missing"]] == [4]
    assert "withdrawn effective 2026-04-01" in takedown["reasons"][0]
    assert report["rights"]["audit"]["ok"]
    delivery, down = report["catalog"]["ddex"]  # the demo single: delivered, then taken down
    assert (delivery["kind"], down["kind"]) == ("new", "takedown")
    assert not delivery["allowed"] and not any("withdrawn" in m for m in delivery["missing"])
    assert any("withdrawn" in m for m in down["missing"])
    again = run(tmp_path / "demo", "demo", "--fresh")  # a demo home may be wiped and rebuilt
    assert again["rights"]["checks"] == report["rights"]["checks"]
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    result = runner.invoke(app, ["--home", str(foreign), "demo", "--fresh"])
    assert result.exit_code == 2 and "not empty" in result.output
    assert (foreign / "precious.txt").exists()
