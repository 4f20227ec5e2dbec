"""What each endpoint does: the same services and JSON as the CLI, errors, limits."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from accord.cli.main import app as cli
from accord.db.engine import make_engine
from tests.api_support import make_world

CHECK = "/v1/permissions/check?use=train&recording={rec}&at={at}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Shared by the tests whose writes touch only their own ids."""
    return make_world(tmp_path_factory.mktemp("api-endpoints"))


@pytest.fixture
def fresh(tmp_path):
    return make_world(tmp_path)


def cli_json(world, *args):
    r = CliRunner().invoke(cli, ["--home", str(world.settings.home), *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_permission_check_is_the_cli_json(world):
    api = world.client.get(CHECK.format(rec="XDTST2600002", at="2026-02-01"),
                           headers=world.headers("fan"))
    assert api.status_code == 200
    assert api.json() == cli_json(world, "rights", "check", "--use", "train", "--recording",
                                  "XDTST2600002", "--at", "2026-02-01")
    assert api.json()["allowed"] is False
    assert any("'cal (test)'" in r for r in api.json()["reasons"])


def test_an_artist_revocation_takes_effect(fresh):
    """Bea revokes her own train consent from March; with Cal opted in (by an admin), r1 is
    allowed in February and denied in April, naming Bea."""
    world = fresh
    h = world.headers("artist")
    r = world.client.post("/v1/parties/bea/consents", headers=h,
                          json={"use": "train", "action": "revoke",
                                "effective_at": "2026-03-01", "reason": "changed my mind"})
    assert r.status_code == 201, r.text
    assert r.json()["action"] == "revoke" and r.json()["party"] == "bea"
    state = world.client.get("/v1/parties/bea/consents?at=2026-04-01", headers=h).json()
    assert state["consents"]["train"] == "revoked"
    history = world.client.get("/v1/parties/bea/consents/history?use=train", headers=h).json()
    assert [e["action"] for e in history["consents"]] == ["opt_in", "revoke"]
    assert history["consents"][1]["reason"] == "changed my mind"
    world.client.post("/v1/parties/cal/consents", headers=world.headers("admin"),
                      json={"use": "train", "action": "opt_in", "effective_at": "2026-01-01"})
    before = world.client.get(CHECK.format(rec="r1", at="2026-02-01"), headers=h).json()
    after = world.client.get(CHECK.format(rec="r1", at="2026-04-01"), headers=h).json()
    assert before["allowed"] is True and after["allowed"] is False
    assert any("bea" in m["party"] for m in after["missing"])


def test_reads_return_the_import_format(world):
    h = world.headers("fan")
    party = world.client.get("/v1/parties/bea", headers=h).json()
    assert party == {"kind": "party", **cli_json(world, "rights", "show", "bea")} | {
        "kind": "party"}
    assert world.client.get("/v1/works/w1", headers=h).json()["publishers"][0]["party"] == "pub"
    rec = world.client.get("/v1/recordings/XDTST2600002", headers=h).json()
    assert rec["id"] == "r1" and rec["artists"] == ["bea", "cal"]
    agr = world.client.get("/v1/agreements/agr-label", headers=h).json()
    assert agr["licensor"] == "label" and agr["terminations"] == []


@pytest.mark.parametrize(("path", "detail"), [
    ("/v1/parties/nobody", "nothing in the registry has id 'nobody'"),
    ("/v1/works/r1", "no work with id 'r1' (it is a recording)"),
])
def test_unknown_ids_are_404(world, path, detail):
    r = world.client.get(path, headers=world.headers("fan"))
    assert r.status_code == 404 and detail in r.json()["detail"]


@pytest.mark.parametrize(("query", "detail"), [
    ("use=sing&recording=r1", "unknown use 'sing'"),
    ("use=train", "name exactly one of a recording or a work"),
    ("use=train&work=w1&at=yesterday", "is not an ISO 8601 date"),
    ("use=train&work=w1&purpose=charity", "unknown purpose 'charity'"),
])
def test_bad_check_queries_are_422(world, query, detail):
    r = world.client.get(f"/v1/permissions/check?{query}", headers=world.headers("fan"))
    assert r.status_code == 422 and detail in r.json()["detail"]


def test_rights_holder_creates_and_terminates_its_own_agreement(world):
    h = world.headers("holder")
    body = {"id": "agr-new", "licensor": "label", "uses": ["dj"], "purpose": "commercial",
            "catalogue": {"recordings": ["r1"]}, "valid_from": "2026-05-01"}
    r = world.client.post("/v1/agreements", headers=h, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["summary"]["created"] == {"agreements": 1}
    t = world.client.post("/v1/agreements/agr-new/terminate", headers=h,
                          json={"effective_at": "2026-09-01", "reason": "ended"})
    assert t.status_code == 201 and t.json()["agreement"] == "agr-new"
    shown = world.client.get("/v1/agreements/agr-new", headers=h).json()
    assert shown["terminations"][0]["reason"] == "ended"
    stolen = world.client.post("/v1/agreements", headers=h, json={**body, "id": "agr-x",
                                                                   "licensor": "rival"})
    assert stolen.status_code == 403 and "licensed by someone else" in stolen.json()["detail"]
    assert world.client.post("/v1/agreements/nope/terminate", headers=h,
                             json={}).status_code == 404
    # every change is in the audit chain, and the head file the CLI checks is kept up to date
    verdict = world.client.get("/v1/audit/verify", headers=world.headers("admin")).json()
    assert verdict["ok"] is True
    assert cli_json(world, "audit", "verify")["ok"] is True


def _doc(**sections) -> dict:
    return {"accord_rights_document": 1, **sections}


def test_import_own_document_as_yaml(world):
    doc = _doc(parties=[{"id": "dee", "name": "Dee (test)", "roles": ["performing_artist"]}],
               recordings=[{"id": "r3", "title": "r3", "work": "w1", "artists": ["dee"],
                            "masters": [{"party": "label", "share": "100"}]}])
    r = world.client.post("/v1/rights/import", headers={**world.headers("holder"),
                                                        "Content-Type": "application/yaml"},
                          content=yaml.safe_dump(doc))
    assert r.status_code == 200, r.text
    assert r.json()["created"] == {"parties": 1, "recordings": 1}


@pytest.mark.parametrize(("doc", "reason"), [
    (_doc(recordings=[{"id": "r9", "title": "taken", "work": "w2", "artists": ["cal"],
                       "masters": [{"party": "label", "share": "100"}]}]),
     "recording 'r9' is not in 'label'"),
    (_doc(works=[{"id": "w1", "title": "w1", "writers": [{"party": "ada", "share": "100"}],
                  "publishers": [{"party": "pub", "share": "100"}]}]),
     "work 'w1' is not in 'label'"),
    (_doc(consents=[{"id": "c-x", "party": "bea", "use": "voice", "action": "opt_in",
                     "effective_at": "2026-01-01"}]), "cannot import consents"),
    (_doc(terminations=[{"id": "t-x", "agreement": "agr-rival",
                         "effective_at": "2026-01-01"}]), "termination 't-x'"),
])
def test_import_touching_others_is_refused_and_writes_nothing(world, doc, reason):
    r = world.client.post("/v1/rights/import", headers=world.headers("holder"), json=doc)
    assert r.status_code == 403 and reason in r.json()["detail"], r.text
    assert world.client.get("/v1/recordings/r9", headers=world.headers("fan")
                            ).json()["title"] == "r9"


def test_an_invalid_document_is_422_with_problems(world):
    r = world.client.post("/v1/rights/import", headers=world.headers("admin"),
                          json=_doc(works=[{"id": "w5", "title": "w5",
                                            "writers": [{"party": "ghost", "share": "100"}]}]))
    assert r.status_code == 422
    body = r.json()
    assert "nothing was imported" in body["detail"] and body["problems"]
    assert any("ghost" in p["message"] for p in body["problems"])
    bad = world.client.post("/v1/rights/import", headers={**world.headers("admin"),
                                                          "Content-Type": "application/json"},
                            content=b"{not: [json")
    assert bad.status_code == 422 and "malformed JSON/YAML" in bad.json()["detail"]


def test_upload_limits_size_and_type(tmp_path):
    world = make_world(tmp_path, api_max_upload_bytes=200)
    h = world.headers("holder")
    big = json.dumps(_doc(parties=[{"id": f"p{i}", "name": "x" * 40, "roles": ["label"]}
                                   for i in range(10)]))
    r = world.client.post("/v1/rights/import", headers={**h, "Content-Type": "application/json"},
                          content=big)
    assert r.status_code == 413 and "larger than 200 bytes" in r.json()["detail"]
    r = world.client.post("/v1/rights/import", headers={**h, "Content-Type": "text/plain"},
                          content="accord_rights_document: 1")
    assert r.status_code == 415 and "unsupported content type 'text/plain'" in r.json()["detail"]


def test_mutations_are_rate_limited_per_account(tmp_path):
    world = make_world(tmp_path, api_rate_burst=2, api_rate_per_minute=1)
    grant = {"use": "dj", "action": "opt_in"}
    codes = [world.client.post("/v1/parties/bea/consents", headers=world.headers("artist"),
                               json=grant).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    r = world.client.post("/v1/parties/bea/consents", headers=world.headers("artist"), json=grant)
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.json()["detail"].startswith("too many requests")
    # another account has its own bucket; reads are not limited
    assert world.client.post("/v1/parties/ada/consents", headers=world.headers("songwriter"),
                             json=grant).status_code == 201
    assert world.client.get("/v1/parties/bea/consents",
                            headers=world.headers("artist")).status_code == 200


def test_token_bucket_refills():
    from accord.api.ratelimit import TokenBucket

    t = [0.0]
    bucket = TokenBucket(per_minute=60, burst=1, clock=lambda: t[0])
    assert bucket.allow("a") == (True, 0)
    assert bucket.allow("a") == (False, 1)
    t[0] = 1.0
    assert bucket.allow("a") == (True, 0)


@pytest.mark.postgres
def test_smoke_on_postgresql(tmp_path, pg_url):
    from tests.conftest import empty_all_tables

    empty_all_tables(make_engine(pg_url))
    try:
        world = make_world(tmp_path, database_url=pg_url)
        h = world.headers("artist")
        assert world.client.post("/v1/parties/bea/consents", headers=h,
                                 json={"use": "style", "action": "opt_in"}).status_code == 201
        check = world.client.get(CHECK.format(rec="r1", at="2026-02-01"), headers=h)
        assert check.status_code == 200 and check.json()["allowed"] is False
        assert world.client.get("/v1/audit/verify",
                                headers=world.headers("admin")).json()["ok"] is True
    finally:
        empty_all_tables(make_engine(pg_url))
