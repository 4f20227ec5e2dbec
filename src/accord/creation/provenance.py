"""Provenance: the facts every output carries, a signed C2PA content credential embedded in each
audio file (c2pa-python, offline), and a signed JSON sidecar for MIDI (which C2PA cannot embed).

`provenance_facts` is pure; signing and verifying are at the edge. Both credentials say the same
things: the output is trainedAlgorithmicMedia, made by model M (weights hash) trained on the
snapshot with Merkle root R, conditioned on artist A or derived from work W, which parts the
model generated and which a rule arranged, credits (pending until attribution lands), and that
the output itself may not be used for AI training or data
mining without a licence (C2PA's c2pa.training-mining assertion, notAllowed).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import accord
from accord.creation.keys import SigningMaterial
from accord.creation.output import Output
from accord.errors import InvalidInput
from accord.timeutil import fmt

FACTS_FORMAT = "accord-provenance/1"
SIDECAR_FORMAT = "accord-sidecar/1"
SIDECAR_SUFFIX = ".provenance.json"
ASSERTION = "org.accord.provenance"
TRAINED_ALGORITHMIC_MEDIA = \
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
TRAINING_MINING = ("c2pa.ai_generative_training", "c2pa.ai_training", "c2pa.data_mining")
NO_TRAINING = ("This output may not be used to train AI models or for data mining without a "
               "licence from the rights holders credited in it.")
AUDIO_MIME = {".wav": "audio/wav", ".flac": "audio/flac", ".mp3": "audio/mpeg"}


# --- the facts (pure) ---------------------------------------------------------------------------

def provenance_facts(output: Output, credits: dict | None = None) -> dict:
    """Everything a credential states about an output. `credits` comes from attribution; until it
    is computed the section says `pending`."""
    midi = output.files.get("midi", {})
    return {
        "format": FACTS_FORMAT,
        "output_id": output.id,
        "kind": output.kind,
        "created_at": fmt(output.created_at),
        "digital_source_type": TRAINED_ALGORITHMIC_MEDIA,
        "generator": {"name": "Accord", "version": accord.__version__},
        "model": dict(output.model),
        "dataset": {"snapshot": output.snapshot_id, "merkle_root": output.merkle_root},
        "conditioning": {"artist": output.conditioning_party,
                         "artist_name": output.conditioning_name,
                         "source_work": output.source_work,
                         "source_title": output.source_title,
                         "source_recording": output.source_recording},
        "purpose": output.purpose,
        "parameters": dict(output.parameters),
        "seed": output.seed,
        "memorization_guard": {k: output.guard.get(k) for k in
                               ("passed", "max_coverage", "threshold", "n", "work_id")},
        "credits": credits if credits is not None else {"status": "pending"},
        "training_mining": {"use": "notAllowed", "constraint": NO_TRAINING},
        "midi_sha256": midi.get("sha256"),
        # what the model made and what a rule arranged (arrange.py); absent on older outputs
        "arrangement": output.parameters.get("arranged"),
        "arrangement_midi_sha256": output.files.get("arrangement", {}).get("sha256"),
    }


def c2pa_manifest(facts: dict) -> dict:
    """The manifest definition c2pa-python's Builder signs."""
    return {
        "claim_generator_info": [{"name": "Accord", "version": accord.__version__}],
        "title": f"Accord output {facts['output_id']}",
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [{
                "action": "c2pa.created",
                "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                "softwareAgent": {"name": "Accord", "version": accord.__version__},
                "parameters": {"model": facts["model"].get("id"), "kind": facts["kind"]}}]}},
            {"label": "c2pa.training-mining", "data": {"entries": {
                k: {"use": "notAllowed", "constraint_info": NO_TRAINING}
                for k in TRAINING_MINING}}},
            {"label": ASSERTION, "data": facts},
        ],
    }


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- signing (edge) -----------------------------------------------------------------------------

def sign_audio(src: Path, dst: Path, facts: dict, material: SigningMaterial) -> None:
    """Embed a signed C2PA manifest in a copy of `src` written to `dst` (WAV, FLAC or MP3)."""
    import c2pa

    if Path(src).suffix.lower() not in AUDIO_MIME:
        raise InvalidInput(f"{src}: C2PA signing supports {', '.join(AUDIO_MIME)} here")
    info = c2pa.C2paSignerInfo(alg=b"es256", sign_cert=material.chain_pem,
                               private_key=material.key_pem, ta_url=None)
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(c2pa_manifest(facts)) as builder:
        builder.sign_file(str(src), str(dst), signer)


def sidecar(midi: Path, facts: dict, material: SigningMaterial) -> dict:
    """A JSON sidecar for a MIDI file: the facts and the file's hash, signed (ES256 over the
    canonical JSON), with the signer's certificate chain."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    payload = {"format": SIDECAR_FORMAT,
               "file": {"name": Path(midi).name, "sha256": sha256_file(midi)},
               "facts": facts}
    key = serialization.load_pem_private_key(material.key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InvalidInput("the signing key is not an ECDSA key (ES256 needs P-256)")
    sig = key.sign(canonical(payload), ec.ECDSA(hashes.SHA256()))
    certs = [c.public_bytes(serialization.Encoding.PEM).decode() for c in material.chain]
    return {**payload, "signature": {"alg": "ES256", "value": base64.b64encode(sig).decode(),
                                     "certificates": certs}}


def sidecar_path(midi: Path) -> Path:
    return Path(str(midi) + SIDECAR_SUFFIX)


# --- verification (edge) ------------------------------------------------------------------------

@dataclass
class Verification:
    file: str
    kind: str                     # "c2pa" | "sidecar"
    ok: bool = False
    signature_valid: bool = False
    trusted: bool = False
    content_matches: bool = False
    problems: list[str] = field(default_factory=list)
    facts: dict | None = None
    signer: dict = field(default_factory=dict)
    training_mining: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"file": self.file, "kind": self.kind, "ok": self.ok,
                "signature_valid": self.signature_valid, "trusted": self.trusted,
                "content_matches": self.content_matches, "problems": self.problems,
                "signer": self.signer, "training_mining": self.training_mining,
                "facts": self.facts}


def verify_chain(chain: list, anchors: list, at: datetime | None = None) -> list[str]:
    """Problems with a certificate chain (signer first) against trusted roots; [] if it holds."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    at = at or datetime.now(UTC)
    problems: list[str] = []
    if not chain:
        return ["no certificates"]
    for cert in chain:
        if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            problems.append(f"certificate {cert.subject.rfc4514_string()} is not valid at "
                            f"{fmt(at)}")
    try:
        eku = chain[0].extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if not {ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier(
                "1.3.6.1.4.1.311.10.3.12")} & set(eku):
            problems.append("the signer's certificate lacks a signing extended key usage")
    except x509.ExtensionNotFound:
        problems.append("the signer's certificate has no extended key usage")
    path = list(chain)
    while True:
        cert = path[-1]
        roots = [a for a in anchors if a.subject == cert.issuer]
        for root in roots:
            try:
                cert.verify_directly_issued_by(root)
                return problems
            except Exception:  # noqa: BLE001 - try the next anchor
                continue
        if len(path) == len(chain):
            return problems + [f"the chain does not lead to a trusted root (last issuer: "
                               f"{cert.issuer.rfc4514_string()})"]
        issuer = chain[len(path)]
        try:
            cert.verify_directly_issued_by(issuer)
            if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
                return problems + [f"{issuer.subject.rfc4514_string()} is not a CA"]
        except Exception as exc:  # noqa: BLE001 - any failure is a broken chain
            return problems + [f"{cert.subject.rfc4514_string()} is not signed by "
                               f"{issuer.subject.rfc4514_string()} ({exc})"]
        path.append(issuer)


def verify_sidecar(path: Path, anchors_pem: bytes) -> Verification:
    """Check a MIDI sidecar: signature, chain to the trust anchors, and the MIDI's hash."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    v = Verification(file=str(path), kind="sidecar")
    try:
        doc = json.loads(Path(path).read_text())
        sig = doc["signature"]
        payload = {k: doc[k] for k in ("format", "file", "facts")}
        chain = [x509.load_pem_x509_certificate(c.encode()) for c in sig["certificates"]]
        value = base64.b64decode(sig["value"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        v.problems.append(f"not a readable Accord sidecar ({exc})")
        return v
    v.facts = payload["facts"]
    v.training_mining = (payload["facts"] or {}).get("training_mining", {})
    v.signer = {"subject": chain[0].subject.rfc4514_string(),
                "issuer": chain[0].issuer.rfc4514_string()} if chain else {}
    try:
        chain[0].public_key().verify(value, canonical(payload), ec.ECDSA(hashes.SHA256()))
        v.signature_valid = True
    except (InvalidSignature, IndexError, TypeError, ValueError):
        v.problems.append("the signature does not match the sidecar's content")
    chain_problems = verify_chain(chain, x509.load_pem_x509_certificates(anchors_pem))
    v.trusted = not chain_problems
    v.problems += chain_problems
    midi = Path(path).parent / payload["file"]["name"]
    if not midi.exists():
        v.problems.append(f"the MIDI file {midi} is missing")
    elif sha256_file(midi) != payload["file"]["sha256"]:
        v.problems.append(f"{midi.name} has changed: its SHA-256 differs from the signed one")
    else:
        v.content_matches = True
    v.ok = v.signature_valid and v.trusted and v.content_matches
    return v


def verify_audio(path: Path, anchors_pem: bytes) -> Verification:
    """Check the C2PA credential embedded in an audio file against the trust anchors."""
    import c2pa

    v = Verification(file=str(path), kind="c2pa")
    settings = {"verify": {"verify_trust": True},
                "trust": {"trust_anchors": anchors_pem.decode()}}
    try:
        ctx = c2pa.Context(settings=c2pa.Settings.from_dict(settings))
        with c2pa.Reader(str(path), context=ctx) as reader:
            report = json.loads(reader.json())
            state = reader.get_validation_state()
    except Exception as exc:  # noqa: BLE001 - c2pa raises its own error family
        v.problems.append(f"no readable C2PA credential ({str(exc).strip()[:200]})")
        return v
    manifest = report.get("manifests", {}).get(report.get("active_manifest"), {})
    results = report.get("validation_results", {}).get("activeManifest", {})
    codes = {r.get("code") for r in results.get("success", [])}
    failures = results.get("failure", [])
    for f in failures:
        v.problems.append(f"{f.get('code')}: {f.get('explanation', '')}".strip())
    failed = {f.get("code") for f in failures}
    v.signature_valid = "claimSignature.validated" in codes and not any(
        (c or "").startswith("claimSignature") for c in failed)
    v.trusted = "signingCredential.trusted" in codes
    v.content_matches = not any((c or "").startswith(("assertion.dataHash", "assertion.bmffHash",
                                                      "assertion.boxesHash",
                                                      "assertion.hashedURI"))
                                for c in failed)
    info = manifest.get("signature_info", {})
    v.signer = {"subject": info.get("common_name"), "issuer": info.get("issuer"),
                "alg": info.get("alg")}
    for a in manifest.get("assertions", []):
        if a.get("label") == ASSERTION:
            v.facts = a.get("data")
        elif a.get("label") == "c2pa.training-mining":
            v.training_mining = a.get("data", {}).get("entries", {})
    if v.facts is None:
        v.problems.append(f"the credential has no {ASSERTION} assertion")
    v.ok = (state == "Trusted" and v.signature_valid and v.trusted and v.content_matches
            and v.facts is not None)
    if not v.ok and not v.problems:
        v.problems.append(f"validation state {state}")
    return v


def verify_file(path: Path, anchors_pem: bytes) -> Verification:
    """Verify an output file: audio by its embedded credential, MIDI (or a sidecar) by the
    sidecar beside it."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in AUDIO_MIME:
        return verify_audio(path, anchors_pem)
    if str(path).endswith(SIDECAR_SUFFIX):
        return verify_sidecar(path, anchors_pem)
    if suffix in (".mid", ".midi"):
        side = sidecar_path(path)
        if not side.exists():
            v = Verification(file=str(path), kind="sidecar")
            v.problems.append(f"no signed sidecar {side.name} beside the MIDI file")
            return v
        v = verify_sidecar(side, anchors_pem)
        v.file = str(path)
        return v
    raise InvalidInput(f"{path}: cannot verify {suffix or 'this'} files; give a .wav, .flac, "
                       f".mp3 or .mid output (or its {SIDECAR_SUFFIX} sidecar)")
