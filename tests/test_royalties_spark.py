"""Spark runs the same SQL as DuckDB and produces identical statements and time-sliced weights
(the withholding's input) (slow: JVM start-up)."""

import json
import random

import pytest

from accord.royalties import eventlog
from accord.royalties.distribute import distribute_weights, line_amounts
from accord.royalties.engine_sql import (
    DuckDBEngine,
    SparkEngine,
    holders_table,
    lines_from_arrow,
    wanted_table,
)
from tests.royalty_fixtures import PERIOD, Scenario, policy, records, work, write_jsonl

pytestmark = pytest.mark.slow


def random_scenario(seed: int) -> Scenario:
    rnd = random.Random(seed)
    sc = Scenario(policy(split__training_weighting="tokens", thresholds__minimum_item_units=2))
    payees = [f"p{i}" for i in range(12)]
    for i in range(30):
        owners = rnd.sample(payees, rnd.choice([1, 2]))
        shares = ["100"] if len(owners) == 1 else ["37.5", "62.5"]
        sc.works.append(work(f"W{i}", writers=list(zip(owners, shares, strict=True)),
                             publishers=[("pub", "100")] if i % 3 == 0 else []))
        sc.trained(f"m{i % 2}", f"W{i}", tokens=rnd.randint(1, 1000))
    for o in range(60):
        sc.use(f"O{o}", rnd.choice(["generated", "streamed", "downloaded"]), model=f"m{o % 2}",
               n=rnd.randint(1, 4))
        items = rnd.sample(range(31), 3)  # W30 is unknown to the registry: residual account
        for item, share, role in zip(items, ["0.5", "0.3", "0.2"],
                                     ["training", "conditioning", "source"], strict=True):
            sc.credit(f"O{o}", "work", f"W{item}", share, role)
    sc.earn("1234.56").earn("99.99", "USD")
    return sc


def test_spark_and_duckdb_produce_identical_statements(tmp_path):
    """One JVM start only: a random scenario with every feature (roles, unknown items, two
    currencies, activity threshold, tokens weighting) instead of several small cases."""
    sc = random_scenario(7)
    src = tmp_path / "events.jsonl"
    recs = records(sc)
    for i, r in enumerate(recs):  # usage spread over the month, for the time slices
        if r["type"] == "usage":
            r["occurred_at"] = f"{PERIOD}-{1 + i % 28:02d}T{i % 24:02d}:30:00Z"
    write_jsonl(src, recs)
    ev = tmp_path / "events"
    eventlog.ingest_file(ev, src)
    holders = holders_table(sc.holders())
    results = {}
    cuts = ("2026-11-08T00:00:00", "2026-11-20T12:30:00")
    for name, eng in (("duckdb", DuckDBEngine(ev, threads=2)),
                      ("spark", SparkEngine(ev, master="local[2]", shuffle_partitions=2))):
        lines = lines_from_arrow(eng.lines(sc.policy, PERIOD, holders))
        weights = eng.weights(sc.policy, PERIOD, holders)
        units = eng.units(sc.policy, PERIOD, holders)
        sliced = eng.sliced(sc.policy, PERIOD, wanted_table(
            {("work", f"W{i}") for i in range(0, 31, 3)}), cuts)
        assert weights == eng.weights(sc.policy, PERIOD, holders, cuts)  # slicing changes none
        eng.close()
        dist = distribute_weights(weights, units, sc.revenue, sc.policy, PERIOD)
        statements = {(cur, p): [(ln.item_id, ln.subpool, ln.side, a) for ln, a in
                                 line_amounts(dist, lines, cur, p, sc.policy)]
                      for cur, p in dist.allocations}
        results[name] = (lines, units, dist.allocations, json.dumps(sorted(
            (k, v) for k, v in statements.items())), sliced)
    assert results["duckdb"] == results["spark"]
    assert results["duckdb"][2]  # something was paid
    assert {r.slice for r in results["duckdb"][4]} == {0, 1, 2}
