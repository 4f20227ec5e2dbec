"""trust's one hook into another context: flagged recordings are excluded from royalty pools
for as long as the flag stands (docs/trust.md, "Royalties"). The royalty engine reads the
events a registered reader returns exactly like takedowns; see accord.trust.exclusion for how
trust's flags are written as such events without disturbing real takedowns."""

from __future__ import annotations

from accord.royalties import exclusions


def _trust_flags(session):
    from accord.trust.service import royalty_exclusions  # the service imports the registry

    return royalty_exclusions(session)


exclusions.register("trust", _trust_flags)
