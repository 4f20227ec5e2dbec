"""The demo's royalties stage: usage and revenue for the outputs the creation stage made (their
credits were computed by attribution and are already in the event log), the model's snapshot
contributions, DJ plays of the demo recording, one period run, who is paid what. The revenue
figures and the usage counts are DEMO DATA, labelled as such."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.demo import scenario
from accord.royalties import eventlog, service
from accord.royalties.policy import load_policy
from accord.training import dataset_service
from accord.training import service as training

PERIOD = "2026-11"
#: How often each demo output was streamed and downloaded (fictional counts). Its `generated`
#: event was recorded when it was released (royalties.released), at its real creation time.
USES = (("streamed", 3), ("downloaded", 1))


def demo_records(s: Settings, outputs: list[dict], model_id: str | None) -> list[dict]:
    """Usage of the creation stage's outputs, the contributions of their model's snapshot (one
    per work, by tokens and seconds), three DJ plays and the period's revenue (all demo)."""
    at = f"{PERIOD}-10T12:00:00Z"
    recs: list[dict] = []
    for o in outputs:
        for kind, times in USES:
            recs += [{"type": "usage", "id": f"demo-usage-{o['id']}-{kind}-{i}", "kind": kind,
                      "feature": "create", "occurred_at": at, "output_id": o["id"],
                      "model_id": o["model"]} for i in range(times)]
    if model_id is not None:
        with session_scope(make_engine(s.db_url)) as session:
            snapshot = training.get_model(session, model_id).snapshot_id
        recs += [{"type": "contribution", "model_id": model_id, "work_id": it.item_id,
                  "tokens": it.note_count, "seconds": str(it.duration_s)}
                 for it in dataset_service.items(s, snapshot)]
    recs += [{"type": "usage", "id": f"demo-play-{i}", "kind": "played", "feature": "dj",
              "occurred_at": at, "recording_id": scenario.RECORDING} for i in range(3)]
    recs += [
        {"type": "revenue", "id": "demo-revenue-create-eur", "feature": "create",
         "period": PERIOD, "territory": "WW", "currency": "EUR", "amount": "120.00"},
        {"type": "revenue", "id": "demo-revenue-dj-eur", "feature": "dj", "period": PERIOD,
         "territory": "WW", "currency": "EUR", "amount": "30.00"},
    ]
    return recs


def royalties_stage(s: Settings, report, out: Console) -> None:
    out.rule("[bold]Royalties: usage, revenue, one period distributed[/]")
    out.print("demo data: the usage counts and the revenue below are fictional; the outputs, "
              "their credits and the model's snapshot are the ones the stages above made")
    made = report.to_json().get("creation", {})
    outputs = [{"id": o["id"], "model": made["model"]} for o in made.get("outputs", [])]
    records = demo_records(s, outputs, made.get("model"))
    ingest = eventlog.ingest_records(s.events_dir, list(enumerate(records, 1)), "demo")
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
    for payee, by_cur in summary.get("withheld", {}).items():
        for cur, v in by_cur.items():
            out.print(f"withheld from {payee}: {v['amount']} {cur} ({'; '.join(v['reasons'])})")
    out.print(f"statement: accord --home {s.home} royalties statement --payee "
              f"{scenario.WRITER} --period {PERIOD} --format html --output statement.html")
    report.add("royalties", summary)
