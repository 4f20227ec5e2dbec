"""The Alembic migrations produce exactly the schema the code declares, on both databases, and
every migration can be undone: down to an empty database and up again gives the same schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from accord.db.engine import alembic_config, create_schema, dispose_engine, make_engine
from accord.db.tables import metadata
from tests.conftest import PG_ADMIN_URL


def test_migrations_match_metadata(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_create_schema_is_idempotent(db_url):
    before = schema_of(db_url)
    create_schema(db_url)
    create_schema(db_url)
    assert schema_of(db_url) == before


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_url(request, tmp_path) -> Iterator[str]:
    """An empty database of its own (migrating it down must not disturb the shared ones)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    name = f"accord_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    dispose_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.slow  # every migration, three times over, on each database
def test_every_migration_goes_down_and_up_again_to_the_same_schema(blank_url):
    cfg = alembic_config(blank_url)
    command.upgrade(cfg, "heads")
    up = schema_of(blank_url)
    assert set(up) == set(metadata.tables) | {"alembic_version"}
    script = ScriptDirectory.from_config(cfg)
    heads = script.get_heads()
    assert set(heads) <= applied(script, blank_url)

    # each context's newest migration, down one step and up again
    for head in heads:
        command.downgrade(cfg, f"{head}-1")
        assert head not in applied(script, blank_url)
        command.upgrade(cfg, "heads")
        assert schema_of(blank_url) == up

    command.downgrade(cfg, "base")  # every table is gone, nothing is left half-dropped
    assert set(schema_of(blank_url)) <= {"alembic_version"}
    assert applied(script, blank_url) == set()
    command.upgrade(cfg, "heads")
    assert schema_of(blank_url) == up
    with make_engine(blank_url).connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def applied(script: ScriptDirectory, url: str) -> set[str]:
    """Every revision the database at `url` has applied (its heads and their ancestors)."""
    with make_engine(url).connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return {r.revision for r in script.iterate_revisions(heads, "base")} if heads else set()


def schema_of(url: str) -> dict[str, dict]:
    """Tables with their columns (name, type, nullability), primary and foreign keys,
    indexes and unique constraints, in a form two databases' answers compare equal."""
    insp = inspect(make_engine(url))
    schema = {}
    for table in insp.get_table_names():
        schema[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"])
                        for c in insp.get_columns(table)],
            "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                           tuple(f["referred_columns"])) for f in insp.get_foreign_keys(table)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in insp.get_indexes(table)),
            "unique": sorted(tuple(u["column_names"])
                             for u in insp.get_unique_constraints(table)),
        }
    return schema


def test_stored_iswcs_become_canonical(tmp_path):
    """The data migration rewrites an ISWC stored dotted before ISWCs were canonical."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "01a1a3ea7b59")  # the rights registry before the migration
    with make_engine(url).begin() as conn:
        conn.execute(text("INSERT INTO works (id, title, iswc, demo) VALUES "
                          "('w1', 'Old', 'T-034.524.680-1', false), ('w2', 'None', NULL, false)"))
    command.upgrade(cfg, "heads")
    with make_engine(url).connect() as conn:
        assert dict(conn.execute(text("SELECT id, iswc FROM works")).all()) == {
            "w1": "T0345246801", "w2": None}
