"""Money follows permission in runs: usage-time slices in the SQL engine, a backdated
revocation booked as an adjustment of the closed period (SQLite and PostgreSQL)."""

import json

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select
from typer.testing import CliRunner

from accord.cli.main import app
from accord.config import Settings
from accord.db.engine import session_scope
from accord.demo import scenario
from accord.errors import Refused
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import ConsentAction, ConsentEvent, Use
from accord.royalties import eventlog, service
from accord.royalties.engine_sql import DuckDBEngine
from accord.royalties.model import RevenueEvent
from accord.royalties.tables import LedgerEntryRow
from accord.royalties.withhold import RightsFacts
from accord.timeutil import parse_instant
from tests.royalty_fixtures import Scenario, policy, work, write_jsonl

REVOKED = "consent to train revoked from 2026-10-20"


def usage(i, output, at, kind="generated"):
    return {"type": "usage", "id": f"u{i}", "kind": kind, "feature": "create",
            "occurred_at": at, "output_id": output, "model_id": "m-demo"}


def october(work_id):
    """O1: 1 unit on 3 October; O2: 1 + 5 units on 25 October; both credited wholly to the work
    (training role), the model trained on it; revenue 100.00 EUR: pool 5000 minor units, all of
    it train money of the work (training:m-demo 10/19, output:training 9/19)."""
    return [usage(1, "O1", "2026-10-03T10:00:00Z"), usage(2, "O2", "2026-10-25T09:00:00Z"),
            usage(3, "O2", "2026-10-25T09:00:00Z", "downloaded"),
            {"type": "credit", "output_id": "O1", "item_kind": "work", "item_id": work_id,
             "share": "1", "role": "training"},
            {"type": "credit", "output_id": "O2", "item_kind": "work", "item_id": work_id,
             "share": "1", "role": "training"},
            {"type": "contribution", "model_id": "m-demo", "work_id": work_id, "tokens": 100},
            {"type": "revenue", "id": "rev-oct", "feature": "create", "period": "2026-10",
             "territory": "WW", "currency": "EUR", "amount": "100.00"}]


def test_the_engine_splits_a_line_by_when_its_usage_happened(tmp_path):
    """ada alone owns W: quota 5000. She revokes train from 20 October: the 6 units of the
    25th (of 7) are withheld: 5000 * 6/7 = 4285.71 -> 4286 withheld, 714 paid."""
    from accord.royalties.service import compute_period

    sc = Scenario(policy())
    sc.works = [work("W", writers=[("ada", "100")])]
    src = tmp_path / "ev.jsonl"
    write_jsonl(src, october("W"))
    eventlog.ingest_file(tmp_path / "events", src)
    revenue = [RevenueEvent("rev-oct", "create", "2026-10", "WW", "EUR", 10000)]
    facts = RightsFacts(consents=(
        ConsentEvent("c1", "ada", Use.TRAIN, ConsentAction.OPT_IN, parse_instant("2026-01-01")),
        ConsentEvent("c2", "ada", Use.TRAIN, ConsentAction.REVOKE,
                     parse_instant("2026-10-20T00:00:00Z"))))
    eng = DuckDBEngine(tmp_path / "events", threads=1)
    try:
        d, fp = compute_period(eng, sc.policy, revenue, "2026-10", sc.holders(), facts)
        assert d.allocations[("EUR", "ada")] == 5000
        assert d.withheld == {("EUR", "ada", REVOKED): 4286}
        # a revocation after the last usage withholds nothing, and leaves the fingerprint as
        # it is without any consent facts
        late = RightsFacts(consents=(ConsentEvent("c3", "ada", Use.TRAIN, ConsentAction.REVOKE,
                                                  parse_instant("2026-10-26")),))
        d2, fp2 = compute_period(eng, sc.policy, revenue, "2026-10", sc.holders(), late)
        d3, fp3 = compute_period(eng, sc.policy, revenue, "2026-10", sc.holders(),
                                 RightsFacts())
        assert d2.withheld == {} and fp2 == fp3 != fp
    finally:
        eng.close()


@pytest.fixture
def home(tmp_path, engine, db_url):
    s = Settings(home=tmp_path / "home", database_url=db_url)
    s.ensure_home()
    with session_scope(engine) as session:
        rights_service.import_document(session, parse_document(
            scenario.document(parse_instant("2026-01-01")), "demo"), "demo",
            AuditLog(session, "test"))
    src = tmp_path / "events.jsonl"
    write_jsonl(src, october(scenario.WORK) + [
        usage(4, "O3", "2026-11-05T10:00:00Z"),
        {"type": "credit", "output_id": "O3", "item_kind": "work", "item_id": scenario.WORK,
         "share": "1", "role": "training"},
        {"type": "revenue", "id": "rev-nov", "feature": "create", "period": "2026-11",
         "territory": "WW", "currency": "EUR", "amount": "10.00"}])
    eventlog.ingest_file(s.events_dir, src)
    return s


def rows_of(engine, period):
    with session_scope(engine) as s:
        return [(r.txn, r.account, r.amount_minor, r.memo) for r in s.scalars(
            select(LedgerEntryRow).where(LedgerEntryRow.period == period)
            .order_by(LedgerEntryRow.id))]


def test_a_backdated_revocation_is_booked_in_the_next_period(home, engine):
    """Hand-computed. October: the work's 5000 go half to writer ada (demo-writer-ada), half to
    publisher quill (the demo work has a publisher, writer_share 0.5): 25.00 each, paid.
    Then ada revokes train from 20 October (recorded in November, backdated). Recomputed,
    October withholds ada's share of the 6 units after the 20th: 2500 * 6/7 = 2142.86 ->
    2143. November's run books it: payable:ada -21.43, withheld:ada +21.43 (October's rows
    untouched); November's own 10.00 (pool 500) is all after the revocation: ada's 250
    withheld, quill's 250 paid. ada's payable ends at -21.43: carried forward (a debt)."""
    ada, quill = scenario.WRITER, scenario.PUBLISHER
    pol = policy()
    with session_scope(engine) as s:
        octo = service.run_period(s, home, "2026-10", pol)
    assert octo["payees"][ada]["EUR"] == {"paid": "25.00"} and octo["withheld"] == {}
    october_rows = rows_of(engine, "2026-10")

    with session_scope(engine) as s:  # unrelated: a non-payee artist, and a later date
        audit = AuditLog(s, "test")
        rights_service.record_consent(s, scenario.SINGER, Use.TRAIN, ConsentAction.REVOKE,
                                      parse_instant("2026-10-10"), audit)
        rights_service.record_consent(s, ada, Use.STYLE, ConsentAction.REVOKE,
                                      parse_instant("2026-12-01"), audit)
    with session_scope(engine) as s:
        assert service.run_period(s, home, "2026-10", pol)["unchanged"]

    with session_scope(engine) as s:
        rights_service.record_consent(s, ada, Use.TRAIN, ConsentAction.REVOKE,
                                      parse_instant("2026-10-20"), AuditLog(s, "test"))
    with session_scope(engine) as s, pytest.raises(
            Refused, match="period 2026-10 is closed and its inputs changed since"):
        service.run_period(s, home, "2026-10", pol)
    seen = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        with session_scope(engine) as s:
            nov = service.run_period(s, home, "2026-11", pol)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    # consents and terminations: one query each for the run (two periods computed)
    assert sum("FROM consent_events" in q for q in seen) == 1
    assert sum("FROM agreement_terminations" in q for q in seen) == 1
    with session_scope(engine) as s:
        service.check_ledger(s)
        bal = service.ledger_balances(s)["EUR"]
    assert nov["adjusted_periods"] == ["2026-10"]
    assert rows_of(engine, "2026-10") == october_rows
    adjust = [(a, v, m) for t, a, v, m in rows_of(engine, "2026-11")
              if t == "2026-11:adjust:2026-10:EUR"]
    assert sorted((a, v) for a, v, _ in adjust) == [(f"payable:{ada}", -2143),
                                                    (f"withheld:{ada}", 2143)]
    assert all(m == f"late correction of 2026-10: {REVOKED}" for _, _, m in adjust)
    assert nov["withheld"] == {ada: {"EUR": {"amount": "23.93", "reasons": [REVOKED]}}}
    assert nov["payees"][quill]["EUR"] == {"paid": "2.50"}
    assert nov["payees"][ada]["EUR"] == {"carried": "-21.43"}
    assert bal[f"withheld:{ada}"] == "23.93" and bal[f"carried:{ada}"] == "-21.43"
    assert bal[f"payout:{ada}"] == "25.00" and bal[f"payout:{quill}"] == "27.50"
    assert sum(int(v.replace(".", "")) for v in bal.values()) == 0

    runner = CliRunner()
    base = ["--home", str(home.home), "--database-url", home.db_url]
    r = runner.invoke(app, [*base, "royalties", "statement", "--payee", ada, "--period",
                            "2026-11", "--format", "csv"])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()[1:]
    assert any(f",withheld,,{REVOKED},,,,,-2.50" in ln for ln in lines), lines
    assert any(",adjustment,," in ln and ln.endswith("-21.43") for ln in lines), lines
    r = runner.invoke(app, [*base, "royalties", "statement", "--payee", ada, "--period",
                            "2026-11", "--format", "json"])
    held = json.loads(r.output)["currencies"]["EUR"]["withheld"]
    page = runner.invoke(app, [*base, "royalties", "statement", "--payee", ada, "--period",
                               "2026-11", "--format", "html"]).output
    assert f"Withheld 2.50 EUR: {REVOKED}" in page and f"Withheld 21.43 EUR: {REVOKED}" in page
    assert sorted((h["amount"], h["reason"]) for h in held) == [("2.50", REVOKED),
                                                                  ("21.43", REVOKED)]


def test_slices_compare_usage_times_to_the_second():
    import duckdb

    from accord.royalties.engine_sql import slice_sql

    con = duckdb.connect()
    sql = slice_sql(("2026-10-20T00:00:00", "2026-10-25T12:00:00"))
    times = ["2026-10-19T23:59:59.999999Z", "2026-10-20T00:00:00Z",
             "2026-10-20T00:00:00.500000Z", "2026-10-25T11:59:59Z", "2026-10-25T12:00:00Z", ""]
    got = con.execute(f"SELECT {sql} AS s FROM (SELECT unnest(?) AS occurred_at)",
                      [times]).fetchall()
    assert [r[0] for r in got] == [0, 1, 1, 1, 2, 0]
    with pytest.raises(ValueError, match="bad cut"):
        slice_sql(("2026-10-20' OR 1=1 --",))
