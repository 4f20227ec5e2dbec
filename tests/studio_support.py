"""The studio tests' world: the creation tests' home (real corpus pieces, rights, a tiny model
trained in the fixture: tests/creation/conftest.py) served by the app, with a fan, a second fan,
a songwriter (O'Neill's tunes, opted in to style) and an admin."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from accord.accounts import service as accounts
from accord.accounts.model import AccountRole
from accord.api import create_app, tokens
from accord.api.settings import ApiSettings
from accord.errors import NotFound
from tests.creation.conftest import ONEILL, Home

PASSWORD = "studio fan password"
STUDIO_ACCOUNTS = {
    "fan": ("fan@studio.example.org", AccountRole.FAN, None),
    "other": ("other@studio.example.org", AccountRole.FAN, None),
    "oneill": ("oneill@studio.example.org", AccountRole.SONGWRITER, ONEILL),
    "admin": ("admin@studio.example.org", AccountRole.ADMIN, None),
}


@dataclass
class Studio:
    home: Home
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def ctx(self):
        return self.client.app.state.accord

    def headers(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}

    def wait(self, job_id: str, who: str = "fan", timeout: float = 90.0) -> dict:
        """Poll GET /v1/creations/{id} until the job has finished."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.client.get(f"/v1/creations/{job_id}", headers=self.headers(who))
            assert r.status_code == 200, r.text
            if r.json()["status"] in ("done", "refused", "failed"):
                return r.json()
            assert time.monotonic() < deadline, r.json()
            time.sleep(0.2)


def make_studio(home: Home, **api: object) -> Studio:
    """The app over the creation home; the accounts are made once (idempotent)."""
    app = create_app(home.settings, ApiSettings(**{"api_rate_burst": 10_000,
                                                   "api_creation_burst": 1_000, **api}))
    studio = Studio(home=home, client=TestClient(app))
    secret = app.state.accord.secret
    with home.session() as session:
        for name, (email, role, party) in STUDIO_ACCOUNTS.items():
            try:
                account = accounts.account_by_email(session, email)
            except NotFound:
                account = accounts.add_account(session, email, role, party,
                                               PASSWORD if name == "fan" else None)
            studio.tokens[name] = tokens.issue(account, secret, 15)
    return studio
