"""The demo's royalties stage: revenue and usage for the demo scenario, one period run, who is
paid what. Attribution and training are not built yet, so the model, its snapshot
contributions, the outputs and their credits below are explicit DEMO DATA, labelled as such."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.demo import scenario
from accord.royalties import eventlog, service
from accord.royalties.policy import load_policy

PERIOD = "2026-11"
MODEL = "demo-model-lantern-v1"


def demo_records() -> list[dict]:
    """Two generated outputs (demo), their credits (demo, stated by hand, not computed by an
    attribution method), the demo model's snapshot (demo), DJ plays and the period's revenue."""
    at = f"{PERIOD}-10T12:00:00Z"
    recs: list[dict] = []
    for i, (output, kind) in enumerate([("demo-output-1", "generated"),
                                        ("demo-output-1", "streamed"),
                                        ("demo-output-1", "downloaded"),
                                        ("demo-output-2", "generated"),
                                        ("demo-output-2", "streamed")]):
        recs.append({"type": "usage", "id": f"demo-usage-{i}", "kind": kind, "feature": "create",
                     "occurred_at": at, "output_id": output, "model_id": MODEL})
    for i in range(3):
        recs.append({"type": "usage", "id": f"demo-play-{i}", "kind": "played", "feature": "dj",
                     "occurred_at": at, "recording_id": scenario.RECORDING})
    recs += [
        # demo credits: output 1 learned from the work; output 2 was conditioned on the recording
        {"type": "credit", "output_id": "demo-output-1", "item_kind": "work",
         "item_id": scenario.WORK, "share": "1", "role": "training"},
        {"type": "credit", "output_id": "demo-output-2", "item_kind": "work",
         "item_id": scenario.WORK, "share": "0.6", "role": "training"},
        {"type": "credit", "output_id": "demo-output-2", "item_kind": "recording",
         "item_id": scenario.RECORDING, "share": "0.4", "role": "conditioning"},
        {"type": "contribution", "model_id": MODEL, "work_id": scenario.WORK, "tokens": 4096,
         "seconds": "183.5"},
        {"type": "revenue", "id": "demo-revenue-create-eur", "feature": "create",
         "period": PERIOD, "territory": "WW", "currency": "EUR", "amount": "120.00"},
        {"type": "revenue", "id": "demo-revenue-dj-eur", "feature": "dj", "period": PERIOD,
         "territory": "WW", "currency": "EUR", "amount": "30.00"},
    ]
    return recs


def royalties_stage(s: Settings, report, out: Console) -> None:
    out.rule("[bold]Royalties: usage, revenue, one period distributed[/]")
    out.print("demo data: the model, outputs, credits and revenue below are fictional and the "
              "credits are given by hand (attribution is not built yet)")
    ingest = eventlog.ingest_records(s.events_dir, list(enumerate(demo_records(), 1)), "demo")
    out.print(f"event log: {ingest.to_json()['accepted'] or 'nothing new'} accepted, "
              f"{ingest.duplicates} already recorded, {ingest.rejected} rejected")
    with session_scope(make_engine(s.db_url)) as session:
        summary = service.run_period(session, s, PERIOD, load_policy())
        service.check_ledger(session)
    table = Table("payee", "currency", "paid", "carried forward")
    for payee, by_cur in summary["payees"].items():
        for cur, v in by_cur.items():
            table.add_row(payee, cur, v.get("paid", ""), v.get("carried", ""))
    out.print(f"period {PERIOD}: revenue {summary['revenue']}, pool {summary['pools']}, "
              f"platform {summary['platform']}, policy {summary['policy']['version']}")
    out.print(table)
    out.print(f"statement: accord --home {s.home} royalties statement --payee "
              f"{scenario.WRITER} --period {PERIOD} --format html --output statement.html")
    report.add("royalties", summary)
