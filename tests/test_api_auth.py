"""Sign-in, tokens (tampering, wrong key, alg=none, expiry), API keys, secrets and settings."""

from __future__ import annotations

import base64
import json
import stat
import time
from datetime import UTC, datetime

import jwt
import pytest
from typer.testing import CliRunner

from accord.api import create_app
from accord.api.settings import SECRET_FILE, ApiSettings
from accord.cli.main import app as cli
from accord.config import Settings
from accord.errors import InvalidInput
from tests.api_support import PASSWORD, make_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("api-auth"))


def me(world, token: str):
    return world.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_password_sign_in_issues_a_short_lived_token(world):
    r = world.client.post("/v1/auth/token",
                          data={"username": "artist@example.org", "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    claims = jwt.decode(body["access_token"], world.secret, algorithms=["HS256"])
    assert {"exp", "iat", "sub", "role", "jti"} <= claims.keys()
    assert claims["role"] == "artist" and claims["exp"] - claims["iat"] == 15 * 60
    assert me(world, body["access_token"]).json() == {
        "id": world.ids["artist"], "email": "artist@example.org", "role": "artist",
        "party": "bea"}


@pytest.mark.parametrize(("user", "password"), [("artist@example.org", "wrong password!"),
                                                ("nobody@example.org", PASSWORD)])
def test_wrong_credentials_are_refused_alike(world, user, password):
    r = world.client.post("/v1/auth/token", data={"username": user, "password": password})
    assert r.status_code == 401
    assert r.json()["detail"] == "wrong e-mail or password"


def test_repeated_failed_sign_ins_for_one_address_are_throttled(tmp_path):
    w = make_world(tmp_path / "home", api_signin_free_failures=3)
    t0 = datetime.now(UTC)
    w.client.app.state.accord.clock = lambda: t0  # the backoff's clock stands still

    def sign_in(password: str, user: str = "artist@example.org"):
        return w.client.post("/v1/auth/token", data={"username": user, "password": password})

    assert sign_in(PASSWORD).status_code == 200  # successes cost nothing
    assert [sign_in("guess").status_code for _ in range(3)] == [401, 401, 401]
    blocked = sign_in(PASSWORD)  # even the right password waits: nothing is checked
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "too many failed sign-ins" in blocked.json()["detail"]
    assert sign_in("guess", "ARTIST@example.org ").status_code == 429  # same address
    # (from another client the owner is not held back: tests/test_api_hardening.py)
    assert sign_in("guess", "nobody@example.org").status_code == 401  # others unaffected

    page = w.client.get("/login")
    form = w.client.post("/login", data={"email": "artist@example.org", "password": PASSWORD,
                                         "csrf_token": page.cookies.get("accord_csrf")
                                         or w.client.cookies.get("accord_csrf")})
    assert form.status_code == 429 and "too many failed sign-ins" in form.text


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_changed_payload_is_refused(world):
    header, payload, signature = world.tokens["fan"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged = f"{header}.{_b64({**claims, 'role': 'admin'})}.{signature}"
    r = me(world, forged)
    assert r.status_code == 401 and r.json()["detail"] == "the token is invalid"
    assert world.client.get("/v1/audit/verify",
                            headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_a_token_signed_with_another_key_is_refused(world):
    claims = jwt.decode(world.tokens["admin"], world.secret, algorithms=["HS256"])
    other = jwt.encode(claims, "x" * 48, algorithm="HS256")
    r = me(world, other)
    assert r.status_code == 401 and r.json()["detail"] == "the token is invalid"


def test_alg_none_is_refused(world):
    claims = jwt.decode(world.tokens["admin"], world.secret, algorithms=["HS256"])
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    r = me(world, unsigned)
    assert r.status_code == 401 and r.json()["detail"] == "the token is invalid"


def test_an_expired_token_is_refused(world):
    t = int(time.time())
    expired = jwt.encode({"sub": world.ids["admin"], "role": "admin", "iat": t - 3600,
                          "exp": t - 60, "jti": "x"}, world.secret, algorithm="HS256")
    r = me(world, expired)
    assert r.status_code == 401
    assert r.json()["detail"] == "the token has expired; sign in again"


def test_a_token_without_jti_is_refused(world):
    t = int(time.time())
    token = jwt.encode({"sub": world.ids["admin"], "role": "admin", "iat": t, "exp": t + 60},
                       world.secret, algorithm="HS256")
    assert me(world, token).status_code == 401


def test_a_token_whose_role_no_longer_matches_is_refused(world):
    t = int(time.time())
    token = jwt.encode({"sub": world.ids["fan"], "role": "admin", "iat": t, "exp": t + 60,
                        "jti": "y"}, world.secret, algorithm="HS256")
    r = me(world, token)
    assert r.status_code == 401 and "role no longer matches" in r.json()["detail"]


def test_api_keys_from_the_cli_and_the_api(world):
    runner = CliRunner()
    r = runner.invoke(cli, ["--home", str(world.settings.home), "users", "api-key",
                            "holder@example.org", "--json"])
    assert r.exit_code == 0, r.output
    key = json.loads(r.stdout)["key"]
    assert key.startswith("acc_")
    got = world.client.get("/v1/me", headers={"X-API-Key": key})
    assert got.status_code == 200 and got.json()["role"] == "rights_holder"
    minted = world.client.post("/v1/me/api-keys", headers=world.headers("fan"))
    assert minted.status_code == 201
    assert world.client.get("/v1/me", headers={"X-API-Key": minted.json()["key"]}
                            ).json()["email"] == "fan@example.org"
    bad = world.client.get("/v1/me", headers={"X-API-Key": key + "x"})
    assert bad.status_code == 401 and bad.json()["detail"] == "the API key is invalid or revoked"


def test_a_revoked_api_key_is_refused(world):
    """The owner revokes its own key (API); another account may not; an admin may (CLI too)."""
    minted = world.client.post("/v1/me/api-keys", headers=world.headers("songwriter")).json()
    key, key_id = minted["key"], minted["id"]
    assert world.client.get("/v1/me", headers={"X-API-Key": key}).status_code == 200
    other = world.client.post(f"/v1/api-keys/{key_id}/revoke", headers=world.headers("fan"))
    assert other.status_code == 403 and "only its own API keys" in other.json()["detail"]
    assert world.client.get("/v1/me", headers={"X-API-Key": key}).status_code == 200
    done = world.client.post(f"/v1/api-keys/{key_id}/revoke",
                             headers={"X-API-Key": key})  # a key may revoke itself
    assert done.status_code == 200 and done.json()["revoked_at"]
    refused = world.client.get("/v1/me", headers={"X-API-Key": key})
    assert refused.status_code == 401
    assert refused.json()["detail"] == "the API key is invalid or revoked"
    listed = world.client.get("/v1/me/api-keys", headers=world.headers("songwriter")).json()
    assert [k["revoked_at"] is not None for k in listed if k["id"] == key_id] == [True]
    assert "key" not in listed[0] and listed[0]["prefix"].startswith("acc_")
    unknown = world.client.post("/v1/api-keys/key-nope/revoke", headers=world.headers("admin"))
    assert unknown.status_code == 404
    second = world.client.post("/v1/me/api-keys", headers=world.headers("fan")).json()
    r = CliRunner().invoke(cli, ["--home", str(world.settings.home), "users", "revoke-key",
                                 second["id"], "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["revoked_at"]
    assert world.client.get("/v1/me", headers={"X-API-Key": second["key"]}).status_code == 401


def test_cli_users_add_links_parties_and_checks_roles(world):
    runner = CliRunner()
    base = ["--home", str(world.settings.home), "users", "add"]
    ok = runner.invoke(cli, [*base, "--email", "Cal@Example.org", "--role", "artist",
                             "--party", "cal", "--password-stdin", "--json"],
                       input="a long password\n")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["email"] == "cal@example.org"
    r = world.client.post("/v1/auth/token",
                          data={"username": "cal@example.org", "password": "a long password"})
    assert r.status_code == 200
    for args, message in [
        (["--email", "x@example.org", "--role", "artist", "--party", "label"],
         "cannot hold a artist account"),
        (["--email", "y@example.org", "--role", "rights_holder"], "must be linked to a party"),
        (["--email", "z@example.org", "--role", "fan", "--party", "bea"], "not linked to a party"),
        (["--email", "cal@example.org", "--role", "fan"], "already exists"),
        (["--email", "w@example.org", "--role", "king"], "unknown role 'king'"),
    ]:
        bad = runner.invoke(cli, [*base, *args])
        assert bad.exit_code == 2 and message in bad.output, bad.output


def test_development_secret_is_generated_once_with_0600(tmp_path):
    s = Settings(home=tmp_path)
    first = create_app(s, ApiSettings()).state.accord.secret
    path = s.keys_dir / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert create_app(s, ApiSettings()).state.accord.secret == first and len(first) >= 32


@pytest.mark.parametrize(("secret", "message"), [
    (None, "needs ACCORD_API_TOKEN_SECRET"),
    ("changethis", "default or shorter than 32"),
    ("short-secret", "default or shorter than 32"),
])
def test_production_refuses_a_missing_or_default_secret(tmp_path, monkeypatch, secret, message):
    monkeypatch.setenv("ACCORD_ENV", "production")
    if secret:
        monkeypatch.setenv("ACCORD_API_TOKEN_SECRET", secret)
    with pytest.raises(InvalidInput, match=message):
        create_app(Settings(home=tmp_path), ApiSettings())
    assert not (tmp_path / "keys" / SECRET_FILE).exists()


def test_production_accepts_a_real_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_ENV", "production")
    monkeypatch.setenv("ACCORD_API_TOKEN_SECRET", "k" * 40)
    assert create_app(Settings(home=tmp_path), ApiSettings()).state.accord.secret == "k" * 40


def test_serve_runs_uvicorn_on_loopback_by_default(tmp_path, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    r = CliRunner().invoke(cli, ["--home", str(tmp_path), "serve", "--port", "8765"])
    assert r.exit_code == 0, r.output
    app, kw = calls[0]
    assert kw == {"host": "127.0.0.1", "port": 8765, "loop": "uvloop", "http": "httptools",
                  "access_log": False}
    assert "/v1/permissions/check" in app.openapi()["paths"]


def test_serve_flags_access_log_and_one_worker_per_core(tmp_path, monkeypatch):
    import os

    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("ACCORD_API_INPROCESS_WORKER", "0")
    from accord.api import serve

    assert serve.cores() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(serve, "cores", lambda: 3)  # `--workers 0`: one per core
    r = CliRunner().invoke(cli, ["--home", str(tmp_path), "serve", "--access-log",
                                 "--workers", "0"])
    assert r.exit_code == 0, r.output
    app, kw = calls[0]
    assert app == "accord.api.serve:app_from_env" and kw["workers"] == 3
    assert kw["access_log"] is True and kw["loop"] == "uvloop" and kw["http"] == "httptools"
    r = CliRunner().invoke(cli, ["--home", str(tmp_path), "serve", "--workers", "-1"])
    assert r.exit_code == 2
