"""A `played` usage event's seconds: validated and stored as integer milliseconds, absent in
parts written before the column existed (read as 0), and counted per millisecond when the
policy says `units.played_per = "second"` (DuckDB and the Python reference; Spark in
test_royalties_spark.py)."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.errors import InvalidInput
from accord.royalties import eventlog
from accord.royalties.aggregate import aggregate
from accord.royalties.distribute import distribute_weights
from accord.royalties.engine_sql import DuckDBEngine, holders_table, lines_from_arrow
from accord.royalties.model import PLATFORM
from accord.royalties.policy import load_policy, parse_policy
from tests.royalty_fixtures import PERIOD, Scenario, policy, recording, records, work, write_jsonl

PLAY = {"type": "usage", "id": "p1", "kind": "played", "feature": "dj",
        "occurred_at": "2026-11-03T10:05:00Z", "recording_id": "RA"}
OLD_USAGE = pa.schema([(n, pa.string()) for n in (
    "key", "kind", "feature", "period", "occurred_at", "output_id", "model_id", "recording_id",
    "row_hash", "ingested_at")])


def test_seconds_are_validated_like_contributions_seconds():
    for ok, ms in (("30.5", 30500), (90, 90000), ("0.001", 1), ("0", 0)):
        table, row = eventlog.validate(dict(PLAY, seconds=ok))
        assert table == "usage" and row["seconds_ms"] == ms
    assert eventlog.validate(PLAY)[1]["seconds_ms"] == 0  # optional
    for bad, why in ((1.5, "integer or an exact decimal string"),
                     ("-1", "non-negative"), ("0.0005", "millisecond precision"),
                     ("abc", "non-negative"), (True, "integer or an exact decimal string")):
        table, reasons = eventlog.validate(dict(PLAY, seconds=bad))
        assert table is None and any(why in r for r in reasons), (bad, reasons)
    # no seconds (or 0) hashes as the record did before the column existed; seconds change it
    assert eventlog.validate(PLAY)[1]["row_hash"] == \
        eventlog.validate(dict(PLAY, seconds="0"))[1]["row_hash"]
    assert eventlog.validate(PLAY)[1]["row_hash"] != \
        eventlog.validate(dict(PLAY, seconds="1"))[1]["row_hash"]


def _old_part(events_dir: Path, rows: list[dict]) -> None:
    """A usage part as written before `seconds_ms` existed."""
    d = events_dir / "usage"
    d.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=OLD_USAGE),
                   d / "part-2026-11-01T000000Z-old00000.parquet")


def test_parts_written_before_the_column_still_read_as_zero(tmp_path):
    ev = tmp_path / "events"
    _, old = eventlog.validate(PLAY)
    _old_part(ev, [{k: v for k, v in old.items() if k != "seconds_ms"}
                   | {"ingested_at": "2026-11-01T00:00:00Z"}])
    # the same record again is a duplicate (same hash as before), a new one with seconds lands
    again = eventlog.ingest_records(ev, [(1, PLAY), (2, dict(PLAY, id="p2", seconds="12.5"))],
                                    "t")
    assert again.duplicates == 1 and dict(again.accepted) == {"usage": 1}
    assert eventlog.read_table(ev, "usage").column("seconds_ms").to_pylist() == [0, 12500]
    assert [e.seconds_ms for e in eventlog.usage_events(ev)] == [0, 12500]
    assert eventlog.read_table(ev, "usage", ["key", "row_hash"]).num_rows == 2
    # both engines' SQL reads the mixed parts (and old parts alone) with the old part as 0 ms
    sc = Scenario(policy(units__played_per="second"))
    sc.works = [work("A", writers=[("a", "100")])]
    sc.recordings = [recording("RA", sc.works[0], masters=[("lab", "100")])]
    table = holders_table(sc.holders())
    eng = DuckDBEngine(ev, threads=1)
    assert eng.units(sc.policy, PERIOD, table) == {("dj", "play"): 12500}
    assert eng.units(policy(), PERIOD, table) == {("dj", "play"): 2}
    eng.close()
    only_old = tmp_path / "old"
    _old_part(only_old, [{k: v for k, v in old.items() if k != "seconds_ms"}
                         | {"ingested_at": "2026-11-01T00:00:00Z"}])
    eng = DuckDBEngine(only_old, threads=1)
    assert eng.units(policy(), PERIOD, table) == {("dj", "play"): 1}
    assert eng.units(sc.policy, PERIOD, table) == {("dj", "play"): 0}
    eng.close()


def test_policy_played_per_defaults_to_play_and_keeps_the_hash():
    default = load_policy()
    assert default.units.played_per == "play"
    assert "played_per" not in default.canonical()  # existing runs' policy hashes unchanged
    text = Path(eventlog.__file__).with_name("default_policy.toml").read_text()
    per_second = parse_policy(text.replace('played_per = "play"', 'played_per = "second"'))
    assert per_second.units.played_per == "second" and per_second.hash != default.hash
    assert "played_per" not in per_second.unit_weights()
    with pytest.raises(InvalidInput) as exc:
        parse_policy(text.replace('played_per = "play"', 'played_per = "minute"'))
    assert "units.played_per" in str(exc.value)


def two_plays(per: str) -> Scenario:
    """Recording RA (work A, writer a, label la) played 30 s; RB (work B, writer b, label lb)
    90 s; EUR 20.00 of dj revenue."""
    sc = Scenario(policy(units__played_per=per))
    sc.works = [work("A", writers=[("a", "100")]), work("B", writers=[("b", "100")])]
    sc.recordings = [recording("RA", sc.works[0], masters=[("la", "100")]),
                     recording("RB", sc.works[1], masters=[("lb", "100")])]
    sc.play("RA", seconds_ms=30000).play("RB", seconds_ms=90000).earn("20.00", feature="dj")
    return sc


@pytest.mark.parametrize("per, want", [
    # pool 10.00: 1:3 by seconds -> RA 2.50, RB 7.50, each half master, half writer
    ("second", {"la": 125, "a": 125, "lb": 375, "b": 375}),
    # one play each -> 5.00 each
    ("play", {"la": 250, "a": 250, "lb": 250, "b": 250})])
def test_two_plays_of_30_and_90_seconds_split_the_dj_pool_by_seconds(tmp_path, per, want):
    sc = two_plays(per)
    src = tmp_path / "events.jsonl"
    write_jsonl(src, records(sc))
    ev = tmp_path / "events"
    eventlog.ingest_file(ev, src)
    assert [e.seconds_ms for e in eventlog.usage_events(ev)] == [30000, 90000]
    holders = sc.holders()
    table = holders_table(holders)
    eng = DuckDBEngine(ev, threads=1)
    weights = eng.weights(sc.policy, PERIOD, table)
    units = eng.units(sc.policy, PERIOD, table)
    lines = lines_from_arrow(eng.lines(sc.policy, PERIOD, table))
    eng.close()
    ref = aggregate(eventlog.usage_events(ev), [], [], holders, sc.policy, PERIOD)
    assert tuple(lines) == ref.lines and units == ref.units  # the reference agrees
    assert units == {("dj", "play"): 120000 if per == "second" else 2}
    dist = distribute_weights(weights, units, sc.revenue, sc.policy, PERIOD)
    paid = {p: v for (cur, p), v in dist.allocations.items() if p != PLATFORM}
    assert paid == want
    assert sum(dist.allocations.values()) == 2000  # conserved to the cent
    assert dist.allocations[("EUR", PLATFORM)] == 1000
