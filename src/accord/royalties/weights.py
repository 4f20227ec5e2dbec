"""A period's payee weights as columns: what the engine's weight query returns, held as NumPy
arrays so that the allocation (distribute.distribute_columns) need not build a Python object per
(sub-pool, payee) line.

Each row is one (feature, subpool, payee) with an exact integer weight below 2**127, kept as
its two 64-bit halves (the engines' DECIMAL(38,0) as Arrow stores it): lo (unsigned) and hi
(signed), weight = hi * 2**64 + lo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: (feature, subpool) -> {payee: integer weight}
Weights = dict[tuple[str, str], dict[str, int]]


@dataclass(frozen=True)
class WeightColumns:
    groups: list[tuple[str, str]]  # (feature, subpool) per group index
    payees: list[str]  # payee per payee index
    group: np.ndarray  # int64, per row
    payee: np.ndarray  # int64, per row
    lo: np.ndarray  # uint64, per row
    hi: np.ndarray  # int64, per row

    @classmethod
    def from_arrow(cls, t: pa.Table) -> WeightColumns:
        """From a table with columns feature, subpool, payee_id and an integer weight
        (decimal128 with scale 0, or int64), one row per (feature, subpool, payee)."""
        if t.num_rows == 0:
            return cls.from_codes(t, [])
        p = pc.dictionary_encode(t.column("payee_id").combine_chunks())
        return cls.from_codes(t.append_column("payee", p.indices), p.dictionary.to_pylist())

    @classmethod
    def from_codes(cls, t: pa.Table, payees: list[str]) -> WeightColumns:
        """From a table with columns feature, subpool, payee (an integer code: payees[code] is
        the payee) and an integer weight, one row per (feature, subpool, payee): what the
        engine returns when the holder map's payees are coded (engine_sql.coded_holders), so
        that no payee string is hashed again. Only the payees with a row are kept."""
        n = t.num_rows
        if n == 0:
            e = np.zeros(0, dtype=np.int64)
            return cls([], [], e, e, np.zeros(0, dtype=np.uint64), e)
        lo, hi = _halves(t.column("weight").combine_chunks())
        f = pc.dictionary_encode(t.column("feature").combine_chunks())
        s = pc.dictionary_encode(t.column("subpool").combine_chunks())
        pair = (f.indices.to_numpy(zero_copy_only=False).astype(np.int64) * len(s.dictionary)
                + s.indices.to_numpy(zero_copy_only=False))
        used, group = _renumber(pair, len(f.dictionary) * len(s.dictionary))
        features, subpools = f.dictionary.to_pylist(), s.dictionary.to_pylist()
        groups = [(features[k // len(subpools)], subpools[k % len(subpools)])
                  for k in used.tolist()]
        codes = t.column("payee").combine_chunks()
        if codes.null_count:
            raise ValueError("a payee is missing (NULL)")
        code = codes.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        if code.size and (code.min() < 0 or code.max() >= len(payees)):
            raise ValueError("a payee code is outside the payees")
        used_p, payee = _renumber(code, len(payees))
        return cls(groups, [payees[k] for k in used_p.tolist()], group, payee, lo, hi)

    @classmethod
    def from_dict(cls, weights: Weights) -> WeightColumns:
        rows = [(f, s, p, w) for (f, s), v in weights.items() for p, w in v.items()]
        return cls.from_arrow(pa.table({
            "feature": pa.array([r[0] for r in rows], pa.string()),
            "subpool": pa.array([r[1] for r in rows], pa.string()),
            "payee_id": pa.array([r[2] for r in rows], pa.string()),
            "weight": pa.array([r[3] for r in rows], pa.decimal128(38, 0))}))

    def totals(self) -> dict[tuple[str, str], int]:
        """W_s: each (feature, subpool)'s whole weight, exact."""
        m = len(self.groups)
        # lo in chunks of `bits` bits summed in float64, which is exact while every partial sum
        # stays below 2**53: a sum of n values below 2**bits is below n * 2**bits, so 32-bit
        # halves (two passes) serve up to 2**21 rows and 16-bit quarters (four) up to 2**37.
        # The rare rows with a non-zero hi are added in Python integers.
        bits = 32 if len(self.lo) < 2**21 else 16
        mask = np.uint64(2**bits - 1)
        out = [0] * m
        for q in range(64 // bits):
            part = ((self.lo >> np.uint64(bits * q)) & mask).astype(np.float64)
            s = np.bincount(self.group, weights=part, minlength=m)
            for i in range(m):
                out[i] += int(s[i]) << (bits * q)
        # hi likewise: in float64 while every partial sum is below 2**53 (n values of at most
        # |h| each never sum past n * |h|), in Python integers otherwise.
        big = np.nonzero(self.hi)[0]
        if big.size:
            h = self.hi[big]
            if max(-int(h.min()), int(h.max())) * big.size < 2**53:
                s = np.bincount(self.group[big], weights=h.astype(np.float64), minlength=m)
                for i in range(m):
                    out[i] += int(s[i]) << 64
            else:
                for g, wh in zip(self.group[big].tolist(), h.tolist(), strict=True):
                    out[g] += wh << 64
        return dict(zip(self.groups, out, strict=True))

    def to_dict(self) -> Weights:
        out: Weights = {k: {} for k in self.groups}
        for g, p, wl, wh in zip(self.group.tolist(), self.payee.tolist(), self.lo.tolist(),
                                self.hi.tolist(), strict=True):
            out[self.groups[g]][self.payees[p]] = (wh << 64) + wl
        return out


def _renumber(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(the codes in use, ascending; each row's code renumbered 0.. in that order), for codes
    in [0, size): a dense renumbering without sorting."""
    present = np.zeros(size, dtype=bool)
    present[codes] = True
    used = np.nonzero(present)[0]
    renumber = np.zeros(size, dtype=np.int64)
    renumber[used] = np.arange(used.size)
    return used, renumber[codes]


def _halves(a: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    if a.null_count:
        raise ValueError("a weight is missing (NULL)")
    if pa.types.is_integer(a.type):
        v = a.cast(pa.int64()).to_numpy(zero_copy_only=False)
        return v.astype(np.uint64), np.where(v < 0, -1, 0).astype(np.int64)
    if not pa.types.is_decimal128(a.type) or a.type.scale != 0:
        raise ValueError(f"weights must be integers, not {a.type}")
    raw = np.frombuffer(a.buffers()[1], dtype="<u8")[2 * a.offset: 2 * (a.offset + len(a))]
    pairs = raw.reshape(-1, 2)
    return pairs[:, 0].copy(), pairs[:, 1].view(np.int64).copy()
