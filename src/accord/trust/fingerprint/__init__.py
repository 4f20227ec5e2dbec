"""Re-upload and near-duplicate detection: a quad-hash index robust to pitch, speed and tempo
changes (peaks.py, quads.py, match.py, index.py) and a Chromaprint bit-error matcher for exact
and re-encoded copies (chromaprint.py). See docs/trust-fingerprints.md."""

from accord.trust.fingerprint.chromaprint import (
    ChromaprintMatch,
    chromaprint_match,
    decode,
    match_fingerprints,
    match_raw,
)
from accord.trust.fingerprint.index import MIN_HASHES, FingerprintIndex, OutdatedIndex
from accord.trust.fingerprint.match import Match

__all__ = ["ChromaprintMatch", "FingerprintIndex", "MIN_HASHES", "Match", "OutdatedIndex",
           "chromaprint_match", "decode", "match_fingerprints", "match_raw"]
