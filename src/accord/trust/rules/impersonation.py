"""Impersonation: an upload credited to, titled after, or sounding like a registered artist is
allowed only when the artist opted in to the matching use and the uploader is licensed for it
(the rights permission check, gathered into `Permission`); otherwise it is held with the
evidence. Similarity is evidence for a human decision, never sole proof."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.trust.model import CLEAR, Finding
from accord.trust.rules import rule
from accord.trust.signals import Likeness, Signals


@rule("impersonation_name", "impersonation", similarity=True, min_similarity=0.88)
def impersonation_name(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """Credited to or titled after a registered artist (look-alike characters,
    transliterations and "feat." tricks normalised away) without the matching permission."""
    hits = [m for m in sig.names if m.similarity >= p["min_similarity"]
            and m.party_id != sig.uploader_party]
    if not hits:
        return Finding("impersonation_name", CLEAR)
    ev = {"matches": [m.to_json() for m in sorted(hits, key=lambda m: -m.similarity)]}
    bad = [m for m in hits if not m.permission.permitted]
    if bad:
        m = max(bad, key=lambda m: m.similarity)
        return Finding("impersonation_name", "unlicensed_credit", m.similarity, ev,
                       f"{m.field} {m.given!r} matches registered artist {m.party_name} "
                       f"({m.how}, {m.similarity:.2f}); {m.permission.use} not permitted: "
                       f"{m.permission.why}")
    m = max(hits, key=lambda m: m.similarity)
    return Finding("impersonation_name", "licensed_credit", m.similarity, ev,
                   f"credits {m.party_name}, who permits {m.permission.use}")


def _likeness(name: str, use: str, items: tuple[Likeness, ...], threshold: float,
              uploader_party: str | None) -> Finding:
    hits = [x for x in items if x.similarity >= threshold and x.party_id != uploader_party]
    ev = {"threshold": threshold,
          "nearest": [x.to_json() for x in sorted(items, key=lambda x: -x.similarity)[:3]]}
    if not hits:
        best = max((x.similarity for x in items), default=0.0)
        return Finding(name, CLEAR, max(best, 0.0), ev)
    bad = [x for x in hits if not x.permission.permitted]
    x = max(bad or hits, key=lambda x: x.similarity)
    demo = " (demo reference)" if x.demo else ""
    if bad:
        return Finding(name, f"unlicensed_{use}", x.similarity, ev,
                       f"{use} similar to {x.party_name}{demo} ({x.similarity:.2f} >= "
                       f"{threshold}); {use} not permitted: {x.permission.why}")
    return Finding(name, f"licensed_{use}", x.similarity, ev,
                   f"{use} similar to {x.party_name}{demo}, who permits {use}")


@rule("voice", "impersonation", similarity=True, threshold=0.85)
def voice(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """Sounds like a registered artist's reference voice (Resemblyzer cosine >= threshold)
    without `voice` permission."""
    return _likeness("voice", "voice", sig.voices, p["threshold"], sig.uploader_party)


@rule("style", "impersonation", similarity=True, threshold=0.97)
def style(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """A symbolic upload whose style vector (attribution's embedding) is as close as
    `threshold` to a registered artist's catalogue, without `style` permission."""
    return _likeness("style", "style", sig.styles, p["threshold"], sig.uploader_party)
