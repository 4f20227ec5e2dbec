"""Gradient-based training-data attribution: TRAK (Park et al., 2023) on one model version.

For a sequence z (a training work, or an output) its feature is a random projection of the
gradient of its loss, restricted to a chosen subset of the parameters:

    g(z)   = d/dθ_S  sum_t -log p_θ(z_t | z_<t)
             (θ_S: the output head, the last block and the final norm)
    φ(z)   = Pᵀ g(z) / sqrt(k),   P ~ N(0, 1)^{|S| x k}, seeded (the same P for every z)

Per-example gradients come from torch.func (functional_call + vmap + grad) over the model's
windows of block_size tokens (a piece longer than a window sums its windows' gradients). With Φ
the n x k matrix of training features, the TRAK score of training work i for output q is

    τ(q)_i = φ(q)ᵀ (ΦᵀΦ + λI)⁻¹ φ(z_i),   λ = damping · trace(ΦᵀΦ) / k

i.e. the after-kernel linearised influence of upweighting z_i on the output's loss, up to sign
(positive: training on z_i made the output more likely). The index stores Φ and A = Φ(ΦᵀΦ+λI)⁻¹,
so attributing an output costs one backward pass over its windows and an n x k product.
"""

from __future__ import annotations

import json
import math
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap

from accord.attribution.model import Query, Score, TrainingItem
from accord.training import data as D
from accord.training.model import Transformer

_P_CACHE: dict[tuple[int, int, int], torch.Tensor] = {}
_P_CACHE_MAX = 16_000_000  # projection entries kept in memory (64 MB); larger ones are streamed
_ROWS = 32_768             # projection rows generated at a time


@dataclass(frozen=True)
class TrakConfig:
    k: int = 512                 # projected dimensions of a gradient
    seed: int = 20261125         # seeds the projection P
    last_blocks: int = 1         # gradients of the last N transformer blocks (+ the final norm)
    head: bool = True            # and of the output head (its part of the tied embedding)
    damping: float = 1.0         # λ as a fraction of the mean eigenvalue of ΦᵀΦ
    windows_per_batch: int = 32  # windows per vmap call (memory vs speed)
    threads: int = 1             # torch threads while computing (small models: 1 is fastest)

    def to_json(self) -> dict:
        return asdict(self)


@contextmanager
def _threads(n: int):
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class GradientMethod:
    """TRAK over one model. `version` changes whenever the maths or the defaults change."""

    name = "trak"
    version = "1"

    def __init__(self, model: Transformer, config: TrakConfig = TrakConfig()) -> None:
        self.model = model.eval()
        self.config = config
        n = model.cfg.n_layer
        keep = tuple(f"blocks.{i}." for i in range(max(0, n - config.last_blocks), n)) + (
            "ln_f.",) + (("head.",) if config.head else ())
        # the head's weight is the token embedding's (tied): untied here, so that its gradient
        # is the head's part only and the backward pass stops at the last block
        named = dict(model.named_parameters(remove_duplicate=False))
        self.names = tuple(k for k in named if k.startswith(keep))
        self.frozen = {k: v.detach() for k, v in named.items() if k not in self.names}
        self.frozen.update({k: v.detach() for k, v in model.named_buffers()})
        self.dim = sum(named[k].numel() for k in self.names)
        self.item_ids: tuple[str, ...] = ()
        self.phi: np.ndarray | None = None  # n x k training features
        self.a: np.ndarray | None = None    # n x k: Φ (ΦᵀΦ + λI)⁻¹

    # --- features -------------------------------------------------------------------------------
    def _loss(self, sub: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor):
        logits, _, _ = functional_call(self.model, {**self.frozen, **sub}, (x[None],),
                                       tie_weights=False)
        return F.cross_entropy(logits[0], y, ignore_index=-1, reduction="sum")

    def _projection(self, rows: slice) -> torch.Tensor:
        """Rows of P (a slice of the gradient's coordinates), generated from the seed."""
        k, seed = self.config.k, self.config.seed
        key = (seed, self.dim, k)
        if self.dim * k <= _P_CACHE_MAX:
            if key not in _P_CACHE:
                _P_CACHE[key] = torch.cat([self._chunk(i) for i in range(
                    math.ceil(self.dim / _ROWS))]) / math.sqrt(k)
            return _P_CACHE[key][rows]
        first, last = rows.start // _ROWS, (rows.stop - 1) // _ROWS
        block = torch.cat([self._chunk(i) for i in range(first, last + 1)]) / math.sqrt(k)
        return block[rows.start - first * _ROWS:rows.stop - first * _ROWS]

    def _chunk(self, i: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(self.config.seed * 1_000_003 + i)
        n = min(_ROWS, self.dim - i * _ROWS)
        return torch.randn((n, self.config.k), generator=g)

    def _project(self, grads: torch.Tensor) -> torch.Tensor:
        """(m x dim) gradients -> (m x k)."""
        out = torch.zeros(grads.shape[0], self.config.k)
        for start in range(0, self.dim, _ROWS):
            rows = slice(start, min(self.dim, start + _ROWS))
            out += grads[:, rows] @ self._projection(rows)
        return out

    @torch.no_grad()
    def features(self, sequences: list[tuple[int, ...]]) -> np.ndarray:
        """φ of each token sequence (rows in order), float32."""
        block = self.model.cfg.block_size
        windows, owner = [], []
        for i, seq in enumerate(sequences):
            for w in D.eval_windows(D.Piece(str(i), tuple(seq)), block):
                windows.append(w)
                owner.append(i)
        out = torch.zeros(len(sequences), self.config.k)
        if not windows:
            return out.numpy()
        sub = {k: v.detach() for k, v in self.model.named_parameters(remove_duplicate=False)
               if k in self.names}
        per_window = vmap(grad(self._loss), in_dims=(None, 0, 0))
        step = self.config.windows_per_batch
        with torch.enable_grad(), warnings.catch_warnings(), _threads(self.config.threads):
            warnings.filterwarnings("ignore", message=".*batching rule.*")
            for s in range(0, len(windows), step):
                x, y = D.padded(windows[s:s + step], block)
                g = per_window(sub, x, y)
                flat = torch.cat([g[k].reshape(x.shape[0], -1) for k in self.names], dim=1)
                out.index_add_(0, torch.tensor(owner[s:s + step]), self._project(flat))
        return out.numpy().astype(np.float32)

    # --- index ----------------------------------------------------------------------------------
    def build_index(self, items: list[TrainingItem], directory: Path) -> None:
        phi = self.features([it.token_ids for it in items]).astype(np.float64)
        k = phi.shape[1]
        gram = phi.T @ phi
        lam = self.config.damping * max(np.trace(gram) / k, 1e-12)
        a = np.linalg.solve(gram + lam * np.eye(k), phi.T).T  # Φ (ΦᵀΦ + λI)⁻¹ (symmetric)
        self.item_ids = tuple(it.item_id for it in items)
        self.phi, self.a = phi.astype(np.float32), a.astype(np.float32)
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "features.npy", self.phi)
        np.save(directory / "trak.npy", self.a)
        (directory / "meta.json").write_text(json.dumps(
            {"method": self.name, "version": self.version, "config": self.config.to_json(),
             "parameters": list(self.names), "dim": self.dim, "lambda": lam,
             "items": list(self.item_ids)}, indent=2) + "\n")

    def load_index(self, directory: Path) -> None:
        meta = json.loads((directory / "meta.json").read_text())
        if meta["dim"] != self.dim or meta["parameters"] != list(self.names):
            raise ValueError(f"{directory}: index built for other parameters")
        self.item_ids = tuple(meta["items"])
        self.phi = np.load(directory / "features.npy")
        self.a = np.load(directory / "trak.npy")

    # --- scores ---------------------------------------------------------------------------------
    def attribute(self, query: Query) -> list[Score]:
        if self.a is None or self.phi is None:
            raise RuntimeError("no index loaded")
        q = self.features([query.token_ids])[0]
        tau = self.a @ q
        cos = (self.phi @ q) / (np.linalg.norm(self.phi, axis=1) * np.linalg.norm(q) + 1e-12)
        order = sorted(range(len(tau)), key=lambda i: (-float(tau[i]), self.item_ids[i]))
        return [Score(self.item_ids[i], float(tau[i]),
                      {"influence": round(float(tau[i]), 6), "rank": r + 1,
                       "gradient_cosine": round(float(cos[i]), 4)})
                for r, i in enumerate(order)]
