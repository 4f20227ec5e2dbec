"""Imports every context's table module so that `metadata` holds the whole schema."""

from accord.accounts import tables as _accounts_tables  # noqa: F401
from accord.attribution import tables as _attribution_tables  # noqa: F401
from accord.catalog import tables as _catalog_tables  # noqa: F401
from accord.creation import tables as _creation_tables  # noqa: F401
from accord.db.base import Base
from accord.dj import tables as _dj_tables  # noqa: F401
from accord.jobs import tables as _jobs_tables  # noqa: F401
from accord.rights import tables as _rights_tables  # noqa: F401
from accord.royalties import tables as _royalties_tables  # noqa: F401
from accord.training import tables as _training_tables  # noqa: F401
from accord.trust import tables as _trust_tables  # noqa: F401

metadata = Base.metadata
