"""Runs, ledger and statements on SQLite and PostgreSQL (db_url fixture)."""

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from accord.cli.main import app
from accord.config import Settings
from accord.db.engine import session_scope
from accord.demo import scenario
from accord.errors import NotFound, Refused
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.royalties import eventlog, service
from accord.royalties.tables import LedgerEntryRow
from accord.timeutil import parse_instant
from tests.royalty_fixtures import policy, write_jsonl


def usage(i, output, period="2026-11", kind="generated"):
    return {"type": "usage", "id": f"u{i}", "kind": kind, "feature": "create",
            "occurred_at": f"{period}-03T10:00:00Z", "output_id": output, "model_id": "m-demo"}


EVENTS = [
    usage(1, "O1"), usage(2, "O1", kind="streamed"), usage(3, "O2"),
    {"type": "credit", "output_id": "O1", "item_kind": "work", "item_id": scenario.WORK,
     "share": "1", "role": "training"},
    {"type": "credit", "output_id": "O2", "item_kind": "recording",
     "item_id": scenario.RECORDING, "share": "1", "role": "conditioning"},
    {"type": "contribution", "model_id": "m-demo", "work_id": scenario.WORK, "tokens": 100},
    {"type": "revenue", "id": "rev-1", "feature": "create", "period": "2026-11",
     "territory": "WW", "currency": "EUR", "amount": "100.00"},
]


@pytest.fixture
def home(tmp_path, engine, db_url):
    s = Settings(home=tmp_path / "home", database_url=db_url)
    s.ensure_home()
    with session_scope(engine) as session:
        rights_service.import_document(session, parse_document(
            scenario.document(parse_instant("2026-01-01")), "demo"), "demo",
            AuditLog(session, "test"))
    src = tmp_path / "events.jsonl"
    write_jsonl(src, EVENTS)
    eventlog.ingest_file(s.events_dir, src)
    return s


def ledger_count(engine):
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(LedgerEntryRow))


def test_run_pays_the_demo_parties_and_is_idempotent(home, engine):
    pol = policy()
    with session_scope(engine) as s:
        first = service.run_period(s, home, "2026-11", pol)
    # pool 50.00; sub-pools: training 0.4, output:training 0.6*0.6, output:conditioning 0.6*0.2
    # (source empty: /0.88).  training + output:training -> the work (ada half, quill half);
    # conditioning 3/22 of 50 = 6.8181.. -> recording: master 0.5 northwind, rest the work.
    assert first["pools"] == {"EUR": "50.00"}
    paid = {p: v["EUR"]["paid"] for p, v in first["payees"].items()}
    # 46.59 for the work splits 23.295 / 23.295: the tie's cent goes to the smaller id
    assert paid == {scenario.LABEL: "3.41", scenario.WRITER: "23.29",
                    scenario.PUBLISHER: "23.30"}
    n = ledger_count(engine)
    with session_scope(engine) as s:
        again = service.run_period(s, home, "2026-11", pol)
        assert again["unchanged"] and again["run"] == first["run"]
        service.check_ledger(s)
        bal = service.ledger_balances(s)["EUR"]
    assert ledger_count(engine) == n
    assert bal["payout:" + scenario.LABEL] == "3.41" and bal["revenue:create"] == "-100.00"
    assert bal.get("royalties:pool") is None  # formed and emptied


def test_late_events_become_adjustments_in_the_next_period(home, engine, tmp_path):
    pol = policy()
    with session_scope(engine) as s:
        service.run_period(s, home, "2026-11", pol)
    late = tmp_path / "late.jsonl"
    write_jsonl(late, [{"type": "revenue", "id": "rev-late", "feature": "create",
                        "period": "2026-11", "territory": "DE", "currency": "EUR",
                        "amount": "10.00"}])
    eventlog.ingest_file(home.events_dir, late)
    with pytest.raises(Refused, match="closed"), session_scope(engine) as s:
        service.run_period(s, home, "2026-11", pol)
    with session_scope(engine) as s:
        dec = service.run_period(s, home, "2026-12", pol)
    assert dec["adjusted_periods"] == ["2026-11"]
    with session_scope(engine) as s:
        adj = s.execute(select(LedgerEntryRow.account, LedgerEntryRow.amount_minor).where(
            LedgerEntryRow.txn.like("2026-12:adjust:2026-11:%"))).all()
        service.check_ledger(s)
        with pytest.raises(Refused, match="before closed"):
            service.run_period(s, home, "2026-10", pol)
    assert dict(adj)["revenue:create"] == -1000
    assert sum(a for _, a in adj) == 0
    # the late 10.00 lifts the payees by 5.00 in December (their only money there)
    assert sum(a for acct, a in adj if acct.startswith("payable:")) == 500


def test_minimum_payout_carries_forward(home, engine, tmp_path):
    pol = policy(thresholds__minimum_payout={"EUR": "5.00"})
    with session_scope(engine) as s:
        nov = service.run_period(s, home, "2026-11", pol)
    assert nov["payees"][scenario.LABEL]["EUR"] == {"carried": "3.41"}
    more = tmp_path / "more.jsonl"
    write_jsonl(more, [usage(9, "O2", period="2026-12"),
                       {"type": "revenue", "id": "rev-dec", "feature": "create",
                        "period": "2026-12", "territory": "WW", "currency": "EUR",
                        "amount": "40.00"}])
    eventlog.ingest_file(home.events_dir, more)
    with session_scope(engine) as s:
        dec = service.run_period(s, home, "2026-12", pol)
        bal = service.ledger_balances(s)["EUR"]
    # December's share (under 5.00) plus the 3.41 carried in reach the minimum: paid together
    # northwind: master half of conditioning (0.12/0.52 of 20.00 = 4.615..) = 2.31 + 3.41
    assert dec["payees"][scenario.LABEL]["EUR"]["paid"] == "5.72"
    assert bal["payout:" + scenario.LABEL] == "5.72"
    assert "carried:" + scenario.LABEL not in bal
    total = sum(int(v.replace(".", "")) for v in bal.values())
    assert total == 0


def test_cli_statement_formats(home, engine, tmp_path):
    runner = CliRunner()
    base = ["--home", str(home.home), "--database-url", home.db_url]
    r = runner.invoke(app, [*base, "royalties", "run", "--period", "2026-11", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["period"] == "2026-11"
    r = runner.invoke(app, [*base, "royalties", "statement", "--payee", scenario.WRITER,
                            "--period", "2026-11", "--format", "csv"])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[0].startswith("period,currency,feature,use")
    assert sum(float(x.rsplit(",", 1)[1]) for x in lines[1:]) == pytest.approx(23.29)
    out = tmp_path / "st.html"
    r = runner.invoke(app, [*base, "royalties", "statement", "--payee", scenario.WRITER,
                            "--period", "2026-11", "--format", "html", "--output", str(out)])
    assert r.exit_code == 0 and "<svg" in out.read_text()
    r = runner.invoke(app, [*base, "royalties", "statement", "--payee", "nobody",
                            "--period", "2026-11"])
    assert r.exit_code == 2 and "payee 'nobody' has nothing in period 2026-11" in r.output


def test_a_run_that_dies_midway_publishes_nothing(home, engine, monkeypatch):
    pol = policy()

    def boom(_session):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(service, "check_ledger", boom)
    with pytest.raises(KeyboardInterrupt), session_scope(engine) as s:
        service.run_period(s, home, "2026-11", pol)
    assert ledger_count(engine) == 0
    with session_scope(engine) as s, pytest.raises(NotFound,
                                                   match="period 2026-11 has not been run"):
        service.statement(s, home, scenario.WRITER, "2026-11")
    monkeypatch.undo()
    with session_scope(engine) as s:
        done = service.run_period(s, home, "2026-11", pol)
    assert done["payees"][scenario.LABEL]["EUR"]["paid"] == "3.41"


def test_cli_ingest_and_balances(home, tmp_path):
    runner = CliRunner()
    base = ["--home", str(home.home), "--database-url", home.db_url]
    src = tmp_path / "more.jsonl"
    write_jsonl(src, [usage(50, "O1"), {"type": "usage", "id": "bad"}])
    r = runner.invoke(app, [*base, "royalties", "ingest", str(src), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["accepted"] == {"usage": 1} and out["rejected"] == 1
    assert runner.invoke(app, [*base, "royalties", "run", "--period", "2026-11"]).exit_code == 0
    r = runner.invoke(app, [*base, "royalties", "balances", "--json"])
    bal = json.loads(r.output)["EUR"]
    assert sum(int(v.replace(".", "")) for v in bal.values()) == 0
