"""The AI DJ (`accord.dj`): listening events, a taste model, candidates permitted for `dj`,
sequencing, grounded commentary, a generated voice, the mix and its royalty events.
See docs/dj.md."""
