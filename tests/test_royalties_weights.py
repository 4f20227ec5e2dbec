"""The weights as the allocation reads them: the engine's WEIGHTS_SQL sums the same lines as
LINES_SQL and the Python reference, and distribute_columns allocates exactly as distribute."""

import random

from hypothesis import event, given, settings

from accord.royalties import eventlog
from accord.royalties.aggregate import aggregate
from accord.royalties.distribute import distribute, distribute_columns, payee_weights
from accord.royalties.engine_sql import DuckDBEngine, holders_table, lines_from_arrow
from accord.royalties.weights import WeightColumns
from tests.royalty_fixtures import (
    PERIOD,
    Scenario,
    hand_scenario,
    policy,
    recording,
    records,
    work,
    write_jsonl,
)
from tests.test_royalties_engine import scenarios


def two_model_scenario(seed: int) -> Scenario:
    """Works trained into two models (some into both), outputs of both, DJ plays, three
    revenues; W30 is credited but unknown to the registry."""
    rnd = random.Random(seed)
    sc = Scenario(policy())
    payees = [f"p{i}" for i in range(9)]
    for i in range(30):
        owners = rnd.sample(payees, rnd.choice([1, 2]))
        shares = ["100"] if len(owners) == 1 else ["37.5", "62.5"]
        sc.works.append(work(f"W{i}", writers=list(zip(owners, shares, strict=True)),
                             publishers=[("pub", "100")] if i % 4 == 0 else []))
        for m in {f"m{i % 2}", f"m{i % 3 % 2}"}:
            sc.trained(m, f"W{i}", tokens=rnd.randint(0, 500), seconds_ms=rnd.randint(0, 9000))
    for o in range(40):
        sc.use(f"O{o}", rnd.choice(["generated", "streamed", "downloaded"]), model=f"m{o % 2}",
               n=rnd.randint(1, 3))
        for item, share, role in zip(rnd.sample(range(31), 3), ["0.5", "0.3", "0.2"],
                                     ["training", "conditioning", "source"], strict=True):
            sc.credit(f"O{o}", "work", f"W{item}", share, role)
    for r in range(4):
        sc.recordings.append(recording(f"R{r}", sc.works[r], masters=[(f"lab{r % 2}", "100")]))
        for _ in range(rnd.randint(1, 3)):
            sc.play(f"R{r}", seconds_ms=rnd.randint(0, 300_000))
    sc.earn("1234.56").earn("99.99", "USD").earn("77.70", feature="dj")
    return sc


def test_engine_weights_are_the_lines_summed_per_payee(tmp_path):
    for k, sc in enumerate([hand_scenario(), two_model_scenario(3), two_model_scenario(11)]):
        src = tmp_path / f"events{k}.jsonl"
        write_jsonl(src, records(sc))
        ev = tmp_path / f"events{k}"
        eventlog.ingest_file(ev, src)
        holders = sc.holders()
        table = holders_table(holders)
        eng = DuckDBEngine(ev, threads=1)
        for pol in (sc.policy, policy(split__training_weighting="tokens"),
                    policy(split__training_weighting="seconds",
                           thresholds__minimum_item_units=2)):
            want = aggregate(eventlog.usage_events(ev), eventlog.credits(ev),
                             eventlog.contributions(ev), holders, pol, PERIOD)
            got = eng.weights(pol, PERIOD, table)
            assert got == payee_weights(want.lines)
            assert got == payee_weights(lines_from_arrow(eng.lines(pol, PERIOD, table)))
            if k:  # both models' training sub-pools are there to be summed
                assert {s for _, s in got} >= {"training:m0", "training:m1"}
            columns = eng.weight_columns(pol, PERIOD, table)
            assert columns.to_dict() == got
            assert (distribute_columns(columns, want.units, sc.revenue, pol, PERIOD)
                    == distribute(want, sc.revenue, pol, PERIOD))
        eng.close()


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_distribute_columns_equals_distribute(sc):
    agg = aggregate(sc.events, sc.credits, sc.contribs, sc.holders(), sc.policy, PERIOD)
    want = distribute(agg, sc.revenue, sc.policy, PERIOD)
    got = distribute_columns(WeightColumns.from_dict(payee_weights(agg.lines)), agg.units,
                             sc.revenue, sc.policy, PERIOD)
    event("some sub-pool not paid" if len(want.fractions) < len(want.totals)
          else "every sub-pool paid")
    event("paid to holders" if len(want.allocations) > 1 else "platform and residual only")
    assert got == want
