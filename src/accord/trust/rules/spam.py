"""Spam: mass uploads from one account, duplicates of one's own uploads, tracks just over the
royalty-counting length, keyword-stuffed titles and artist names. Each is a weak signal alone;
the policy's `[combine.spam]` holds an upload when several agree."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from accord.trust.model import CLEAR, Finding
from accord.trust.rules import rule
from accord.trust.signals import Signals


@rule("mass_upload", "spam", max_uploads=20)
def mass_upload(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """More than `max_uploads` screenings from one account in the policy's window."""
    h = sig.history
    if h.uploads_in_window <= p["max_uploads"]:
        return Finding("mass_upload", CLEAR, 0.0, {"uploads_in_window": h.uploads_in_window})
    return Finding("mass_upload", "mass_upload", min(1.0, h.uploads_in_window
                                                     / (2 * p["max_uploads"])),
                   {"uploads_in_window": h.uploads_in_window, "window_s": h.window_s,
                    "max_uploads": p["max_uploads"]},
                   f"{h.uploads_in_window} uploads in {h.window_s // 60} min "
                   f"(more than {p['max_uploads']})")


@rule("duplicate", "spam")
def duplicate(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """The same bytes, or a fingerprint match, of the uploader's own earlier upload."""
    own = [m for m in sig.copies if m.same_uploader]
    same = sig.history.same_content
    if not own and not same:
        return Finding("duplicate", CLEAR)
    refs = [f"upload:{s}" for s in same] + [m.reference for m in own]
    return Finding("duplicate", "duplicate", 1.0,
                   {"same_bytes_as": list(same), "matches": [m.to_json() for m in own]},
                   f"duplicate of the uploader's own {', '.join(dict.fromkeys(refs))}")


@rule("royalty_length", "spam", royalty_min_s=30.0, margin_s=5.0)
def royalty_length(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """An audio track lasting just over the royalty-counting length (within `margin_s`)."""
    d, lo = sig.upload.duration_s, p["royalty_min_s"]
    if sig.upload.kind != "audio" or not lo <= d <= lo + p["margin_s"]:
        return Finding("royalty_length", CLEAR, 0.0, {"duration_s": d})
    return Finding("royalty_length", "just_over_royalty_length", 1 - (d - lo) / p["margin_s"],
                   {"duration_s": d, "royalty_min_s": lo, "margin_s": p["margin_s"]},
                   f"{d:.1f} s long, just over the {lo:.0f} s a stream needs to count")


_SEP = re.compile(r"[,;/|+&#]|\bx\b|\bfeat\b|\bft\b|\bvs\b", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)


def stuffing(text: str, bait: tuple[str, ...]) -> dict:
    """The counts that make a title or an artist field look keyword-stuffed (pure)."""
    words = [w.lower() for w in _WORD.findall(text)]
    counts = Counter(words)
    return {"length": len(text), "words": len(words), "separators": len(_SEP.findall(text)),
            "repeated": sum(c - 1 for c in counts.values() if c > 1),
            "bait": sorted({w for w in words if w in bait})}


@rule("keyword_stuffing", "spam", max_words=12, max_separators=4, max_repeats=2, max_bait=2,
      bait=("lofi", "chill", "study", "sleep", "relax", "relaxing", "beats", "meditation",
            "focus", "remix", "viral", "tiktok", "trending", "hits", "ambient", "rain",
            "spa", "yoga", "music", "best", "top", "2026"))
def keyword_stuffing(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """A title or artist field stuffed with search keywords: too many words, separators,
    repeats or bait words."""
    fields = {"title": sig.upload.credit.title,
              "artists": ", ".join(sig.upload.credit.artists)}
    bait = tuple(p["bait"])
    seen = {}
    for name, text in fields.items():
        s = stuffing(text, bait)
        over = [k for k, limit in (("words", p["max_words"]), ("separators",
                                                               p["max_separators"]),
                                   ("repeated", p["max_repeats"]))
                if s[k] > limit]
        if len(s["bait"]) > p["max_bait"]:
            over.append("bait")
        if over:
            seen[name] = {**s, "over": over}
    if not seen:
        return Finding("keyword_stuffing", CLEAR)
    what = "; ".join(f"{k}: {', '.join(v['over'])}" for k, v in seen.items())
    return Finding("keyword_stuffing", "keyword_stuffing", min(1.0, 0.5 * sum(
        len(v["over"]) for v in seen.values())), seen, f"keyword-stuffed ({what})")
