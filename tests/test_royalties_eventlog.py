import json
from pathlib import Path

from accord.royalties import eventlog
from accord.royalties.aggregate import aggregate
from accord.royalties.engine_sql import DuckDBEngine, holders_table, lines_from_arrow
from tests.royalty_fixtures import PERIOD, hand_scenario, records, write_jsonl


def test_ingest_is_idempotent_and_rejects_with_reasons(tmp_path):
    sc = hand_scenario()
    src = tmp_path / "events.jsonl"
    bad = [{"type": "usage", "id": "x1", "kind": "sung", "feature": "create",
            "occurred_at": "2026-11-02"},
           {"type": "revenue", "id": "r-bad", "feature": "create", "period": "2026-11",
            "territory": "WW", "currency": "EUR", "amount": 1.5},
           {"type": "credit", "output_id": "O9", "item_kind": "work", "item_id": "W",
            "share": "0.7", "role": "training"}]
    write_jsonl(src, records(sc) + bad)
    ev = tmp_path / "events"
    first = eventlog.ingest_file(ev, src)
    assert first.accepted == {"usage": 4, "credits": 4, "contributions": 2, "revenue": 1}
    assert first.rejected == 3
    rejects = [json.loads(x) for x in Path(first.reject_file).read_text().splitlines()]
    reasons = " ".join(r for rej in rejects for r in rej["reasons"])
    assert "kind must be one of" in reasons and "exact decimal string" in reasons
    assert "sum to 0.7 instead of 1" in reasons
    again = eventlog.ingest_file(ev, src)
    assert dict(again.accepted) == {} and again.duplicates == 11
    assert len(eventlog.usage_events(ev)) == 4
    # the same key with different content is rejected, not counted
    changed = tmp_path / "changed.jsonl"
    write_jsonl(changed, [dict(records(sc)[0], kind="downloaded")])
    third = eventlog.ingest_file(ev, changed)
    assert third.rejected == 1 and "already used" in Path(third.reject_file).read_text()


def test_duckdb_matches_the_python_reference(tmp_path):
    sc = hand_scenario()
    src = tmp_path / "events.jsonl"
    write_jsonl(src, records(sc))
    ev = tmp_path / "events"
    eventlog.ingest_file(ev, src)
    holders = sc.holders()
    eng = DuckDBEngine(ev, threads=1)
    table = holders_table(holders)
    got = lines_from_arrow(eng.lines(sc.policy, PERIOD, table))
    want = aggregate(eventlog.usage_events(ev), eventlog.credits(ev),
                     eventlog.contributions(ev), holders, sc.policy, PERIOD)
    assert tuple(got) == want.lines
    assert eng.units(sc.policy, PERIOD, table) == want.units
    eng.close()
