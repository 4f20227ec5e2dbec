"""The weights as the allocation reads them: the engine's WEIGHTS_SQL sums the same lines as
LINES_SQL and the Python reference, and distribute_columns allocates exactly as distribute."""

from dataclasses import replace

import pyarrow as pa
import pytest
from hypothesis import event, given, settings

from accord.royalties import eventlog
from accord.royalties.aggregate import aggregate
from accord.royalties.distribute import distribute, distribute_columns, payee_weights
from accord.royalties.engine_sql import (
    HOLDERS_SCHEMA,
    DuckDBEngine,
    coded_holders,
    holders_table,
    lines_from_arrow,
)
from accord.royalties.model import UNALLOCATED
from accord.royalties.weights import WeightColumns
from tests.royalty_fixtures import PERIOD, hand_scenario, policy, records, write_jsonl
from tests.test_royalties_engine import scenarios
from tests.test_royalties_spark import random_scenario  # two models, DJ plays, W30 unknown


def test_engine_weights_are_the_lines_summed_per_payee(tmp_path):
    for k, sc in enumerate([hand_scenario(), random_scenario(3), random_scenario(11)]):
        # seconds too, and some works trained into both models
        sc.contribs = [replace(c, seconds_ms=(7 * i) % 5000) for i, c in enumerate(sc.contribs)]
        sc.contribs += [replace(c, model_id="m1") for c in sc.contribs[::4]
                        if c.model_id == "m0"]
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


def test_coded_holders_and_weight_columns_from_codes():
    rows = [("work", "w1", "b", "writer", 1), ("work", "w2", "a", "writer", 1),
            ("work", "w3", "b", "writer", 1)]
    coded = coded_holders(pa.Table.from_pylist(
        [dict(zip(HOLDERS_SCHEMA.names, r, strict=True)) for r in rows], schema=HOLDERS_SCHEMA))
    assert coded.payees == ["b", "a", UNALLOCATED] and coded.unallocated == 2
    assert coded.table.column("payee").to_pylist() == [0, 1, 0]
    # a holder named like the residual is the residual (one payee, as when grouped by name)
    named = coded_holders(pa.Table.from_pylist(
        [dict(zip(HOLDERS_SCHEMA.names, ("work", "w1", UNALLOCATED, "writer", 1), strict=True))],
        schema=HOLDERS_SCHEMA))
    assert named.payees == [UNALLOCATED] and named.unallocated == 0
    # only the payees with a row are kept; codes must name a payee
    t = pa.table({"feature": ["f", "f"], "subpool": ["play", "play"], "payee": [2, 0],
                  "weight": pa.array([3, 4], pa.decimal128(38, 0))})
    cols = WeightColumns.from_codes(t, coded.payees)
    assert cols.to_dict() == {("f", "play"): {UNALLOCATED: 3, "b": 4}}
    assert cols.payees == ["b", UNALLOCATED]
    with pytest.raises(ValueError, match="payee code"):
        WeightColumns.from_codes(t, ["b"])
