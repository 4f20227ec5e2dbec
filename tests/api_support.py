"""A small world for the API tests: a home with a scenario, one account per role, tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jwt
from fastapi.testclient import TestClient

from accord.accounts import service as accounts
from accord.accounts.model import AccountRole
from accord.api import create_app, tokens
from accord.api.settings import ApiSettings
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.rights import service
from accord.rights.audit import AuditLog
from accord.web.session import bound_csrf
from tests.rights_language import Scenario

PASSWORD = "correct horse battery"

#: account name -> (role, linked party)
ACCOUNTS = {
    "fan": (AccountRole.FAN, None),
    "artist": (AccountRole.ARTIST, "bea"),
    "songwriter": (AccountRole.SONGWRITER, "ada"),
    "holder": (AccountRole.RIGHTS_HOLDER, "label"),
    "rival": (AccountRole.RIGHTS_HOLDER, "rival"),
    "admin": (AccountRole.ADMIN, None),
}
ROLES = ["anonymous", *ACCOUNTS]


def scenario() -> Scenario:
    """Label signed; Bea opted in to train, Cal never did; a rival label has its own record."""
    s = Scenario()
    s.label("label"); s.label("rival"); s.publisher("pub"); s.writer("ada")  # noqa: E702
    s.artist("bea"); s.artist("cal")  # noqa: E702
    s.work("w1", writers=["ada"], publishers=["pub"])
    s.work("w2", writers=["ada"], publishers=["pub"])
    s.recording("r1", "w1", artists=["bea", "cal"], masters=["label"], isrc="XDTST2600002")
    s.recording("r9", "w2", artists=["cal"], masters=["rival"])
    s.agreement("label", ["train"], valid_from="2026-01-01", aid="agr-label")
    s.agreement("rival", ["train"], valid_from="2026-01-01", aid="agr-rival")
    s.agreement("pub", ["train"], valid_from="2026-01-01", aid="agr-pub")
    s.opt_in("ada", "train", "2026-01-01")
    s.opt_in("bea", "train", "2026-01-01")
    return s


@dataclass
class World:
    settings: Settings
    client: TestClient
    secret: str
    ids: dict[str, str] = field(default_factory=dict)  # account name -> account id
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        if who == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def make_world(home: Path, database_url: str | None = None, **api: object) -> World:
    s = Settings(home=home, database_url=database_url)
    # jobs are run by the test itself (accord.api.app.job_worker(...).run(once=True))
    api_settings = ApiSettings(**{"api_rate_burst": 10_000, "api_inprocess_worker": False,
                                  **api})
    app = create_app(s, api_settings)
    world = World(settings=s, client=TestClient(app), secret=app.state.accord.secret)
    with session_scope(make_engine(s.db_url)) as session:
        service.import_document(session, scenario().document(), "test", AuditLog(session))
        for name, (role, party) in ACCOUNTS.items():
            # one password (argon2 is slow on purpose); the others sign in with tokens
            a = accounts.add_account(session, f"{name}@example.org", role, party,
                                     PASSWORD if name == "artist" else None)
            world.ids[name] = a.id
            world.tokens[name] = tokens.issue(a, world.secret, 15)
    return world


def browser(world, who: str | None = None) -> TestClient:
    """A fresh client (its own cookie jar), signed in as `who` through the session cookie."""
    client = TestClient(world.client.app, follow_redirects=False)
    client.get("/login")  # sets the CSRF cookie
    if who:
        client.cookies.set("accord_session", world.tokens[who])
        # the CSRF token of a signed-in visitor is bound to the session (its token id)
        jti = jwt.decode(world.tokens[who], world.secret, algorithms=["HS256"])["jti"]
        client.cookies.delete("accord_csrf")
        client.cookies.set("accord_csrf", bound_csrf(world.secret, jti))
    return client
