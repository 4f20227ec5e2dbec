"""Upload screening's records (pure): an upload, the findings of the rules, the decision.

A finding is what one named rule saw, with its own evidence and a score; the decision is
derived from the findings by the policy (accord.trust.policy) and keeps every reason, so a
screening explains itself (beets' Distance breakdown). Similarity findings are evidence for a
human decision, never sole proof: a decision that rests on them holds for review, and the
record says so (SIMILARITY_NOTE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """One decision per upload, from the mildest to the strictest."""

    ACCEPT = "accept"
    ACCEPT_LABELLED_AI = "accept_labelled_ai"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def severity(self) -> int:
        return list(Outcome).index(self)

    @property
    def flags(self) -> bool:
        """A held or rejected upload is flagged: kept out of DJ candidates and royalty pools
        while the decision stands (it is not deleted)."""
        return self in (Outcome.HOLD, Outcome.REJECT)


#: What a finding's verdict means. CLEAR: nothing seen. Every other verdict names what was
#: seen (e.g. "copy", "undisclosed_ai", "unlicensed_voice"); the policy maps it to an outcome.
CLEAR = "clear"

SIMILARITY_NOTE = ("similarity is evidence for a human decision, never sole proof: an upload "
                   "held on it waits for an admin's review")


@dataclass(frozen=True)
class Finding:
    """What one rule saw. score in [0, 1] (how strongly; 0 for clear); evidence: plain JSON
    (match offsets, similarity scores, disclosure fields) shown to the reviewer."""

    rule: str
    verdict: str
    score: float = 0.0
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    summary: str = ""

    @property
    def clear(self) -> bool:
        return self.verdict == CLEAR

    def to_json(self) -> dict:
        return {"rule": self.rule, "verdict": self.verdict, "score": round(self.score, 4),
                "summary": self.summary, "evidence": self.evidence}


@dataclass(frozen=True)
class Reason:
    """A finding that moved the decision, with the outcome the policy gave it."""

    rule: str
    verdict: str
    outcome: Outcome
    summary: str

    def to_json(self) -> dict:
        return {"rule": self.rule, "verdict": self.verdict, "outcome": self.outcome.value,
                "summary": self.summary}


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    ai_label: bool = False  # the upload is shown as AI-made (disclosed or found)
    similarity_only: bool = False  # every reason to hold is a similarity signal

    @property
    def flagged(self) -> bool:
        return self.outcome.flags

    def to_json(self) -> dict:
        out = {"outcome": self.outcome.value, "flagged": self.flagged, "ai_label": self.ai_label,
               "reasons": [r.to_json() for r in self.reasons]}
        if self.similarity_only:
            out["note"] = SIMILARITY_NOTE
        return out


@dataclass(frozen=True)
class Credit:
    """Who an upload names: its title, its main artist(s) and featured artists as given."""

    title: str = ""
    artists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Disclosure:
    """What the upload says about AI, from metadata JSON or a DDEX ERN message.

    ai: True (declared AI-made, fully or partly), False (declared human-made), None (silent).
    extent: "all" (DDEX ContainsAI All), "partly" (Partly, or a contributor's AiContribution),
    "none" (None: human-made), None (silent). fields: the names and values that said so."""

    ai: bool | None = None
    fields: tuple[tuple[str, str], ...] = ()
    source: str = "none"  # "metadata" | "ddex" | "none"
    extent: str | None = None


@dataclass(frozen=True)
class Upload:
    """One file offered for the catalogue, as read at the edge (accord.trust.inputs)."""

    path: str
    content_hash: str
    kind: str  # "audio" | "symbolic"
    duration_s: float
    size_bytes: int
    uploader: str
    credit: Credit = Credit()
    disclosure: Disclosure = Disclosure()
    fingerprint: str = ""  # Chromaprint (audio)
