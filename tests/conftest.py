"""Shared fixtures. Every storage test runs twice: on SQLite and on the PostgreSQL server at
127.0.0.1:5432 (a database of its own, created here and dropped at the end)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from accord.db.engine import create_schema, dispose_engine, make_engine, session_scope
from accord.db.tables import metadata

PG_ADMIN_URL = os.environ.get("ACCORD_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    name = f"accord_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - the message says what to do
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}); "
                    "start it with scripts/ensure-services.sh")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    create_schema(url)
    yield url
    dispose_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'accord.db'}"
    create_schema(url)
    return url


def empty_all_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request) -> Iterator[str]:
    """The URL of an empty, migrated registry; parametrised over both databases."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    empty_all_tables(make_engine(url))
    yield url
    empty_all_tables(make_engine(url))


@pytest.fixture
def engine(db_url) -> Engine:
    return make_engine(db_url)


@pytest.fixture
def session(engine):
    """A session whose work commits at the end of the test (tests may also open their own)."""
    with session_scope(engine) as s:
        yield s


# Hypothesis: the default profile is CI's; `--hypothesis-profile=dev` runs fewer examples.
from hypothesis import settings as _hsettings  # noqa: E402

_hsettings.register_profile("dev", max_examples=15)
