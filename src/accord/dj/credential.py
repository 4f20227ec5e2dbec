"""The mix's C2PA content credential: which parts are generated (the DJ's voice) and which are
human recordings from the catalogue, signed with the home's signing key (the same chain and
c2pa-python signer as creation's credentials; read from the settings' paths)."""

from __future__ import annotations

import os
from pathlib import Path

import accord
from accord.config import Settings
from accord.errors import InvalidInput

ASSERTION = "org.accord.dj"
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
COMPOSITE = IPTC + "composite"
ALGORITHMIC = IPTC + "algorithmicMedia"            # espeak-ng: rules, no training data
TRAINED = IPTC + "trainedAlgorithmicMedia"          # Piper: a trained voice model
HUMAN = IPTC + "digitalCapture"                     # as the catalogue delivers a recording
MIME = {".flac": "audio/flac", ".mp3": "audio/mpeg", ".wav": "audio/wav"}


def facts(set_id: str, voice: dict, voice_spans: list[dict], tracks: list[dict]) -> dict:
    return {
        "format": "accord-dj/1", "set_id": set_id,
        "voice": {"generated": True, "engine": voice["engine"], "voice": voice["voice"],
                  "digital_source_type": TRAINED if voice.get("trained") else ALGORITHMIC,
                  "spans_ms": voice_spans,
                  "statement": "The spoken commentary is a generated voice; it is not any "
                               "artist's voice."},
        "recordings": [{"recording_id": t["recording_id"], "isrc": t["isrc"],
                        "title": t["title"], "human": True, "digital_source_type": HUMAN,
                        "start_ms": t["start_ms"], "end_ms": t["end_ms"]} for t in tracks],
    }


def manifest(f: dict) -> dict:
    return {
        "claim_generator_info": [{"name": "Accord DJ", "version": accord.__version__}],
        "title": f"Accord DJ set {f['set_id']}",
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [
                {"action": "c2pa.created", "digitalSourceType": COMPOSITE,
                 "softwareAgent": {"name": "Accord DJ", "version": accord.__version__}},
                {"action": "c2pa.edited", "digitalSourceType": f["voice"]["digital_source_type"],
                 "description": "generated voice commentary mixed over the recordings"}]}},
            {"label": ASSERTION, "data": f},
        ],
    }


def sign(path: Path, f: dict, s: Settings) -> None:
    """Embed the signed credential in `path` in place (a signed copy, then rename)."""
    import c2pa

    if path.suffix.lower() not in MIME:
        raise InvalidInput(f"{path}: no C2PA signing for {path.suffix}")
    try:
        chain, key = s.signing_cert_path.read_bytes(), s.signing_key_path.read_bytes()
    except OSError:
        raise InvalidInput("no signing key in this home (run `accord init`)") from None
    tmp = path.with_name(path.name + ".signed" + path.suffix)
    info = c2pa.C2paSignerInfo(alg=b"es256", sign_cert=chain, private_key=key, ta_url=None)
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest(f)) as builder:
        builder.sign_file(str(path), str(tmp), signer)
    os.replace(tmp, path)


def read(path: Path) -> dict | None:
    """The DJ assertion of a signed file (None if it carries none)."""
    import json

    import c2pa

    with c2pa.Reader(str(path)) as r:
        store = json.loads(r.json())
    m = store["manifests"][store["active_manifest"]]
    for a in m.get("assertions", []):
        if a.get("label") == ASSERTION:
            return a["data"]
    return None
