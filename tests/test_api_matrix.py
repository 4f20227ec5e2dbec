"""Every endpoint x every role: the status code, and the error text of each refusal."""

from __future__ import annotations

import re

import pytest

from accord.accounts import service as accounts
from accord.db.engine import make_engine, session_scope
from tests.api_support import ROLES, make_world
from tests.trust.api_support import post_screening, screened
from tests.web_support import MODEL, PERIOD, SNAPSHOT, add_output_and_job, enrich

OK, CREATED, NO_AUTH, DENIED, INVALID = 200, 201, 401, 403, 422
READ = {r: OK for r in ROLES} | {"anonymous": NO_AUTH}


def only(allowed: dict[str, int]) -> dict[str, int]:
    return {r: DENIED for r in ROLES} | {"anonymous": NO_AUTH} | allowed


AGREEMENT = {"id": "agr-label-2", "licensor": "label", "uses": ["style"],
             "purpose": "non_commercial", "catalogue": "all", "valid_from": "2026-06-01"}
OWN_IMPORT = ('{"accord_rights_document": 1, "recordings": [{"id": "r2", "title": "r2", '
              '"work": "w1", "artists": ["bea"], "masters": [{"party": "label", '
              '"share": "100"}]}]}')

# name, method, path, request kwargs, expected status per role
ENDPOINTS = [
    ("me", "GET", "/v1/me", {}, READ),
    ("party", "GET", "/v1/parties/bea", {}, READ),
    ("work", "GET", "/v1/works/w1", {}, READ),
    ("recording", "GET", "/v1/recordings/XDTST2600002", {}, READ),
    ("agreement", "GET", "/v1/agreements/agr-label", {}, READ),
    ("check", "GET", "/v1/permissions/check?use=train&recording=r1&at=2026-02-01", {}, READ),
    ("api-key", "POST", "/v1/me/api-keys", {}, READ | {r: CREATED for r in ROLES[1:]}),
    ("create-agreement", "POST", "/v1/agreements", {"json": AGREEMENT},
     only({"holder": CREATED, "admin": CREATED})),
    ("terminate", "POST", "/v1/agreements/agr-label/terminate",
     {"json": {"effective_at": "2030-01-01", "reason": "test"}},
     only({"holder": CREATED, "admin": CREATED})),
    ("grant", "POST", "/v1/parties/bea/consents",
     {"json": {"use": "style", "action": "opt_in"}},
     only({"artist": CREATED, "admin": CREATED})),
    ("consents", "GET", "/v1/parties/bea/consents", {}, only({"artist": OK, "admin": OK})),
    ("history", "GET", "/v1/parties/bea/consents/history", {},
     only({"artist": OK, "admin": OK})),
    ("import", "POST", "/v1/rights/import",
     {"content": OWN_IMPORT, "headers": {"Content-Type": "application/json"}},
     only({"holder": OK, "admin": OK})),
    ("audit-verify", "GET", "/v1/audit/verify", {}, only({"admin": OK})),
    ("my-api-keys", "GET", "/v1/me/api-keys", {}, READ),
    ("revoke-api-key", "POST", "/v1/api-keys/{fan_key}/revoke", {},
     only({"fan": OK, "admin": OK})),
    ("datasets", "GET", "/v1/datasets", {}, READ),
    ("dataset", "GET", f"/v1/datasets/{SNAPSHOT}", {}, READ),
    ("dataset-verify", "GET", f"/v1/datasets/{SNAPSHOT}/verify", {}, READ),
    ("models", "GET", "/v1/models", {}, READ),
    ("model", "GET", f"/v1/models/{MODEL}", {}, READ),
    ("model-card", "GET", f"/v1/models/{MODEL}/card", {}, READ),
    ("statement", "GET", f"/v1/royalties/statements/label/{PERIOD}", {},
     only({"holder": OK, "admin": OK})),
    ("statement-html", "GET", f"/v1/royalties/statements/ada/{PERIOD}?format=html", {},
     only({"songwriter": OK, "admin": OK})),
    ("runs", "GET", "/v1/royalties/runs", {}, only({"admin": OK})),
    ("run", "GET", f"/v1/royalties/runs/{PERIOD}", {}, only({"admin": OK})),
    ("start-run", "POST", "/v1/royalties/runs", {"json": {"period": PERIOD}},
     only({"admin": CREATED})),
    # every signed-in account may generate: the policy lets it through to the creation
    # service, which refuses the parameters (422; the test model has no weights to sample)
    ("create", "POST", "/v1/creations", {"json": {"bars": 4, "temperature": 9}},
     {r: INVALID for r in ROLES} | {"anonymous": NO_AUTH}),
    ("creation", "GET", "/v1/creations/cre-test", {}, only({"fan": OK, "admin": OK})),
    ("creation-file", "GET", "/v1/creations/cre-test/files/output.wav", {},
     only({"fan": OK, "admin": OK})),
    # takedown and reinstate: admins only; r9 (the rival's) so other rows' checks stay as they are
    ("takedown", "POST", "/v1/recordings/r9/takedown", {"json": {"reason": "dispute"}},
     only({"admin": CREATED})),
    ("reinstate", "POST", "/v1/recordings/r9/reinstate", {"json": {"reason": "settled"}},
     only({"admin": CREATED})),
    ("ddex-releases", "GET", "/v1/ddex/releases?sender=PADPIDA2026050505F", {}, READ),
    ("ddex-release", "GET", "/v1/ddex/releases/ddexrel-icpn-0000000000000", {},
     {r: 404 for r in ROLES} | {"anonymous": NO_AUTH}),
    ("ddex-disputes", "GET", "/v1/ddex/disputes", {}, READ),

    # upload screening: a file every account may send (this one is not audio: 422)
    ("screen", "POST", "/v1/screenings", {"files": {"file": ("x.txt", b"hi", "text/plain")}},
     {r: INVALID for r in ROLES} | {"anonymous": NO_AUTH}),
    ("screenings", "GET", "/v1/screenings", {}, READ),
    ("screening", "GET", "/v1/screenings/{fan_screening}", {}, only({"fan": OK, "admin": OK})),
    # the fan's appeal is open when the admin tries: 422 "already has an open appeal"
    ("appeal", "POST", "/v1/screenings/{fan_screening}/appeal", {"json": {"statement": "x"}},
     only({"fan": OK, "admin": INVALID})),
    ("review", "POST", "/v1/screenings/{fan_screening}/review", {"json": {"outcome": "hold"}},
     only({"admin": OK})),
    ("screening-job", "GET", "/v1/screenings/jobs/{fan_screening_job}", {},
     only({"fan": OK, "admin": OK})),

    # the DJ: every account is its own listener; no set exists yet (404), a bad body is 422
    ("dj-create", "POST", "/v1/dj/sets", {"json": {"minutes": 0}},
     {r: INVALID for r in ROLES} | {"anonymous": NO_AUTH}),
    ("dj-latest", "GET", "/v1/dj/sets/latest", {},
     {r: 404 for r in ROLES} | {"anonymous": NO_AUTH}),
    ("dj-set", "GET", "/v1/dj/sets/abc123", {}, {r: 404 for r in ROLES} | {"anonymous": NO_AUTH}),
    ("dj-audio", "GET", "/v1/dj/sets/abc123/audio.mp3", {},
     {r: 404 for r in ROLES} | {"anonymous": NO_AUTH}),
    # a job of another kind is no DJ set job
    ("dj-job", "GET", "/v1/dj/jobs/{fan_screening_job}", {},
     {r: 404 for r in ROLES} | {"anonymous": NO_AUTH}),
]

CASES = [pytest.param(method, path, kwargs, role, expected[role], id=f"{name}-{role}")
         for name, method, path, kwargs, expected in ENDPOINTS for role in ROLES]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = enrich(make_world(tmp_path_factory.mktemp("api-matrix")))
    with session_scope(make_engine(world.settings.db_url)) as session:
        _, info = accounts.issue_api_key(session, world.ids["fan"])
    world.fan_key = info["id"]
    job = post_screening(world, "fan")
    world.fan_screening_job = job["id"]
    world.fan_screening = screened(world, "fan", job)
    add_output_and_job(world, "fan")
    return world


def test_matrix_covers_every_route(world):
    """Every operation in the OpenAPI spec (but sign-in, which has no role) is in the matrix."""
    concrete = {(m, p.split("?")[0]) for _, m, p, _, _ in ENDPOINTS}
    for template, operations in world.client.app.openapi()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
        for method in operations:
            if template in ("/v1/auth/token", "/v1/auth/logout"):  # logout: test_api_hardening
                continue
            assert any(m == method.upper() and pattern.match(p) for m, p in concrete), \
                f"{method.upper()} {template} is missing from the matrix"


@pytest.mark.parametrize(("method", "path", "kwargs", "role", "status"), CASES)
def test_endpoint_by_role(world, method, path, kwargs, role, status):
    headers = {**kwargs.get("headers", {}), **world.headers(role)}
    path = path.replace("{fan_key}", world.fan_key).replace("{fan_screening}",
                                                          world.fan_screening)
    path = path.replace("{fan_screening_job}", world.fan_screening_job)
    r = world.client.request(method, path, **{**kwargs, "headers": headers})
    assert r.status_code == status, r.text
    if status == NO_AUTH:
        assert r.json()["detail"].startswith("sign in first")
        assert r.headers["WWW-Authenticate"] == "Bearer"
    elif status == DENIED:
        assert r.json()["detail"].startswith("not allowed: ")
