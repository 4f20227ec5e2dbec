"""The Alembic migrations produce exactly the schema the code declares, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from accord.db.engine import create_schema
from accord.db.tables import metadata


def test_migrations_match_metadata(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_create_schema_is_idempotent(db_url):
    create_schema(db_url)
    create_schema(db_url)
