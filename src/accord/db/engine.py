"""Engines and transactions. Every write goes through `session_scope`: commit or roll back whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_ENGINES: dict[str, Engine] = {}
_SESSIONMAKERS: dict[Engine, sessionmaker] = {}  # one per engine: made once, not per request


def make_engine(url: str) -> Engine:
    """One engine per URL per process. SQLite gets foreign keys, WAL and a busy timeout."""
    if url in _ENGINES:
        return _ENGINES[url]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA temp_store=MEMORY")  # set-based checks build temporary tables
            cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    _ENGINES[url] = engine
    return engine


def dispose_engine(url: str) -> None:
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        _SESSIONMAKERS.pop(engine, None)
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is one transaction: committed on success, rolled back on any error."""
    factory = _SESSIONMAKERS.get(engine)
    if factory is None:
        factory = _SESSIONMAKERS.setdefault(engine, sessionmaker(bind=engine,
                                                                 expire_on_commit=False))
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def create_schema(url: str) -> None:
    """Bring the database at `url` to the latest schema with Alembic (idempotent).

    Each bounded context keeps its own migration branch (branch label = context name) rooted
    at the rights registry's first revision, so every head is upgraded."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")


def alembic_config(url: str):
    """The Alembic configuration of the registry at `url` (our migrations, our engine)."""
    from alembic.config import Config

    migrations = Path(__file__).parent / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["engine"] = make_engine(url)
    return cfg
