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
from tests.royalty_fixtures import (
    PERIOD,
    Scenario,
    policy,
    recording,
    records,
    work,
    write_jsonl,
)
from tests.test_royalties_played_seconds import _old_part

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
    for r in range(5):  # DJ plays with their seconds (played_per = "second" counts them)
        sc.recordings.append(recording(f"R{r}", sc.works[r], masters=[(f"lab{r % 2}", "100")]))
        for _ in range(rnd.randint(1, 3)):
            sc.play(f"R{r}", seconds_ms=rnd.randint(0, 300_000))
    sc.earn("1234.56").earn("99.99", "USD").earn("77.70", feature="dj")
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
    # a usage part written before `seconds_ms` existed: its play counts 0 ms per second
    _, old = eventlog.validate({"type": "usage", "id": "old-1", "kind": "played",
                                "feature": "dj", "occurred_at": f"{PERIOD}-03T10:00:00Z",
                                "recording_id": "R1"})
    _old_part(ev, [{k: v for k, v in old.items() if k != "seconds_ms"}
                   | {"ingested_at": "2026-11-01T00:00:00Z"}])
    holders = holders_table(sc.holders())
    per_second = policy(split__training_weighting="tokens", thresholds__minimum_item_units=2,
                        units__played_per="second")
    results = {}
    cuts = ("2026-11-08T00:00:00", "2026-11-20T12:30:00")
    wanted = wanted_table({("work", f"W{i}") for i in range(0, 31, 3)}
                          | {("recording", "R1"), ("recording", "R2")})
    for name, eng in (("duckdb", DuckDBEngine(ev, threads=2)),
                      ("spark", SparkEngine(ev, master="local[2]", shuffle_partitions=2))):
        for pol in (sc.policy, per_second):
            lines = lines_from_arrow(eng.lines(pol, PERIOD, holders))
            weights = eng.weights(pol, PERIOD, holders)
            units = eng.units(pol, PERIOD, holders)
            sliced = eng.sliced(pol, PERIOD, wanted, cuts)
            assert weights == eng.weights(pol, PERIOD, holders, cuts)  # slicing changes none
            dist = distribute_weights(weights, units, sc.revenue, pol, PERIOD)
            statements = {(cur, p): [(ln.item_id, ln.subpool, ln.side, a) for ln, a in
                                     line_amounts(dist, lines, cur, p, pol)]
                          for cur, p in dist.allocations}
            results[(name, pol.units.played_per)] = (
                lines, units, dist.allocations,
                json.dumps(sorted((k, v) for k, v in statements.items())), sliced)
        eng.close()
    for per in ("play", "second"):
        assert results[("duckdb", per)] == results[("spark", per)]
        assert results[("duckdb", per)][2]  # something was paid
        assert {r.slice for r in results[("duckdb", per)][4]} == {0, 1, 2}
    plays = [e for e in sc.events if e.kind.value == "played"]
    assert results[("duckdb", "play")][1][("dj", "play")] == len(plays) + 1
    assert results[("duckdb", "second")][1][("dj", "play")] == sum(e.seconds_ms for e in plays)
    assert results[("duckdb", "play")][2] != results[("duckdb", "second")][2]
