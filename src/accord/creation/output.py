"""The output record, a frozen domain fact: what was made, from what, with which files.

This is the input of attribution (token ids, MIDI path, model, conditioning party, source work)
and of royalties (purpose, kind, conditioning, source). Built from the registry row by
`Output.from_row`; the service never hands out rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from accord.timeutil import fmt


@dataclass(frozen=True)
class Output:
    id: str
    kind: str                          # new | style | continue | variation | derivative
    created_at: datetime
    model: dict                        # id, preset, weights_sha256, code_version, purpose
    snapshot_id: str
    merkle_root: str
    purpose: str
    parameters: dict                   # the request's params plus how the score was shaped
    seed: int                          # the seed actually sampled with
    requested_seed: int
    token_ids: tuple[int, ...]         # prompt + generated (conditioning tokens included)
    generated_from: int                # index of the first generated token
    midi_path: Path
    conditioning_party: str | None = None
    conditioning_name: str | None = None
    source_work: str | None = None
    source_title: str | None = None
    source_recording: str | None = None
    input_sha256: str | None = None
    permission: dict = field(default_factory=dict)   # evidence of the style / remix decision
    guard: dict = field(default_factory=dict)
    attempts: int = 1
    files: dict = field(default_factory=dict)        # role -> {path, sha256, bytes, ...}
    request: dict = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        return self.model["id"]

    def to_json(self) -> dict:
        d = asdict(self)
        d.update(created_at=fmt(self.created_at), midi_path=str(self.midi_path),
                 token_ids=list(self.token_ids))
        return d

    def summary(self) -> dict:
        """What a listing shows (no token ids)."""
        return {"id": self.id, "kind": self.kind, "created_at": fmt(self.created_at),
                "model": self.model_id, "purpose": self.purpose, "seed": self.seed,
                "conditioning_party": self.conditioning_party, "source_work": self.source_work,
                "guard_passed": self.guard.get("passed"),
                "max_coverage": self.guard.get("max_coverage"),
                "files": {k: v["path"] for k, v in self.files.items()}}

    @classmethod
    def from_row(cls, row) -> Output:
        prov = row.provenance or {}
        return cls(id=row.id, kind=row.kind, created_at=row.created_at,
                   model=prov.get("model", {"id": row.model_id}), snapshot_id=row.snapshot_id,
                   merkle_root=row.merkle_root, purpose=row.purpose, parameters=row.parameters,
                   seed=row.seed, requested_seed=row.requested_seed,
                   token_ids=tuple(row.token_ids), generated_from=row.generated_from,
                   midi_path=Path(row.midi_path), conditioning_party=row.conditioning_party,
                   conditioning_name=prov.get("conditioning", {}).get("artist_name"),
                   source_work=row.source_work,
                   source_title=prov.get("conditioning", {}).get("source_title"),
                   source_recording=row.source_recording, input_sha256=row.input_sha256,
                   permission=row.permission, guard=row.guard, attempts=row.attempts,
                   files=row.files, request=row.request)
