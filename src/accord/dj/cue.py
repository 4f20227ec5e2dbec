"""Cue sheet of a set (pure): one TRACK per play, INDEX 01 at the start of its owned span."""

from __future__ import annotations


def _q(s: str) -> str:
    return s.replace('"', "'")[:200]


def stamp(ms: int) -> str:
    frames = ms * 75 // 1000  # CD frames: 75 per second
    return f"{frames // 4500:02d}:{frames // 75 % 60:02d}:{frames % 75:02d}"


def cue_sheet(audio_name: str, title: str, tracks: list[dict]) -> str:
    lines = ['PERFORMER "Accord DJ"', f'TITLE "{_q(title)}"', f'FILE "{_q(audio_name)}" WAVE']
    for n, t in enumerate(tracks, 1):
        lines += [f"  TRACK {n:02d} AUDIO", f'    TITLE "{_q(t["title"])}"',
                  f'    PERFORMER "{_q(t["performers_text"] or "unknown")}"']
        if t.get("isrc"):
            lines.append(f"    ISRC {t['isrc']}")
        lines.append(f"    INDEX 01 {stamp(t['cue_ms'])}")
    return "\n".join(lines) + "\n"
