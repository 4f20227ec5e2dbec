"""Re-uploads and near-duplicates of the catalogue or of other accounts' uploads.

Two layers feed it (accord.trust.fingerprint): Chromaprint's offset-searching bit-error matcher
(exact and re-encoded copies) and our own index, robust to pitch shift, speed and tempo change,
noise and filtering. A copy of the uploader's own earlier upload is the spam rule's duplicate,
not this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.trust.model import CLEAR, Finding
from accord.trust.rules import rule
from accord.trust.signals import Signals


@rule("reupload", "copies", chromaprint_max_ber=0.2, index_copy=0.5, index_near=0.25)
def reupload(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """A copy (Chromaprint bit errors <= chromaprint_max_ber, or index score >= index_copy)
    or a near copy (index score >= index_near) of a catalogue recording or another upload."""
    copies, near = [], []
    for m in sig.copies:
        if m.same_uploader:
            continue
        if m.layer == "chromaprint":
            if m.bit_error_rate is not None and m.bit_error_rate <= p["chromaprint_max_ber"]:
                copies.append(m)
        elif m.score >= p["index_copy"]:
            copies.append(m)
        elif m.score >= p["index_near"]:
            near.append(m)
    hits = copies or near
    if not hits:
        return Finding("reupload", CLEAR)
    best = max(hits, key=lambda m: m.score)
    changed = ""
    if best.pitch_ratio is not None and abs(best.pitch_ratio - 1) > 0.01:
        changed += f", pitch x{best.pitch_ratio:.3f}"
    if best.time_ratio is not None and abs(best.time_ratio - 1) > 0.01:
        changed += f", time x{best.time_ratio:.3f}"
    verdict = "copy" if copies else "near_copy"
    return Finding("reupload", verdict, best.score,
                   {"matches": [m.to_json() for m in sorted(hits, key=lambda m: -m.score)[:5]]},
                   f"{'copy' if copies else 'near copy'} of {best.reference} "
                   f"({best.layer}, score {best.score:.2f}, offset {best.offset_s:.1f} s"
                   f"{changed})")
