"""Chromaprint layer: exact and re-encoded copies, by an offset-searching bit-error matcher.

The catalogue already stores each recording's Chromaprint fingerprint as `fpcalc` prints it
(compressed, base64; accord.catalog.audio.fingerprint). `decode` turns that text back into the
raw 32-bit sub-fingerprints (one per 4096/3 samples at 11025 Hz, about 0.124 s), following
Chromaprint's documented compressed format: a 4-byte header (algorithm, item count), then the XOR
of consecutive items written as the gaps between their set bits, packed 3 bits each, with gaps
of 7 or more continued in a second stream packed 5 bits each.

`match_raw` slides the query along the reference and, at every offset with enough overlap,
counts differing bits; the best offset's bit error rate (0 for an identical copy, ~0.5 for
unrelated audio) is the evidence. Chromaprint's features are chroma on a fixed frequency grid and
a fixed frame rate, so pitch shifts and tempo changes defeat it: that is what the quad index is
for. fpcalc reads only the first 120 s by default, so a reference fingerprint covers that much.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accord.errors import InvalidInput

ITEM_S = 4096 / 3 / 11025  # seconds per sub-fingerprint
MAX_BER = 0.25  # a match needs a bit error rate at or below this (bench/trust.py, run 1)
MIN_OVERLAP = 40  # items (~5 s) compared at least ...
# ... and at least MIN_COVERAGE of the shorter of query and reference (2026-12-03, chosen on
# validation pieces by bench/trust_overlap.py: with 5 s alone, different sparse tunes rendered
# by one piano at one tempo matched on a shared cadence at the edge of the reference)
MIN_COVERAGE = 0.8
CHUNK_ITEMS = 4_000_000  # item comparisons held in memory at once


@dataclass(frozen=True)
class ChromaprintMatch:
    bit_error_rate: float  # differing bits / compared bits at the best offset
    offset_s: float  # reference time at the query's start (negative: query starts earlier)
    overlap_s: float  # compared duration
    coverage: float = 1.0  # compared duration / the shorter of query and reference

    def to_json(self) -> dict:
        return {"bit_error_rate": round(self.bit_error_rate, 4),
                "offset_s": round(self.offset_s, 3), "overlap_s": round(self.overlap_s, 3),
                "coverage": round(self.coverage, 4)}


def _unpack(data: bytes, bits: int) -> np.ndarray:
    """Little-endian bit-packed unsigned integers of `bits` bits each."""
    raw = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
    n = raw.shape[0] // bits
    groups = raw[: n * bits].reshape(n, bits).astype(np.int64)
    return (groups << np.arange(bits)).sum(axis=1)


def decode(fingerprint: str) -> np.ndarray:
    """Raw uint32 sub-fingerprints of a compressed, base64 Chromaprint fingerprint."""
    try:
        text = fingerprint.strip()
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(f"chromaprint fingerprint: not base64 ({exc})") from None
    if len(data) < 4:
        raise InvalidInput("chromaprint fingerprint: shorter than its 4-byte header")
    count = (data[1] << 16) | (data[2] << 8) | data[3]
    normal = _unpack(data[4:], 3)
    zeros = np.nonzero(normal == 0)[0]
    if zeros.shape[0] < count:
        raise InvalidInput(f"chromaprint fingerprint: truncated ({zeros.shape[0]} of {count} "
                           "items)")
    if count == 0:
        return np.zeros(0, dtype=np.uint32)
    normal = normal[: zeros[count - 1] + 1]
    packed3 = (normal.shape[0] * 3 + 7) // 8
    n_exc = int((normal == 7).sum())
    exceptional = _unpack(data[4 + packed3:], 5)
    if exceptional.shape[0] < n_exc:
        raise InvalidInput("chromaprint fingerprint: truncated exceptional bits")
    gaps = normal.copy()
    gaps[gaps == 7] += exceptional[:n_exc]
    # items end at each zero; within an item, bit positions are the running sum of the gaps
    item = np.concatenate([[0], np.cumsum(gaps == 0)[:-1]])
    pos = np.zeros_like(gaps)
    nz = gaps != 0
    csum = np.cumsum(gaps)
    start = np.concatenate([[0], csum[np.nonzero(gaps == 0)[0]]])[item]
    pos[nz] = (csum - start)[nz]
    if (pos > 32).any():
        raise InvalidInput("chromaprint fingerprint: bit position beyond 32")
    xors = np.zeros(count, dtype=np.uint64)
    np.bitwise_or.at(xors, item[nz], np.left_shift(np.uint64(1), (pos[nz] - 1).astype(np.uint64)))
    out = np.bitwise_xor.accumulate(xors.astype(np.uint32))
    return out.astype(np.uint32)


def match_raw(query: np.ndarray, reference: np.ndarray, *, max_ber: float = MAX_BER,
              min_overlap: int = MIN_OVERLAP,
              min_coverage: float = MIN_COVERAGE) -> ChromaprintMatch | None:
    """Best offset of `query` in `reference` by bit error rate, among the offsets that compare
    at least `min_overlap` items and `min_coverage` of the shorter fingerprint; None above
    `max_ber`."""
    q = np.asarray(query, dtype=np.uint32)
    r = np.asarray(reference, dtype=np.uint32)
    shorter = min(q.shape[0], r.shape[0])
    need = min(max(min_overlap, int(np.ceil(min_coverage * shorter))), shorter)
    if need == 0:
        return None
    # offset o: query item i meets reference item i + o; every offset at once, the reference
    # padded with masked zeros so that partial overlaps at both ends are compared too
    nq, nr = q.shape[0], r.shape[0]
    pad = np.zeros(nq, dtype=np.uint32)
    rp = np.concatenate([pad, r, pad])
    vp = np.concatenate([np.zeros(nq, bool), np.ones(nr, bool), np.zeros(nq, bool)])
    offsets = np.arange(-(nq - need), nr - need + 1)
    all_windows = np.lib.stride_tricks.sliding_window_view(rp, nq)
    all_valid = np.lib.stride_tricks.sliding_window_view(vp, nq)
    ber_all = np.empty(offsets.shape[0])
    compared = np.empty(offsets.shape[0], dtype=np.int64)
    step = max(1, CHUNK_ITEMS // nq)  # bounded memory for long queries
    for a in range(0, offsets.shape[0], step):
        idx = offsets[a:a + step] + nq
        valid = all_valid[idx]
        errors = (np.bitwise_count(all_windows[idx] ^ q[None, :]) * valid).sum(axis=1)
        compared[a:a + step] = valid.sum(axis=1)
        ber_all[a:a + step] = errors / (32.0 * compared[a:a + step])
    i = int(np.argmin(ber_all))
    ber, o, n = float(ber_all[i]), int(offsets[i]), int(compared[i])
    if ber > max_ber:
        return None
    return ChromaprintMatch(bit_error_rate=ber, offset_s=o * ITEM_S, overlap_s=n * ITEM_S,
                            coverage=n / min(nq, nr))


def match_fingerprints(query: str, reference: str, **kw) -> ChromaprintMatch | None:
    """`match_raw` over two compressed fingerprints as the catalogue stores them."""
    return match_raw(decode(query), decode(reference), **kw)


def chromaprint_match(query_path: Path | str, reference_path: Path | str,
                      **kw) -> ChromaprintMatch | None:
    """Fingerprint both files with the catalogue's fpcalc helper and match them."""
    from accord.catalog.audio import fingerprint

    return match_fingerprints(fingerprint(Path(query_path)), fingerprint(Path(reference_path)),
                              **kw)
