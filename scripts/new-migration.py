"""Autogenerate an Alembic revision for one bounded context's tables.

    .venv/bin/python scripts/new-migration.py CONTEXT "message"

Each context (rights, catalog, training, ...) has its own branch of revisions, labelled with the
context's name and rooted at the rights registry's first revision. The scratch database is brought
to every head first, so the new revision holds only what changed.
"""

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from accord.db.engine import create_schema, make_engine

ROOT = "7d2e33737193"  # the rights registry's first revision
context, message = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as tmp:
    url = f"sqlite:///{tmp}/scratch.db"
    create_schema(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path("src/accord/db/migrations")))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["engine"] = make_engine(url)
    labels = {label for rev in ScriptDirectory.from_config(cfg).walk_revisions()
              for label in (rev.branch_labels or ())}
    if context in labels:
        command.revision(cfg, message=message, autogenerate=True, head=f"{context}@head")
    else:
        command.revision(cfg, message=message, autogenerate=True, head=ROOT,
                         branch_label=context, splice=True)
