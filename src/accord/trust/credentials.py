"""C2PA credentials in an upload (the edge): anyone's, read with c2pa-python offline.

An upload carrying a credential whose actions name an AI digital source type (IPTC's
trainedAlgorithmicMedia, compositeWithTrainedAlgorithmicMedia, algorithmicMedia) is AI-made
whatever its metadata says: Accord's own outputs carry exactly that (accord.creation.provenance).
The signature is checked against Accord's trust anchors when the home has them; a credential
from elsewhere still counts as a declaration by whoever made the file.
"""

from __future__ import annotations

import json
from pathlib import Path

from accord.trust.signals import C2paClaim

AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia",
                   "algorithmicMedia")


def source_types(report: dict) -> tuple[list[str], str]:
    """Every digitalSourceType named by an actions assertion of any manifest, and the
    generator of the active one (pure, over c2pa-python's JSON report)."""
    types: list[str] = []
    manifests = report.get("manifests") or {}
    for m in manifests.values():
        for a in m.get("assertions", []) or []:
            if str(a.get("label", "")).startswith("c2pa.actions"):
                for act in (a.get("data") or {}).get("actions", []) or []:
                    t = act.get("digitalSourceType")
                    if t:
                        types.append(str(t))
    active = manifests.get(report.get("active_manifest"), {})
    gen = active.get("claim_generator") or ""
    if not gen and active.get("claim_generator_info"):
        gen = str(active["claim_generator_info"][0].get("name", ""))
    return list(dict.fromkeys(types)), gen


def is_ai(types: list[str]) -> bool:
    return any(t.rsplit("/", 1)[-1] in AI_SOURCE_TYPES for t in types)


def read_claim(path: Path, anchors_pem: bytes | None = None) -> C2paClaim | None:
    """The credential in an audio file, or None when it has none (or none readable)."""
    import c2pa

    try:
        with c2pa.Reader(str(path)) as reader:
            report = json.loads(reader.json())
    except Exception:  # noqa: BLE001 - no manifest is the usual case and not an error
        return None
    types, gen = source_types(report)
    valid = None
    if anchors_pem:
        from accord.creation.provenance import verify_audio

        valid = verify_audio(Path(path), anchors_pem).signature_valid
    return C2paClaim(is_ai(types), tuple(t.rsplit("/", 1)[-1] for t in types), gen, valid)
