"""Storage: SQLAlchemy 2 metadata, engine and session handling, Alembic migrations."""

from accord.db.base import Base
from accord.db.engine import create_schema, make_engine, session_scope

__all__ = ["Base", "create_schema", "make_engine", "session_scope"]
