"""The demo flow. Each stage adds a section to the summary; later issues add stages."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from accord.catalog.demo import catalog_stage
from accord.config import Settings
from accord.creation.demo import creation_stage
from accord.db.engine import dispose_engine, make_engine, session_scope
from accord.demo import scenario
from accord.demo.attribution_stage import attribution_stage
from accord.demo.dj_stage import dj_stage
from accord.demo.royalties_stage import royalties_stage
from accord.demo.trust_stage import trust_stage
from accord.errors import AccordError
from accord.rights import audit, service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import ConsentAction, Purpose, Use, WithdrawalAction
from accord.training.demo import training_stage
from accord.workflows import hooks as _hooks  # noqa: F401  (cross-context wiring)
from accord.workflows.home import DEMO_MARKER, initialise

MARKER = DEMO_MARKER


@dataclass
class DemoReport:
    sections: list[tuple[str, Any]] = field(default_factory=list)

    def add(self, title: str, data: Any) -> None:
        self.sections.append((title, data))

    def to_json(self) -> dict:
        return dict(self.sections)


def prepare_home(s: Settings, fresh: bool) -> None:
    """--fresh empties the home, but only one that a demo made (never a user's data)."""
    home = s.home
    if fresh and home.exists() and any(home.iterdir()):
        if not (home / MARKER).exists():
            raise AccordError(f"{home} is not empty and was not made by `accord demo`; "
                              "choose another --home for the demo")
        dispose_engine(s.db_url)
        shutil.rmtree(home)
    initialise(s)
    (home / MARKER).write_text("made by accord demo; `accord demo --fresh` may delete it\n")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rights_stage(s: Settings, report: DemoReport, out: Console) -> None:
    out.rule("[bold]Rights and consent registry[/]")
    engine = make_engine(s.db_url)
    start = _at("2026-01-01")
    with session_scope(engine) as session:
        summary = service.import_document(session, parse_document(scenario.document(start),
                                                                  "demo scenario"),
                                          "demo scenario", AuditLog(session, "demo"))
    out.print(f"imported the demo scenario: {summary.to_json()['created']}")

    checks: list[dict] = []

    def check(label: str, use: Use, at: str, purpose: Purpose = Purpose.COMMERCIAL) -> None:
        with session_scope(engine) as session:
            d = service.check(session, use, recording=scenario.ISRC, at=_at(at), purpose=purpose)
        checks.append({"step": label, **d.to_json()})

    def consent(party: str, use: Use, action: ConsentAction, effective: str) -> None:
        with session_scope(engine) as session:
            service.record_consent(session, party, use, action, _at(effective),
                                   AuditLog(session, "demo"), reason="demo consent choice",
                                   event_id=f"{party}-{use}-{action}-{effective}")

    check("label and publisher signed; Cal never opted in", Use.TRAIN, "2026-02-01")
    consent(scenario.FEATURED, Use.TRAIN, ConsentAction.OPT_IN, "2026-03-01")
    check("Cal opts in from 1 March", Use.TRAIN, "2026-03-15")
    consent(scenario.FEATURED, Use.TRAIN, ConsentAction.REVOKE, "2026-06-01")
    check("Cal revokes from 1 June: before", Use.TRAIN, "2026-05-15")
    check("Cal revokes from 1 June: after", Use.TRAIN, "2026-06-15")

    def takedown(action: WithdrawalAction, effective: str, reason: str) -> None:
        with session_scope(engine) as session:
            service.withdraw_recording(session, scenario.ISRC, action, _at(effective),
                                       AuditLog(session, "demo"), reason=reason,
                                       event_id=f"demo-{action}-{effective}")

    takedown(WithdrawalAction.WITHDRAW, "2026-04-01", "demo: the distributor took the release "
             "down")
    check("the distributor takes it down 1-30 April", Use.TRAIN, "2026-04-15")
    takedown(WithdrawalAction.REINSTATE, "2026-05-01", "demo: the release is back")
    check("reinstated from 1 May", Use.TRAIN, "2026-05-15")
    check("style: Bea opted in to train only", Use.STYLE, "2026-03-15")
    check("voice: nobody licensed it", Use.VOICE, "2026-03-15", Purpose.NON_COMMERCIAL)

    table = Table(show_lines=True)
    for col in ("step", "use", "at", "decision", "reasons"):
        table.add_column(col, overflow="fold")
    for c in checks:
        why = ("\n".join(c["reasons"]) if not c["allowed"] else
               f"{sum(e['kind'] == 'agreement' for e in c['evidence'])} agreements and "
               f"{sum(e['kind'] == 'consent' for e in c['evidence'])} consents in force")
        table.add_row(c["step"], c["use"], c["at"][:10],
                      "[green]allowed[/]" if c["allowed"] else "[red]denied[/]", why)
    out.print(table)
    with session_scope(engine) as session:
        verdict = audit.verify(session)
    out.print(f"audit chain: {'intact' if verdict.ok else 'BROKEN'}, {verdict.entries} entries")
    report.add("rights", {"checks": checks, "audit": verdict.to_json()})


def run_demo(s: Settings, fresh: bool = False, as_json: bool = False) -> DemoReport:
    # A log or CI capture is not a terminal; 120 columns keep the tables readable there too.
    stream = sys.stderr if as_json else sys.stdout
    out = Console(stderr=as_json, width=None if stream.isatty() else 120)
    prepare_home(s, fresh)
    out.print(Panel.fit("Accord demo: every party, label and consent choice below is "
                        "fictional demo data", style="bold"))
    report = DemoReport()
    # The flow of DESIGN.md, in order: registry, catalogue, licensed training, creation,
    # attribution, royalties.
    for stage in (rights_stage, catalog_stage, training_stage, creation_stage, attribution_stage,
                  royalties_stage):
        stage(s, report, out)
    trust_stage(s, report, out)  # upload screening (accord.trust)
    dj_stage(s, report, out)  # the AI DJ: a listener's set, its plays and their royalties

    out.rule("[bold]Summary[/]")
    rights = report.to_json()["rights"]
    allowed = sum(c["allowed"] for c in rights["checks"])
    out.print(f"home: {s.home.resolve()}")
    out.print(f"permission checks: {allowed} allowed, {len(rights['checks']) - allowed} denied; "
              f"audit chain {'intact' if rights['audit']['ok'] else 'broken'} "
              f"({rights['audit']['entries']} entries)")
    cat = report.to_json().get("catalog")
    if cat:
        out.print(f"catalogue: {sum(cat['by_collection'].values())} corpus pieces in "
                  f"{len(cat['by_collection'])} collections, {len(cat['rendered'])} rendered "
                  f"to demo recordings; DDEX: {' then '.join(m['kind'] for m in cat['ddex'])} "
                  "of a demo single")
    if "training" in report.to_json():
        tr = report.to_json()["training"]
        out.print(f"training: snapshot {tr['snapshot']['id']} ({tr['snapshot']['items']} items), "
                  f"model {tr['model']['id']} at {tr['model']['val_nats_per_token']:.3f} "
                  f"nats/token; revocation by {tr['revoked_writer']} flagged "
                  f"{len(tr['audit'])} model(s)")
        if tr.get("reference"):
            ref = tr["reference"]
            out.print(f"reference model {ref['model']['id']} ({ref['status']}): "
                      f"{ref['items']} licensed training items checked in this registry; "
                      "creation uses it by default")
    if "creation" in report.to_json():
        cr = report.to_json()["creation"]
        out.print(f"creation: {len(cr['outputs'])} signed outputs from model {cr['model']}, "
                  f"{len(cr['refused'])} requests refused with their reasons; credential "
                  f"{'verifies' if cr['verified'] else 'does NOT verify'}")
    if "attribution" in report.to_json():
        at = report.to_json()["attribution"]
        out.print(f"attribution ({at['method']}): {len(at['outputs'])} outputs credited, "
                  f"{sum(len(o['credits']) for o in at['outputs'])} credits summing to exactly 1 "
                  "per output, signed into each output's credentials")
    roy = report.to_json()["royalties"]
    out.print(f"royalties {roy['period']}: pool {roy['pools']} paid to "
              f"{len(roy['payees'])} payees (policy {roy['policy']['version']})")
    data = report.to_json()
    if "trust" in data:
        out.print("upload screening: " + "; ".join(
            f"{r['case']}: {r['outcome']}" for r in data["trust"]["screenings"]))
    if "dj" in data:
        dj = data["dj"]
        out.print(f"AI DJ: set {dj['set']['set_id']}, {dj['set']['duration_s']:.0f} s at "
                  f"{dj['set']['loudness_lufs']} LUFS, {len(dj['set']['tracks'])} plays; "
                  f"{dj['royalties']['period']} dj pool {dj['royalties']['pools']} paid to "
                  f"{len(dj['royalties']['payees'])} payees")
    out.print("try: accord --home " + str(s.home) + " rights check --use train --recording "
              + scenario.ISRC + " --at 2026-06-15")
    out.print(f"serve the API: accord --home {s.home} serve  (then http://127.0.0.1:8000/docs)")
    from accord.demo.accounts import demo_accounts  # demo sign-ins and the web UI's address

    demo_accounts(s, report, out)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, sort_keys=True, default=str))
    return report
