"""Arrangement styles: which General MIDI instruments play the melody, the chords and the bass,
and how the accompaniment moves, chosen from the collection the music comes from. Pure.

- irish (O'Neill's, Ryan's, Aird's, Nottingham): Fiddle; Acoustic Guitar (steel) chords and
  Acoustic Bass in the metre's pattern;
- folk (Essen, misc. folk): Clarinet; Accordion chords, Acoustic Bass, pattern;
- chorale (Bach chorales, Renaissance vocal music): Violin; String Ensemble chords and Cello
  bass, sustained (a held chord a bar);
- piano (everything else): piano for all three parts, pattern.

`style_for` takes the collections behind an output (the conditioning artist's works, a
derivative's source, or the model's whole snapshot) and picks the style of most of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    program: int     # General MIDI program, 0-based
    name: str
    velocity: int    # MIDI velocity of its notes (the mix: melody on top)

    def to_json(self) -> dict:
        return {"program": self.program, "name": self.name}


@dataclass(frozen=True)
class Style:
    name: str
    melody: Instrument
    chords: Instrument
    bass: Instrument
    comp: str        # "pattern": bass and chords by metre; "sustained": a held chord a bar


STYLES: dict[str, Style] = {
    "irish": Style("irish", Instrument(110, "Fiddle", 100),
                   Instrument(25, "Acoustic Guitar (steel)", 64),
                   Instrument(32, "Acoustic Bass", 84), "pattern"),
    "folk": Style("folk", Instrument(71, "Clarinet", 100), Instrument(21, "Accordion", 56),
                  Instrument(32, "Acoustic Bass", 84), "pattern"),
    "chorale": Style("chorale", Instrument(40, "Violin", 100),
                     Instrument(48, "String Ensemble 1", 60), Instrument(42, "Cello", 76),
                     "sustained"),
    "piano": Style("piano", Instrument(0, "Acoustic Grand Piano", 100),
                   Instrument(0, "Acoustic Grand Piano", 58),
                   Instrument(0, "Acoustic Grand Piano", 72), "pattern"),
}

COLLECTION_STYLE = {
    "oneills1850": "irish", "ryansMammoth": "irish", "airdsAirs": "irish",
    "nottingham-dataset": "irish", "essenFolksong": "folk", "miscFolk": "folk",
    "bach": "chorale", "palestrina": "chorale", "monteverdi": "chorale", "josquin": "chorale",
    "ciconia": "chorale", "trecento": "chorale", "luca": "chorale",
}
DEFAULT = "piano"


def style_for(collections: Iterable[str]) -> str:
    """The style of most of the collections (ties: the first in STYLES order); piano if none."""
    votes = Counter(COLLECTION_STYLE.get(c, DEFAULT) for c in collections if c)
    if not votes:
        return DEFAULT
    order = list(STYLES)
    return max(votes, key=lambda s: (votes[s], -order.index(s)))
