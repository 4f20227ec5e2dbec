"""Token data for the trainer: pieces, the split by piece, batches and the evaluation windows.

Pure functions over lists of token ids (plus torch tensors); no files, no registry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Piece:
    """One training item as tokens: its id (the work id) and its token ids."""

    id: str
    ids: tuple[int, ...]


def dedupe(pieces: list[Piece]) -> tuple[list[Piece], list[str]]:
    """Drop pieces whose token sequence repeats an earlier one (by id order); return the dropped."""
    seen: set[str] = set()
    kept, dropped = [], []
    for p in sorted(pieces, key=lambda p: p.id):
        key = hashlib.sha256(json.dumps(p.ids).encode()).hexdigest()
        if key in seen:
            dropped.append(p.id)
            continue
        seen.add(key)
        kept.append(p)
    return kept, dropped


def split_by_piece(pieces: list[Piece], val_fraction: float,
                   seed: int) -> tuple[list[Piece], list[Piece]]:
    """(train, validation), after deduplication; whole pieces only, never a piece in both.

    The order is a hash of (seed, piece id), so a piece's side does not depend on which other
    pieces are present. At least one piece goes to each side when there are two or more.
    """
    kept, _ = dedupe(pieces)
    ranked = sorted(kept, key=lambda p: hashlib.sha256(f"{seed}:{p.id}".encode()).hexdigest())
    n_val = round(len(ranked) * val_fraction)
    if len(ranked) >= 2:
        n_val = min(max(n_val, 1), len(ranked) - 1)
    return ranked[n_val:], ranked[:n_val]


def stream(pieces: list[Piece]) -> torch.Tensor:
    """All pieces' tokens end to end (each piece already carries its BOS .. EOS)."""
    return torch.tensor([t for p in pieces for t in p.ids], dtype=torch.long)


def batch(data: torch.Tensor, block_size: int, batch_size: int,
          generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows of the stream: inputs x and next-token targets y, both (B, block_size)."""
    block = min(block_size, len(data) - 1)
    starts = torch.randint(0, len(data) - block, (batch_size,), generator=generator)
    x = torch.stack([data[s:s + block] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + 1 + block] for s in starts.tolist()])
    return x, y


def eval_windows(piece: Piece, block_size: int) -> list[tuple[list[int], list[int]]]:
    """Windows covering every next-token target of one piece (each token after the first)."""
    ids = list(piece.ids)
    out = []
    for s in range(0, len(ids) - 1, block_size):
        x = ids[s:s + block_size]
        y = ids[s + 1:s + 1 + block_size]
        x = x[:len(y)]
        out.append((x, y))
    return out


def padded(windows: list[tuple[list[int], list[int]]], block_size: int,
           pad_id: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack windows into (N, block_size) tensors; padded targets are -1 (ignored)."""
    x = torch.full((len(windows), block_size), pad_id, dtype=torch.long)
    y = torch.full((len(windows), block_size), -1, dtype=torch.long)
    for i, (a, b) in enumerate(windows):
        x[i, :len(a)] = torch.tensor(a)
        y[i, :len(b)] = torch.tensor(b)
    return x, y
