"""rights: ISWCs stored canonical (T and ten digits), so a look-up by ISWC uses the index

Revision ID: 3f6c1d2a9b8e
Revises: 01a1a3ea7b59
Create Date: 2026-12-02 14:10:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '3f6c1d2a9b8e'
down_revision: Union[str, Sequence[str], None] = '01a1a3ea7b59'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

works = sa.table("works", sa.column("id", sa.String), sa.column("iswc", sa.String))


def _canonical(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def upgrade() -> None:
    """Rewrite every stored ISWC in its canonical form (a data migration; no schema change).
    Two spellings of one ISWC could not have been stored: the import refused the second."""
    conn = op.get_bind()
    for wid, iswc in conn.execute(sa.select(works.c.id, works.c.iswc)
                                  .where(works.c.iswc.isnot(None))).all():
        if _canonical(iswc) != iswc:
            conn.execute(works.update().where(works.c.id == wid)
                         .values(iswc=_canonical(iswc)))


def downgrade() -> None:
    """Nothing to undo: the canonical form is a valid spelling of the same ISWC."""
