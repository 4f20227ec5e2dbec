"""Signing keys at the edge: the development certificate chain `accord init` makes, and the
signing material the settings point at (production keys are configured by path).

The development chain is a root CA, an intermediate CA and a leaf signer, each with an ECDSA
P-256 key (C2PA's ES256). The leaf carries the extended key usage emailProtection, which the
C2PA trust model accepts for claim signers. Only the leaf's key is kept (PKCS#8 PEM, mode 0600):
the CA keys are discarded once they have signed, so nothing can issue further certificates.
THIS CHAIN IS FOR DEVELOPMENT ONLY: its root is trusted by nobody but this data home.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from accord.atomic import write_bytes
from accord.config import Settings
from accord.errors import InvalidInput

DEV_ORG = "Accord development (NOT FOR PRODUCTION)"
README = """These keys are for DEVELOPMENT ONLY.

dev-root-ca.pem        the trust anchor `accord verify` uses by default (trusted by nobody else)
dev-intermediate-ca.pem
dev-signer-chain.pem   the signer's certificate followed by the intermediate
dev-signer.key         the signer's private key (PKCS#8 PEM, ECDSA P-256)

The CA private keys were discarded after signing. For production, point the settings
ACCORD_SIGNING_CERT, ACCORD_SIGNING_KEY and ACCORD_TRUST_ANCHORS at a chain issued by a CA on
the C2PA trust list (or your organisation's), and keep the key in a secrets store.
"""


@dataclass(frozen=True)
class SigningMaterial:
    chain_pem: bytes      # signer certificate first, then intermediates
    key_pem: bytes        # PKCS#8 PEM
    anchors_pem: bytes    # trusted roots

    @property
    def chain(self):
        from cryptography import x509

        return x509.load_pem_x509_certificates(self.chain_pem)

    @property
    def anchors(self):
        from cryptography import x509

        return x509.load_pem_x509_certificates(self.anchors_pem)


def _name(common_name: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORG)])


def _certificate(subject: str, key, issuer: str, issuer_key, *, ca: bool, path_length=None,
                 days: int, now: dt.datetime):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(minutes=5))
         .not_valid_after(now + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                      key_encipherment=False, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                      encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                        critical=False))
    if issuer_key is not key:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
    if not ca:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def ensure_dev_chain(settings: Settings) -> dict:
    """Create the development chain under keys/ unless a signer key is already there."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    keys = settings.keys_dir
    key_path, chain_path = keys / "dev-signer.key", keys / "dev-signer-chain.pem"
    root_path, inter_path = keys / "dev-root-ca.pem", keys / "dev-intermediate-ca.pem"
    if key_path.exists() and chain_path.exists() and root_path.exists():
        return {"created": False, "keys": str(keys)}
    now = dt.datetime.now(dt.UTC)
    root_key, inter_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _certificate("Accord dev root CA", root_key, "Accord dev root CA", root_key, ca=True,
                        path_length=1, days=3650, now=now)
    inter = _certificate("Accord dev intermediate CA", inter_key, "Accord dev root CA",
                         root_key, ca=True, path_length=0, days=1825, now=now)
    leaf = _certificate("Accord dev output signer", leaf_key, "Accord dev intermediate CA",
                        inter_key, ca=False, days=365, now=now)
    pem = serialization.Encoding.PEM
    # the key last: its presence marks a complete chain
    write_bytes(root_path, root.public_bytes(pem))
    write_bytes(inter_path, inter.public_bytes(pem))
    write_bytes(chain_path, leaf.public_bytes(pem) + inter.public_bytes(pem))
    (keys / "README.txt").write_text(README)
    write_bytes(key_path, leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return {"created": True, "keys": str(keys)}


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        raise InvalidInput(f"no {what} at {path} (run `accord init` for a development chain, "
                           "or set the ACCORD_SIGNING_* / ACCORD_TRUST_ANCHORS paths)") from None


def signing_material(settings: Settings) -> SigningMaterial:
    return SigningMaterial(chain_pem=_read(settings.signing_cert_path, "signing certificate"),
                           key_pem=_read(settings.signing_key_path, "signing key"),
                           anchors_pem=_read(settings.trust_anchors_path, "trust anchor"))


def trust_anchors(settings: Settings) -> bytes:
    return _read(settings.trust_anchors_path, "trust anchor")
