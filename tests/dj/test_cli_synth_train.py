"""A synthetic log through the CLI: synthesize -> ingest -> train (implicit ALS); the model
knows the listeners and ranks each listener's own cluster first."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.config import Settings
from accord.dj import service, synth, taste


def test_synthesize_ingest_train(tmp_path):
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    ids = ",".join(f"rec-{i}" for i in range(30))
    log = tmp_path / "log.jsonl"
    r = runner.invoke(app, home + ["dj", "synthesize", "--out", str(log), "--listeners", "60",
                                   "--recordings", ids, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["synthetic"] is True
    r = runner.invoke(app, home + ["dj", "ingest", str(log), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["accepted"] > 100
    r = runner.invoke(app, home + ["dj", "train", "--factors", "8", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["listeners"] == 60 and d["engine"] == "implicit"
    m = taste.load(service.model_path(Settings(home=tmp_path / "home")))
    assert m.scores("synthetic-listener-0") is not None and m.scores("nobody") is None
    r = runner.invoke(app, home + ["dj", "train", "--engine", "flink"])
    assert r.exit_code == 2 and "unknown engine" in r.output


def test_als_beats_popularity_on_a_small_synthetic_log():
    cat = synth.catalogue(400, n_clusters=10, seed=2)
    log = synth.listening(cat, 2000, seed=3)
    train, users, truth = synth.held_out_split(log)
    w = np.array([taste.WEIGHTS[k] for k in synth.KINDS], dtype=np.float32)[log.kind]
    m = taste.matrix(log.listener[train], log.recording[train], w[train], 2000, 400, 2.0)
    uf, itf = taste.fit_implicit(m, taste.Params(factors=16, iterations=8))
    als, _ = taste.hit_ndcg(taste.top_k(uf, itf, users), truth)
    pop_top = np.argsort(-np.asarray(m.sum(axis=0)).ravel())[:10]
    pop, _ = taste.hit_ndcg(np.tile(pop_top, (len(users), 1)), truth)
    assert als > 1.5 * pop



@pytest.mark.slow
def test_the_spark_engine_trains_through_the_cli(tmp_path):
    """`accord dj train --engine spark` (MLlib ALS on local Spark) stores a model over the same
    listeners and recordings as implicit's, and scores every recording for a known listener."""
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    ids = ",".join(f"rec-{i}" for i in range(20))
    log = tmp_path / "log.jsonl"
    r = runner.invoke(app, home + ["dj", "synthesize", "--out", str(log), "--listeners", "30",
                                   "--recordings", ids, "--json"])
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, home + ["dj", "ingest", str(log), "--json"]).exit_code == 0
    path = service.model_path(Settings(home=tmp_path / "home"))
    fitted = {}
    for engine in ("implicit", "spark"):
        r = runner.invoke(app, home + ["dj", "train", "--engine", engine, "--factors", "4",
                                       "--json"])
        assert r.exit_code == 0, r.output
        d = json.loads(r.output)
        assert d["engine"] == engine and d["listeners"] == 30
        fitted[engine] = taste.load(path)
    a, b = fitted["implicit"], fitted["spark"]
    assert sorted(a.listeners) == sorted(b.listeners)
    assert sorted(a.recordings) == sorted(b.recordings)
    scores = b.scores("synthetic-listener-0")
    assert scores is not None and set(scores) == set(b.recordings)
