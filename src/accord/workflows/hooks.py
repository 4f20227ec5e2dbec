"""Wiring between contexts that DESIGN.md keeps apart: imported once by every entry point
(`accord.cli.main`, `accord.api.app`, `accord.demo.run`).

- trust -> royalties: a recording that upload screening flags is excluded from royalty pools for
  as long as the flag stands. Royalties owns the hook (`accord.royalties.exclusions`) and imports
  nothing of trust; trust owns the reader (`trust.service.royalty_exclusions`) and imports
  nothing of royalties. This module, above both, connects them.
"""

from __future__ import annotations

from accord.royalties import exclusions


def _trust_flags(session):
    from accord.trust.service import royalty_exclusions  # imported at the first royalty run

    return royalty_exclusions(session)


exclusions.register("trust", _trust_flags)
