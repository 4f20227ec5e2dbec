"""Upload screening (`accord.trust`): re-uploads, undisclosed AI, impersonation and spam.

Importing the package registers trust's flags with the royalty engine's exclusion hook
(accord.royalties.exclusions); accord.db.tables imports trust's tables, so every process that
opens the registry has it."""

from accord.trust import hooks as _hooks  # noqa: F401
