"""`accord rights ...` and `accord audit ...`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from accord.atomic import write_text
from accord.cli.common import (
    audit_log,
    console,
    emit,
    parse_at,
    parse_purpose,
    parse_use,
    registry,
    settings,
)
from accord.errors import AccordError
from accord.rights import audit as audit_chain
from accord.rights import service
from accord.rights.document import json_schema
from accord.rights.model import WORLDWIDE, ConsentAction, WithdrawalAction

app = typer.Typer(help="The rights and consent registry.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command("import")
def import_(ctx: typer.Context, file: Path = typer.Argument(..., help="JSON or YAML document"),
            as_json: bool = JSON) -> None:
    """Import parties, works, recordings, agreements and consents; all or nothing."""
    with registry(ctx) as session:
        summary = service.import_file(session, file, _audit(ctx, session))

    def render(d):
        console.print(f"[bold]{file}[/]: created {_fmt_counts(d['created'])}; "
                      f"updated {_fmt_counts(d['updated'])}; "
                      f"unchanged {_fmt_counts(d['unchanged'])}")
    emit(summary.to_json(), as_json, render)


@app.command()
def grant(ctx: typer.Context, party: str = typer.Option(..., help="the artist's or writer's id"),
          use: str = typer.Option(..., help="train, style, voice, remix or dj"),
          effective: str | None = typer.Option(None, help="ISO 8601; default now"),
          reason: str = typer.Option("", help="why (kept in the history)"),
          as_json: bool = JSON) -> None:
    """Record a person's opt-in to a use."""
    _consent(ctx, party, use, ConsentAction.OPT_IN, effective, reason, as_json)


@app.command()
def revoke(ctx: typer.Context, party: str = typer.Option(..., help="the artist's or writer's id"),
           use: str = typer.Option(..., help="train, style, voice, remix or dj"),
           effective: str | None = typer.Option(None, help="ISO 8601; default now"),
           reason: str = typer.Option("", help="why (kept in the history)"),
           as_json: bool = JSON) -> None:
    """Record a person's revocation of a use (wins from its effective time)."""
    _consent(ctx, party, use, ConsentAction.REVOKE, effective, reason, as_json)


def _consent(ctx, party, use, action, effective, reason, as_json) -> None:
    u, at = parse_use(use), parse_at(effective, "--effective")
    with registry(ctx) as session:
        doc = service.record_consent(session, party, u, action, at, _audit(ctx, session), reason)
        if action is ConsentAction.REVOKE:  # the models trained on its works: audited (a job)
            _queue_audit(session, f"consent revoked: {party}, {u.value}", [party], u.value)
    data = json.loads(doc.model_dump_json())
    emit(data, as_json, lambda d: console.print(
        f"recorded {d['action']} of '{d['use']}' for {d['party']} effective "
        f"{d['effective_at']} ({d['id']})"))


@app.command()
def terminate(ctx: typer.Context, agreement: str = typer.Argument(...),
              effective: str | None = typer.Option(None, help="ISO 8601; default now"),
              reason: str = typer.Option(""), as_json: bool = JSON) -> None:
    """End an agreement early (recorded as a termination event)."""
    at = parse_at(effective, "--effective")
    with registry(ctx) as session:
        doc = service.terminate_agreement(session, agreement, at, _audit(ctx, session), reason)
        _queue_audit(session, f"agreement terminated: {agreement}", [], None)
    emit(json.loads(doc.model_dump_json()), as_json,
         lambda d: console.print(f"agreement {d['agreement']} ends {d['effective_at']}"))


@app.command()
def withdraw(ctx: typer.Context,
             recording: str = typer.Argument(..., help="the recording's id or ISRC"),
             effective: str | None = typer.Option(None, help="ISO 8601; default now"),
             reason: str = typer.Option("", help="why (kept in the history)"),
             as_json: bool = JSON) -> None:
    """Take a recording down: no use of any kind is permitted from the effective time."""
    _withdrawal(ctx, recording, WithdrawalAction.WITHDRAW, effective, reason, as_json)


@app.command()
def reinstate(ctx: typer.Context,
              recording: str = typer.Argument(..., help="the recording's id or ISRC"),
              effective: str | None = typer.Option(None, help="ISO 8601; default now"),
              reason: str = typer.Option("", help="why (kept in the history)"),
              as_json: bool = JSON) -> None:
    """Put a taken-down recording back (the rule's other conditions still apply)."""
    _withdrawal(ctx, recording, WithdrawalAction.REINSTATE, effective, reason, as_json)


def _withdrawal(ctx, recording, action, effective, reason, as_json) -> None:
    at = parse_at(effective, "--effective")
    with registry(ctx) as session:
        doc = service.withdraw_recording(session, recording, action, at,
                                         _audit(ctx, session), reason)
        if action is WithdrawalAction.WITHDRAW:
            _queue_audit(session, f"recording taken down: {recording}", [], None)
    emit(json.loads(doc.model_dump_json()), as_json, lambda d: console.print(
        f"recording {d['recording']}: {d['action']} effective {d['effective_at']} ({d['id']})"))


@app.command()
def show(ctx: typer.Context, ref: str = typer.Argument(..., help="any id, ISRC or ISWC"),
         as_json: bool = JSON) -> None:
    """Show a party, work, recording or agreement."""
    with registry(ctx) as session:
        data = service.show(session, ref)
    emit(data, as_json, lambda d: console.print_json(json.dumps(d, default=str)))


@app.command()
def history(ctx: typer.Context, party: str = typer.Argument(...),
            use: str | None = typer.Option(None), as_json: bool = JSON) -> None:
    """A person's consent history (effective and recorded times) and audit entries."""
    u = parse_use(use) if use else None
    with registry(ctx) as session:
        data = service.history(session, party, u)

    def render(d):
        t = Table(title=f"consent history of {party}")
        for col in ("effective", "use", "action", "recorded", "reason", "event"):
            t.add_column(col)
        for e in d["consents"]:
            t.add_row(e["effective_at"], e["use"], e["action"], e["recorded_at"], e["reason"],
                      e["id"])
        console.print(t)
    emit(data, as_json, render)


@app.command()
def check(ctx: typer.Context, use: str = typer.Option(..., help="train, style, voice, remix, dj"),
          recording: str | None = typer.Option(None, help="recording id or ISRC"),
          work: str | None = typer.Option(None, help="work id or ISWC"),
          at: str | None = typer.Option(None, help="ISO 8601 time; default now"),
          purpose: str = typer.Option("commercial", help="commercial or non_commercial"),
          territory: str = typer.Option(WORLDWIDE, help="ISO 3166 alpha-2, or WW"),
          as_json: bool = JSON) -> None:
    """May this use of this recording or work happen at this time? With the reasons."""
    u, when, p = parse_use(use), parse_at(at), parse_purpose(purpose)
    with registry(ctx) as session:
        decision = service.check(session, u, recording=recording, work=work, at=when,
                                 purpose=p, territory=territory.upper())

    def render(d):
        mark = "[green]ALLOWED[/]" if d["allowed"] else "[red]DENIED[/]"
        console.print(f"{mark} {d['use']} ({d['purpose']}) of {d['subject']} at {d['at']}")
        for r in d["reasons"]:
            console.print(f"  - {r}")
    emit(decision.to_json(), as_json, render)


@app.command()
def schema(output: Path | None = typer.Option(None, "--output", "-o")) -> None:
    """Print (or write) the JSON Schema of the import document."""
    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if output:
        write_text(output, text)
    else:
        typer.echo(text, nl=False)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Recompute the audit chain; name the first edited, deleted, inserted or reordered entry."""
    head_file = settings(ctx).home / "audit-head.json"
    expected = None
    if head_file.exists():
        h = json.loads(head_file.read_text())
        expected = (h["seq"], h["hash"])
    with registry(ctx) as session:
        verdict = audit_chain.verify(session, expected)

    def render(d):
        if d["ok"]:
            console.print(f"[green]audit chain intact[/]: {d['entries']} entries, "
                          f"head {d['head_hash'][:16]}")
        else:
            console.print(f"[red]audit chain broken[/] at entry {d['first_bad_seq']}: "
                          f"{d['problem']}")
    emit(verdict.to_json(), as_json, render)
    if not verdict.ok:
        raise typer.Exit(1)


def _queue_audit(session, trigger: str, parties: list[str], use: str | None) -> None:
    """A revocation, termination or takedown queues an audit of the models (a durable job, run
    by `accord worker` or a server's worker; docs/api.md), committed with the change."""
    from accord.api.audit_jobs import enqueue_audit

    enqueue_audit(session, trigger, parties, use)


def _audit(ctx, session):
    return audit_log(session)


def _fmt_counts(d: dict) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(d.items())) or "nothing"


__all__ = ["app", "audit_app", "AccordError"]
