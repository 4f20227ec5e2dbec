"""Property-based requests generated from the OpenAPI spec: whatever is sent, no 5xx.
Bounded (a few examples per operation, derandomized); signed in as an admin so that requests
reach the services. (Driven by hand rather than schemathesis' pytest plugin, whose lazy
fixture loader does not run under pytest 9.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from accord.accounts import service as accounts
from accord.api import tokens
from accord.db.engine import make_engine, session_scope
from tests.api_support import make_world


@pytest.mark.slow
def test_no_server_errors(tmp_path):
    world = make_world(tmp_path)
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len([m for p in world.client.app.openapi()["paths"].values()
                                   for m in p])
    with session_scope(make_engine(world.settings.db_url)) as session:
        admin = accounts.get_account(session, world.ids["admin"])

    def fresh() -> dict[str, str]:  # a new token per case: POST /v1/auth/logout revokes one
        return {"Authorization": f"Bearer {tokens.issue(admin, world.secret, 15)}"}

    seen = []
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_5xx(case):
            response = case.call(headers=fresh())
            seen.append(response.status_code)
            assert response.status_code < 500, (case.method, case.formatted_path,
                                                  response.text)

        no_5xx()
    assert len(seen) >= len(operations)
