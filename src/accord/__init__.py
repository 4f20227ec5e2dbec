"""Accord: a consent-first platform for licensed generative music.

Bounded contexts live in sub-packages (see docs/architecture.md and ../shared/DESIGN.md):
rights, catalog, training, creation, attribution, royalties, trust, dj; adapters in cli, api, web.
"""

__version__ = "0.1.0"
