"""Records of the attribution context: frozen, typed, free of storage.

`AttributionInput` is the contract with creation: what attribution needs to know about one
output. `Score` is what a method says about one training work (with the evidence that makes the
score explain itself); `CreditShare` is what the credit rule (rule.py) turns scores into.
`AttributionMethod` is the one interface every method implements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import symusic

from accord.music.ngrams import Note


@dataclass(frozen=True)
class AttributionInput:
    """One generated output, as attribution sees it (built from creation's output record by
    inputs.from_output_record, or from a sample made by this context)."""

    output_id: str
    model_id: str
    midi_path: Path | None = None             # the output's MIDI, when it has one
    token_ids: tuple[int, ...] | None = None  # or its token ids in the model's vocabulary
    conditioning_party: str | None = None     # the artist whose style token conditioned it
    source_work: str | None = None            # the work a derivative (remix) was made from

    def __post_init__(self) -> None:
        if self.midi_path is None and not self.token_ids:
            raise ValueError(f"output {self.output_id}: needs a MIDI path or token ids")

    def to_json(self) -> dict:
        return {"output_id": self.output_id, "model_id": self.model_id,
                "midi_path": None if self.midi_path is None else str(self.midi_path),
                "token_ids": None if self.token_ids is None else list(self.token_ids),
                "conditioning_party": self.conditioning_party, "source_work": self.source_work}

    @classmethod
    def from_json(cls, d: dict) -> AttributionInput:
        return cls(output_id=d["output_id"], model_id=d["model_id"],
                   midi_path=Path(d["midi_path"]) if d.get("midi_path") else None,
                   token_ids=tuple(d["token_ids"]) if d.get("token_ids") else None,
                   conditioning_party=d.get("conditioning_party"),
                   source_work=d.get("source_work"))


@dataclass(frozen=True)
class TrainingItem:
    """One training work as the methods index it: its token ids exactly as the model was
    trained on them, and its melody (for the symbolic method)."""

    item_id: str                 # the work id
    token_ids: tuple[int, ...]
    notes: tuple[Note, ...]
    beats_per_bar: float = 4.0   # from the work's first time signature (for bar numbers)


@dataclass(frozen=True)
class Query:
    """An output prepared for the methods: tokens, decoded score and melody."""

    output_id: str
    token_ids: tuple[int, ...]
    notes: tuple[Note, ...]
    beats_per_bar: float = 4.0
    score: symusic.Score | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Score:
    """A method's score for one training work. Higher means more influence / similarity;
    `evidence` is the breakdown the score was derived from (passages, influence, components)."""

    item_id: str
    score: float
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class CreditShare:
    """One credit of an output: a share (exact, 6 decimals) of 1 for a work in a role."""

    role: str            # training | conditioning | source (the royalty engine's roles)
    item_id: str         # a work id
    share: Decimal
    score: float | None = None  # the method's score (training credits only)


@runtime_checkable
class AttributionMethod(Protocol):
    """An attribution method. `build_index` runs once per model version (the index is stored in
    the model's directory); `attribute` scores every indexed work for one output."""

    name: str
    version: str

    def build_index(self, items: list[TrainingItem], directory: Path) -> None:
        """Index the model's training works into `directory` (written by the caller atomically)."""
        ...

    def load_index(self, directory: Path) -> None:
        """Load a stored index (the same scores as right after build_index)."""
        ...

    def attribute(self, query: Query) -> list[Score]:
        """Scores of the indexed works for one output, best first."""
        ...
