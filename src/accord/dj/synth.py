"""Synthetic listening logs (no offline listening dataset exists; every figure computed from
these logs says so).

The generator: recordings belong to taste clusters (a style, e.g. 'Baroque chorales'), each
cluster with its own tempo and energy range and a key bias; popularity is a power law (Zipf,
exponent `zipf`) over the whole catalogue. Each listener likes two clusters (a main one and a
second one); listening comes in sessions, each in one cluster (the main one 60%, the second
25%, anything 15%), items drawn by popularity within the cluster. Out-of-taste items are
skipped more often (60% vs 15%); a skip listens 5-30 s, a play to the end is a full listen, and
5% of full listens are also liked. Events are in time order per listener; the last play of
each listener is the held-out next item of the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("play", "skip", "like", "full")  # codes 0..3


@dataclass(frozen=True)
class Catalogue:
    cluster: np.ndarray     # per recording
    popularity: np.ndarray  # per recording, sums to 1
    tempo: np.ndarray
    energy: np.ndarray
    camelot: list[str]
    duration_s: np.ndarray
    artist: np.ndarray      # per recording: an artist id (several recordings each)


@dataclass(frozen=True)
class Log:
    listener: np.ndarray   # int32 per event
    recording: np.ndarray  # int32 per event
    kind: np.ndarray       # int8 code into KINDS
    seconds: np.ndarray    # float32 listened
    order: np.ndarray      # int64: time order within the whole log


def catalogue(n_recordings: int, n_clusters: int = 40, zipf: float = 1.05,
              seed: int = 0) -> Catalogue:
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, n_clusters, n_recordings)
    ranks = rng.permutation(n_recordings) + 1
    pop = 1.0 / ranks ** zipf
    pop /= pop.sum()
    c_tempo = rng.uniform(70, 150, n_clusters)
    c_energy = rng.uniform(0.15, 0.85, n_clusters)
    c_key = rng.integers(1, 13, n_clusters)
    tempo = np.clip(c_tempo[cluster] * rng.normal(1, 0.08, n_recordings), 50, 200)
    energy = np.clip(c_energy[cluster] + rng.normal(0, 0.12, n_recordings), 0, 1)
    near = (c_key[cluster] - 1 + rng.integers(-2, 3, n_recordings)) % 12 + 1
    anywhere = rng.integers(1, 13, n_recordings)
    num = np.where(rng.random(n_recordings) < 0.6, near, anywhere)
    letter = np.where(rng.random(n_recordings) < 0.55, "B", "A")
    keys = [f"{n}{ltr}" for n, ltr in zip(num, letter, strict=True)]
    duration = rng.uniform(150, 330, n_recordings)
    artist = cluster * 1000 + rng.integers(0, max(2, n_recordings // (n_clusters * 4)),
                                          n_recordings)
    return Catalogue(cluster, pop, tempo, energy, keys, duration, artist)


def _draw_in_clusters(rng, cat: Catalogue, clusters: np.ndarray) -> np.ndarray:
    out = np.empty(len(clusters), dtype=np.int32)
    for c in np.unique(clusters):
        idx = np.flatnonzero(clusters == c)
        members = np.flatnonzero(cat.cluster == c)
        p = cat.popularity[members]
        cdf = np.cumsum(p / p.sum())
        out[idx] = members[np.minimum(np.searchsorted(cdf, rng.random(len(idx))),
                                      len(members) - 1)]
    return out


def listening(cat: Catalogue, n_listeners: int, sessions: float = 3.0,
              session_len: float = 6.0, seed: int = 1) -> Log:
    rng = np.random.default_rng(seed)
    n_clusters = int(cat.cluster.max()) + 1
    main = rng.integers(0, n_clusters, n_listeners)
    second = (main + rng.integers(1, n_clusters, n_listeners)) % n_clusters
    n_sess = 1 + rng.poisson(sessions, n_listeners)
    s_listener = np.repeat(np.arange(n_listeners, dtype=np.int32), n_sess)
    u = rng.random(len(s_listener))
    s_cluster = np.where(u < 0.6, main[s_listener],
                         np.where(u < 0.85, second[s_listener],
                                  rng.integers(0, n_clusters, len(s_listener))))
    s_len = 1 + rng.poisson(session_len, len(s_listener))
    e_session = np.repeat(np.arange(len(s_listener)), s_len)
    listener = s_listener[e_session]
    e_cluster = s_cluster[e_session]
    stray = rng.random(len(e_session)) < 0.1  # a popular track from anywhere
    rec = _draw_in_clusters(rng, cat, e_cluster)
    glob_cdf = np.cumsum(cat.popularity)
    rec[stray] = np.minimum(np.searchsorted(glob_cdf, rng.random(int(stray.sum()))),
                            len(cat.cluster) - 1)
    in_taste = (cat.cluster[rec] == main[listener]) | (cat.cluster[rec] == second[listener])
    skip = rng.random(len(rec)) < np.where(in_taste, 0.15, 0.6)
    dur = cat.duration_s[rec]
    seconds = np.where(skip, rng.uniform(5, 30, len(rec)), dur).astype(np.float32)
    kind = np.where(skip, 1, 3).astype(np.int8)
    like = (~skip) & (rng.random(len(rec)) < 0.05)
    kind[like] = 2
    return Log(listener.astype(np.int32), rec.astype(np.int32), kind, seconds,
               np.arange(len(rec), dtype=np.int64))


def held_out_split(log: Log) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train mask, held-out listener ids, held-out recording ids): each listener's last full
    or liked play is held out (listeners with fewer than 3 events keep everything)."""
    positive = log.kind != 1
    n = int(log.listener.max()) + 1
    counts = np.bincount(log.listener, minlength=n)
    last = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(positive)
    last[log.listener[idx]] = idx  # later events overwrite earlier: the last one stays
    ok = (last >= 0) & (counts >= 3)
    test_idx = last[ok]
    train = np.ones(len(log.listener), dtype=bool)
    train[test_idx] = False
    return train, log.listener[test_idx], log.recording[test_idx]


def to_records(log: Log, listener_ids: list[str], recording_ids: list[str], start,
               step_s: int = 200) -> list[dict]:
    """JSON Lines records for `accord dj ingest` (small logs: the demo, tests)."""
    from datetime import timedelta

    from accord.timeutil import fmt

    out = []
    for i in range(len(log.listener)):
        at = start + timedelta(seconds=int(log.order[i]) * step_s)
        out.append({"id": f"syn-{i}", "listener": listener_ids[log.listener[i]],
                    "recording": recording_ids[log.recording[i]], "kind": KINDS[log.kind[i]],
                    "seconds": f"{float(log.seconds[i]):.3f}", "at": fmt(at)})
    return out
