"""Dataset, model and royalty endpoints: the same services and JSON as the CLI, their errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from accord.cli.main import app as cli
from tests.api_support import make_world
from tests.web_support import MODEL, PERIOD, SNAPSHOT, enrich


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return enrich(make_world(tmp_path_factory.mktemp("api-training-royalties")))


def cli_out(world, *args) -> str:
    r = CliRunner().invoke(cli, ["--home", str(world.settings.home), *args])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_datasets_and_models_are_the_cli_json(world):
    h = world.headers("fan")
    assert world.client.get("/v1/datasets", headers=h).json() == json.loads(
        cli_out(world, "dataset", "list", "--json"))
    assert world.client.get("/v1/models", headers=h).json() == json.loads(
        cli_out(world, "model", "list", "--json"))
    assert world.client.get(f"/v1/models/{MODEL}/card", headers=h).json() == json.loads(
        cli_out(world, "model", "card", MODEL, "--json"))
    shown = world.client.get(f"/v1/datasets/{SNAPSHOT}", headers=h).json()
    assert shown["items"] == 1 and shown["manifest"][0]["item_id"] == "w1"
    assert shown["manifest"][0]["artists"] == ["ada"]
    assert world.client.get(f"/v1/models/{MODEL}", headers=h).json()["snapshot"] == SNAPSHOT


def test_a_tampered_manifest_does_not_verify(world):
    h = world.headers("fan")
    ok = world.client.get(f"/v1/datasets/{SNAPSHOT}/verify", headers=h)
    assert ok.status_code == 200 and ok.json()["ok"] is True
    manifest = world.settings.datasets_dir / SNAPSHOT / "manifest.jsonl"
    original = manifest.read_text()
    try:
        manifest.write_text(original.replace('"ada"', '"cal"'))
        bad = world.client.get(f"/v1/datasets/{SNAPSHOT}/verify", headers=h)
        assert bad.status_code == 422
        assert "does NOT verify" in bad.json()["detail"] and bad.json()["problems"]
    finally:
        manifest.write_text(original)


@pytest.mark.parametrize(("path", "detail"), [
    ("/v1/datasets/ds-nope", "no dataset snapshot with id 'ds-nope'"),
    ("/v1/models/m-nope/card", "no model with id 'm-nope'"),
    ("/v1/royalties/runs/2031-01", "no royalty run with id or period '2031-01'"),
    ("/v1/royalties/statements/label/2031-01", "period 2031-01 has not been run"),
])
def test_unknown_ids_are_404(world, path, detail):
    r = world.client.get(path, headers=world.headers("admin"))
    assert r.status_code == 404 and r.json()["detail"].startswith(detail)


def test_statement_formats_are_the_cli_output(world):
    h = world.headers("holder")
    base = f"/v1/royalties/statements/label/{PERIOD}"
    cli_args = ("royalties", "statement", "--payee", "label", "--period", PERIOD, "--format")
    as_json = world.client.get(base, headers=h)
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == json.loads(cli_out(world, *cli_args, "json"))
    assert as_json.json()["currencies"]["EUR"]["paid"] == "75.00"
    html = world.client.get(base + "?format=html", headers=h)
    assert html.headers["content-type"].startswith("text/html")
    assert html.text == cli_out(world, *cli_args, "html") and "<svg" in html.text
    csv = world.client.get(base + "?format=csv", headers=h)
    assert csv.text.splitlines()[0].startswith("period,currency,feature")


def test_a_stranger_is_refused_before_the_statement_is_looked_up(world):
    """A non-payee learns nothing, not even whether the period was run."""
    for period in (PERIOD, "2031-01"):
        r = world.client.get(f"/v1/royalties/statements/label/{period}",
                             headers=world.headers("rival"))
        assert r.status_code == 403 and "payee and admins only" in r.json()["detail"]


def test_runs_list_show_and_an_idempotent_start(world):
    h = world.headers("admin")
    runs = world.client.get("/v1/royalties/runs", headers=h).json()
    assert [r["period"] for r in runs] == [PERIOD]
    assert world.client.get(f"/v1/royalties/runs/{runs[0]['id']}", headers=h).json() == runs[0]
    again = world.client.post("/v1/royalties/runs", headers=h, json={"period": PERIOD})
    assert again.status_code == 201 and again.json()["unchanged"] is True
    assert again.json()["run"] == runs[0]["id"]
    bad = world.client.post("/v1/royalties/runs", headers=h, json={"period": "2026-13x"})
    assert bad.status_code == 422 and "is not YYYY-MM" in bad.json()["detail"]
    engine = world.client.post("/v1/royalties/runs", headers=h,
                               json={"period": "2026-12", "engine": "flink"})
    assert engine.status_code == 422
