"""An Accord home: created and migrated by one function (the CLI's `accord init`, the API's
start-up and the demo call it), and the marker that says the demo made it."""

from __future__ import annotations

from accord.config import Settings
from accord.db.engine import create_schema

#: The file `accord demo` leaves in a home it made (only such a home may be wiped by --fresh).
DEMO_MARKER = ".accord-demo-home"


def initialise(s: Settings) -> None:
    """Create the home and bring the database to the latest schema (idempotent)."""
    s.ensure_home()
    create_schema(s.db_url)
    from accord.creation.keys import ensure_dev_chain

    ensure_dev_chain(s)  # development signing keys (see docs/creation.md)


def is_demo_home(s: Settings) -> bool:
    """Was this home made by `accord demo`?"""
    return (s.home / DEMO_MARKER).exists()
