"""A flagged recording's money is withheld while the flag stands, and a decision reversed on
review releases it in the next run (SQLite and PostgreSQL; the real royalty engine)."""

from __future__ import annotations

from sqlalchemy import select

from accord.db.engine import session_scope
from accord.demo import scenario
from accord.rights.audit import AuditLog
from accord.royalties import eventlog
from accord.royalties import service as royalties
from accord.royalties.tables import LedgerEntryRow
from accord.timeutil import parse_instant
from accord.trust import service
from tests.royalty_fixtures import policy, write_jsonl
from tests.trust.conftest import metadata, write_tune

EVENTS = [  # November: one output conditioned on the recording (its master: 3.41 of 50.00)
    {"type": "usage", "id": "u1", "kind": "generated", "feature": "create",
     "occurred_at": "2026-11-03T10:00:00Z", "output_id": "O1", "model_id": "m-demo"},
    {"type": "usage", "id": "u2", "kind": "generated", "feature": "create",
     "occurred_at": "2026-11-03T10:00:00Z", "output_id": "O2", "model_id": "m-demo"},
    {"type": "credit", "output_id": "O1", "item_kind": "work", "item_id": scenario.WORK,
     "share": "1", "role": "training"},
    {"type": "credit", "output_id": "O2", "item_kind": "recording",
     "item_id": scenario.RECORDING, "share": "1", "role": "conditioning"},
    {"type": "contribution", "model_id": "m-demo", "work_id": scenario.WORK, "tokens": 100},
    {"type": "revenue", "id": "rev-1", "feature": "create", "period": "2026-11",
     "territory": "WW", "currency": "EUR", "amount": "100.00"},
]


def test_flag_withholds_and_a_reversal_releases_in_the_next_run(home, engine, tmp_path):
    src = tmp_path / "events.jsonl"
    write_jsonl(src, EVENTS)
    eventlog.ingest_file(home.events_dir, src)
    meta = metadata(tmp_path / "m.json", title="Lantern", artists=["Bea Lantern"])
    with session_scope(engine) as s:  # held: credited to Bea, who has not opted in to voice
        d = service.screen_upload(s, home, write_tune(tmp_path / "t.wav", 41), uploader="u1",
                                  audit=AuditLog(s, "test"), metadata=meta,
                                  recording=scenario.RECORDING,
                                  at=parse_instant("2026-10-15T00:00:00Z"))
    assert d["outcome"] == "hold"
    pol = policy()
    with session_scope(engine) as s:
        nov = royalties.run_period(s, home, "2026-11", pol)
    why = f"recording {scenario.RECORDING} withdrawn from 2026-10-15"
    held = {payee: v for payee, v in nov["withheld"].items()}
    assert scenario.LABEL in held and why in str(held[scenario.LABEL])
    assert "paid" not in nov["payees"].get(scenario.LABEL, {}).get("EUR", {})

    with session_scope(engine) as s:  # the admin reverses the hold on 2 December
        service.review(s, d["id"], "admin", "accept", "cover licence verified",
                       AuditLog(s, "admin"), parse_instant("2026-12-02T00:00:00Z"))
    with session_scope(engine) as s:
        dec = royalties.run_period(s, home, "2026-12", pol)
    assert dec["adjusted_periods"] == ["2026-11"]
    with session_scope(engine) as s:
        adj = dict(s.execute(select(LedgerEntryRow.account, LedgerEntryRow.amount_minor).where(
            LedgerEntryRow.txn.like("2026-12:adjust:2026-11:%"))).all())
        royalties.check_ledger(s)
    assert adj[f"payable:{scenario.LABEL}"] == 341
    assert adj[f"withheld:{scenario.LABEL}"] == -341


def test_a_royalty_run_in_a_fresh_process_reads_trusts_flags(tmp_path):
    """A process started through an entry point (here the CLI's module, as `accord royalties
    run` is) has trust's reader registered, though royalties imports nothing of trust."""
    import os
    import subprocess
    import sys

    from accord.db.engine import create_schema

    url = f"sqlite:///{tmp_path / 'a.db'}"
    create_schema(url)
    code = ("import accord.cli.main\n"
            "from accord.royalties import exclusions\n"
            "from accord.db.engine import make_engine, session_scope\n"
            f"with session_scope(make_engine({url!r})) as s:\n"
            "    print(exclusions.read(s), sorted(exclusions.READERS))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                         check=True).stdout
    assert out.strip() == "() ['trust']"
