"""Re-uploads and near-duplicates of the catalogue or of other accounts' uploads.

`melodic_copy` (symbolic uploads): the upload's melody against every catalogue work's
canonical MIDI, by the melodic n-gram coverage the memorization guard uses.

For audio, two layers feed `reupload` (accord.trust.fingerprint): Chromaprint's
offset-searching bit-error matcher (exact and re-encoded copies) and our own index, robust to
pitch shift, speed and tempo change, noise and filtering. A copy of the uploader's own earlier
upload is the spam rule's duplicate, not this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.trust.model import CLEAR, Finding
from accord.trust.rules import rule
from accord.trust.signals import Signals


# chromaprint_max_ber: 0.12, chosen on validation pieces (bench/RESULTS.md, 2026-12-03 15:00): at
# 0.2 Chromaprint named a *different* one-line tune (same soundfont, key and range) at 0.126-0.2
# in 39 of 1,392 validation queries; every exact or re-encoded copy measured at most 0.078.
@rule("reupload", "copies", chromaprint_max_ber=0.12, index_copy=0.58, index_near=0.25)
def reupload(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """A copy (Chromaprint bit errors <= chromaprint_max_ber, or index score >= index_copy)
    or a near copy (index score >= index_near) of a catalogue recording or another upload.
    The index's score is its verified share (accord.trust.fingerprint.verify). The index
    returns a match with a share of at least its MIN_VERIFIED (0.68), or, with STRONG_HASHES
    (25) quad votes, of at least STRONG_VERIFIED (0.42), and only when the match covers most
    of the upload and every 3 s window of it verifies (index.accepted, chosen on validation
    pieces); Chromaprint only matches over 80% of the shorter fingerprint (MIN_COVERAGE): a
    passage two recordings share is not a copy. At the default index_copy (0.58) the first
    kind is always a copy and the second a copy from 0.58 up, a near copy (held for review)
    below; a policy that raises index_copy holds more matches as near copies."""
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


@rule("melodic_copy", "copies", copy_coverage=0.9, near_coverage=0.5)
def melodic_copy(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """A symbolic upload whose melodic n-grams (transposition- and tempo-invariant, the
    memorization guard's measure) are found in one catalogue work: coverage >= copy_coverage
    is a copy, >= near_coverage a near copy."""
    if sig.upload.kind != "symbolic" or not sig.melodies:
        return Finding("melodic_copy", CLEAR)
    best = max(sig.melodies, key=lambda m: (m.coverage, m.longest_run_notes))
    ev = {"matches": [m.to_json() for m in sorted(sig.melodies, key=lambda m: -m.coverage)[:5]],
          "copy_coverage": p["copy_coverage"], "near_coverage": p["near_coverage"]}
    if best.coverage >= p["copy_coverage"]:
        verdict = "copy"
    elif best.coverage >= p["near_coverage"]:
        verdict = "near_copy"
    else:
        return Finding("melodic_copy", CLEAR, best.coverage, ev)
    recs = f" (recording {', '.join(best.recordings)})" if best.recordings else ""
    return Finding("melodic_copy", verdict, best.coverage, ev,
                   f"{'copy' if verdict == 'copy' else 'near copy'} of the melody of catalogue "
                   f"work {best.work_id} '{best.title}'{recs}: {best.coverage:.0%} of the "
                   f"upload's melodic {best.n}-grams, longest shared passage "
                   f"{best.longest_run_notes} notes")
