"""Which recordings may be in a listener's next set (pure).

A recording is a candidate only when all of these hold at play time:
  permitted   it is in the set the rights registry's set-based query returned for `dj` at T
              (every master holder, publisher, artist and writer said yes; no takedown);
  not excluded  trust has not flagged it (`dj.exclusions.excluded_recordings`);
  not AI-made   unless the listener switched "no AI-generated music" off (default on);
  playable    the catalogue holds audio for it (or the caller builds a plan without audio);
  requested   it matches no "no X today" term of the listener's request.
Each dropped recording is counted under its first failing reason, so a set can say why the
pool is what it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from accord.dj.model import Constraints, Track


def matches(track: Track, terms: Iterable[str]) -> bool:
    """A request term names this track: its title, its work, its genre or one of its people
    (matching is filtering, never speaking, so every credited name counts)."""
    hay = " ".join([track.title, track.work_title, track.genre,
                    *[p.name for p in track.performers + track.writers],
                    *[p.party_id for p in track.performers + track.writers]]).lower()
    return any(t and t in hay for t in terms)


def select(tracks: Mapping[str, Track], permitted: set[str], excluded: set[str],
           no_ai: bool = True, constraints: Constraints | None = None,
           need_audio: bool = True) -> tuple[list[Track], Counter]:
    """(candidates in id order, dropped counts by reason)."""
    c = constraints or Constraints()
    out: list[Track] = []
    dropped: Counter = Counter()
    for rid in sorted(tracks):
        t = tracks[rid]
        if rid not in permitted:
            dropped["not permitted for dj"] += 1
        elif rid in excluded:
            dropped["flagged by trust"] += 1
        elif no_ai and t.ai_generated:
            dropped["AI-generated (listener setting)"] += 1
        elif need_audio and not t.audio_path:
            dropped["no audio in the catalogue"] += 1
        elif c.exclude_terms and matches(t, c.exclude_terms):
            dropped["excluded by request"] += 1
        else:
            out.append(t)
    return out, dropped
