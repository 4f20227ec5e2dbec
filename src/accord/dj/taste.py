"""The taste model: implicit-feedback ALS over listening events.

Confidence of (listener, recording) = 1 + alpha * sum of event weights (a full listen 1, a
like 3, a play 0.5, a DJ play 1, a skip 0). Two engines fit the same model:
  implicit  the `implicit` library's conjugate-gradient ALS on one machine (default);
  spark     Spark MLlib ALS (implicitPrefs) for logs that outgrow one machine.
Both hand back plain factor matrices, so scoring, persistence and evaluation are one code path.
Baselines: popularity (training counts) and random.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy is imported where a matrix is built: not at every CLI/API start-up
    import scipy.sparse as sp

from accord.errors import InvalidInput

WEIGHTS = {"play": 0.5, "skip": 0.0, "like": 3.0, "full": 1.0, "dj_play": 1.0}
ENGINES = ("implicit", "spark")


@dataclass(frozen=True)
class Params:
    factors: int = 64
    iterations: int = 12
    regularization: float = 0.05
    alpha: float = 2.0  # confidence scale
    seed: int = 7


@dataclass(frozen=True)
class TasteModel:
    engine: str
    listeners: tuple[str, ...]
    recordings: tuple[str, ...]
    user_factors: np.ndarray = field(repr=False)
    item_factors: np.ndarray = field(repr=False)
    popularity: np.ndarray = field(repr=False)  # training weight per recording
    params: Params = Params()

    def scores(self, listener: str) -> dict[str, float] | None:
        """Every known recording's score for a known listener; None for a new listener."""
        try:
            u = self.listeners.index(listener)
        except ValueError:
            return None
        s = self.item_factors @ self.user_factors[u]
        return dict(zip(self.recordings, s.tolist(), strict=True))

    def similar(self, recording: str) -> dict[str, float]:
        """Cosine similarity of one recording's factors to every other's ({} if unknown)."""
        if recording not in self.recordings:
            return {}
        f = self.item_factors
        norm = np.linalg.norm(f, axis=1) + 1e-9
        i = self.recordings.index(recording)
        return dict(zip(self.recordings, ((f @ f[i]) / (norm * norm[i])).tolist(), strict=True))


def matrix(listener_idx: np.ndarray, recording_idx: np.ndarray, weight: np.ndarray,
           n_listeners: int, n_recordings: int, alpha: float) -> sp.csr_matrix:
    """Listener x recording confidence (CSR, float32); zero-weight events add nothing."""
    import scipy.sparse as sp

    keep = weight > 0
    m = sp.coo_matrix((weight[keep].astype(np.float32) * alpha,
                       (listener_idx[keep], recording_idx[keep])),
                      shape=(n_listeners, n_recordings)).tocsr()
    m.sum_duplicates()
    return m


def fit_implicit(m: sp.csr_matrix, p: Params) -> tuple[np.ndarray, np.ndarray]:
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):  # implicit's own threads do the work
        model = AlternatingLeastSquares(factors=p.factors, iterations=p.iterations,
                                        regularization=p.regularization, alpha=1.0,
                                        random_state=p.seed, calculate_training_loss=False)
        model.fit(m, show_progress=False)
    return np.asarray(model.user_factors), np.asarray(model.item_factors)


def fit_spark(m: sp.csr_matrix, p: Params, master: str = "local[2]"
              ) -> tuple[np.ndarray, np.ndarray]:
    """The same model on Spark MLlib (implicitPrefs: confidence 1 + alpha * r, as above)."""
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName("accord-dj-als")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.driver.memory", "3g").getOrCreate())
    try:
        coo = m.tocoo()
        n_u, n_i = m.shape
        import pyarrow as pa

        table = pa.table({"user": coo.row.astype(np.int32), "item": coo.col.astype(np.int32),
                          "rating": (coo.data / p.alpha).astype(np.float32)})
        df = spark.createDataFrame(table.to_pandas())
        als = ALS(rank=p.factors, maxIter=p.iterations, regParam=p.regularization,
                  implicitPrefs=True, alpha=p.alpha, userCol="user", itemCol="item",
                  ratingCol="rating", seed=p.seed, coldStartStrategy="drop",
                  numUserBlocks=4, numItemBlocks=4)
        fitted = als.fit(df)
        uf = np.zeros((n_u, p.factors), dtype=np.float32)
        itf = np.zeros((n_i, p.factors), dtype=np.float32)
        for r in fitted.userFactors.toLocalIterator():
            uf[r["id"]] = r["features"]
        for r in fitted.itemFactors.toLocalIterator():
            itf[r["id"]] = r["features"]
        return uf, itf
    finally:
        spark.stop()


def fit(m: sp.csr_matrix, engine: str, p: Params) -> tuple[np.ndarray, np.ndarray]:
    if engine == "implicit":
        return fit_implicit(m, p)
    if engine == "spark":
        return fit_spark(m, p)
    raise InvalidInput(f"unknown taste engine {engine!r}; use {' or '.join(ENGINES)}")


def train(events: list[tuple[str, str, str]], engine: str = "implicit",
          params: Params = Params()) -> TasteModel:
    """events: (listener, recording, kind). Raises InvalidInput when there is nothing to learn."""
    if engine not in ENGINES:
        raise InvalidInput(f"unknown taste engine {engine!r}; use {' or '.join(ENGINES)}")
    listeners = tuple(sorted({e[0] for e in events}))
    recordings = tuple(sorted({e[1] for e in events}))
    if not listeners or not recordings:
        raise InvalidInput("no listening events to learn from (accord dj ingest FILE first)")
    li = {x: i for i, x in enumerate(listeners)}
    ri = {x: i for i, x in enumerate(recordings)}
    u = np.array([li[e[0]] for e in events], dtype=np.int32)
    i = np.array([ri[e[1]] for e in events], dtype=np.int32)
    w = np.array([WEIGHTS.get(e[2], 0.0) for e in events], dtype=np.float32)
    m = matrix(u, i, w, len(listeners), len(recordings), params.alpha)
    factors = min(params.factors, max(2, min(m.shape) - 1))
    p = Params(factors, params.iterations, params.regularization, params.alpha, params.seed)
    uf, itf = fit(m, engine, p)
    pop = np.asarray(m.sum(axis=0)).ravel()
    return TasteModel(engine, listeners, recordings, uf, itf, pop, p)


def save(model: TasteModel, path: Path) -> None:
    from accord.atomic import write_bytes

    buf = io.BytesIO()
    np.savez_compressed(buf, user_factors=model.user_factors, item_factors=model.item_factors,
                        popularity=model.popularity,
                        meta=np.array(json.dumps({
                            "engine": model.engine, "listeners": model.listeners,
                            "recordings": model.recordings,
                            "params": model.params.__dict__})))
    write_bytes(path, buf.getvalue())


def load(path: Path) -> TasteModel | None:
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        return TasteModel(meta["engine"], tuple(meta["listeners"]), tuple(meta["recordings"]),
                          z["user_factors"], z["item_factors"], z["popularity"],
                          Params(**meta["params"]))


# --- evaluation (bench) -----------------------------------------------------------------------

def top_k(user_factors: np.ndarray, item_factors: np.ndarray, users: np.ndarray, k: int = 10,
          batch: int = 4096) -> np.ndarray:
    out = np.empty((len(users), k), dtype=np.int64)
    for s in range(0, len(users), batch):
        sc = user_factors[users[s:s + batch]] @ item_factors.T
        part = np.argpartition(-sc, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sc, part, axis=1), axis=1)
        out[s:s + batch] = np.take_along_axis(part, order, axis=1)
    return out


def hit_ndcg(top: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    hits = top == truth[:, None]
    rank = np.argmax(hits, axis=1)
    any_hit = hits.any(axis=1)
    ndcg = np.where(any_hit, 1.0 / np.log2(rank + 2), 0.0)
    return float(any_hit.mean()), float(ndcg.mean())
