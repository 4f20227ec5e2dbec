"""AI disclosure: what the upload says (metadata, DDEX) against what it carries (a C2PA
credential with an AI digital source type) and what the AI-artefact signal sees.

A credential that says AI wins over metadata that says otherwise or nothing. The artefact
signal is evidence, not proof: undisclosed, it holds for review (policy), it never rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.trust.model import CLEAR, Finding
from accord.trust.rules import rule
from accord.trust.signals import Signals


def _fields(sig: Signals) -> dict:
    d = sig.upload.disclosure
    return {"source": d.source, "declared_ai": d.ai, "extent": d.extent,
            "fields": [list(f) for f in d.fields]}


@rule("disclosure", "disclosure")
def disclosure(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """Declared AI, all of it (DDEX ContainsAI All) or part of it (Partly, a contributor's
    AiContribution), or a C2PA credential saying AI that the metadata does not declare
    (undisclosed AI)."""
    declared = sig.upload.disclosure.ai
    ev = _fields(sig)
    if sig.c2pa is not None:
        ev["c2pa"] = sig.c2pa.to_json()
    if sig.c2pa is not None and sig.c2pa.ai and declared is not True:
        said = "says human-made" if declared is False else "is silent"
        return Finding("disclosure", "undisclosed_ai", 1.0, ev,
                       f"C2PA credential declares AI ({', '.join(sig.c2pa.source_types)}) but "
                       f"the metadata {said}")
    if declared is True and sig.upload.disclosure.extent == "partly":
        return Finding("disclosure", "disclosed_partly_ai", 1.0, ev,
                       "partly AI-made, disclosed")
    if declared is True or (sig.c2pa is not None and sig.c2pa.ai):
        return Finding("disclosure", "disclosed_ai", 1.0, ev, "AI-made, disclosed")
    return Finding("disclosure", CLEAR, 0.0, ev)


@rule("ai_artefact", "disclosure", threshold=0.9)
def ai_artefact(sig: Signals, p: Mapping[str, Any]) -> Finding:
    """The AI-artefact signal (periodic spectral peaks of upsampling decoders) at or above
    `threshold` on an upload not declared AI."""
    if sig.artefact_score is None or sig.artefact_score < p["threshold"]:
        return Finding("ai_artefact", CLEAR, sig.artefact_score or 0.0,
                       {"score": sig.artefact_score})
    ev = {"score": round(sig.artefact_score, 4), "threshold": p["threshold"],
          "detector": sig.artefact_evidence or {},
          "note": "a spectral artefact signal is evidence, not proof"}
    if sig.upload.disclosure.ai is True or (sig.c2pa is not None and sig.c2pa.ai):
        return Finding("ai_artefact", "ai_signal_disclosed", sig.artefact_score, ev,
                       f"AI-artefact signal {sig.artefact_score:.2f}, AI disclosed")
    return Finding("ai_artefact", "ai_signal", sig.artefact_score, ev,
                   f"AI-artefact signal {sig.artefact_score:.2f} >= {p['threshold']} "
                   "on an upload not declared AI (evidence, not proof)")
