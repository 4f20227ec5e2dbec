"""`accord royalties ...`: ingest events, run a period, statements, ledger balances."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from accord.atomic import write_text
from accord.cli.common import console, emit, err_console, registry, settings
from accord.errors import InvalidInput
from accord.royalties import eventlog, service
from accord.royalties.policy import load_policy
from accord.royalties.statement import RENDERERS

app = typer.Typer(help="Royalties: usage and revenue events, runs, ledger, statements.",
                  no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command()
def ingest(ctx: typer.Context, file: Path = typer.Argument(..., help="JSON Lines events"),
           as_json: bool = JSON) -> None:
    """Append usage, revenue, credit and contribution records to the event log."""
    s = settings(ctx)
    summary = eventlog.ingest_file(s.events_dir, file).to_json()

    def render(d):
        console.print(f"accepted {d['accepted'] or 'nothing new'}; {d['duplicates']} duplicates; "
                      f"{d['rejected']} rejected"
                      + (f" (reasons in {d['reject_file']})" if d["reject_file"] else ""))
    emit(summary, as_json, render)


@app.command()
def run(ctx: typer.Context, period: str = typer.Option(..., help="YYYY-MM"),
        engine: str = typer.Option("duckdb", help="duckdb or spark"),
        policy: Path | None = typer.Option(None, help="policy TOML (default: the shipped one)"),
        as_json: bool = JSON) -> None:
    """Distribute a period (idempotent: the same inputs give the same, unchanged result)."""
    if engine not in ("duckdb", "spark"):
        raise InvalidInput(f"unknown engine {engine!r}; use duckdb or spark")
    pol = load_policy(policy)
    s = settings(ctx)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("royalty run", total=None)
        with registry(ctx) as session:
            summary = service.run_period(session, s, period, pol, engine,
                                         lambda msg: bar.update(task, description=msg))
    emit(summary, as_json, _render_run)


def _render_run(d: dict) -> None:
    state = "unchanged (already run)" if d.get("unchanged") else "closed"
    console.print(f"period {d['period']} {state}: run {d['run']} with policy "
                  f"{d['policy']['name']} {d['policy']['version']} on {d['engine']}")
    console.print(f"revenue {d['revenue']}; pools {d['pools']}; retained {d['platform']}; "
                  f"unallocated {d['unallocated']}")
    if d["adjusted_periods"]:
        console.print(f"adjustments booked for late changes to {d['adjusted_periods']}")
    t = Table("payee", "currency", "paid", "carried forward")
    for payee, by_cur in d["payees"].items():
        for cur, v in by_cur.items():
            t.add_row(payee, cur, v.get("paid", ""), v.get("carried", ""))
    console.print(t)


@app.command()
def statement(ctx: typer.Context, payee: str = typer.Option(...),
              period: str = typer.Option(...),
              fmt: str = typer.Option("json", "--format", help="csv, json or html"),
              output: Path | None = typer.Option(None, help="write to this file")) -> None:
    """A payee's statement for a period: line items and totals."""
    if fmt not in RENDERERS:
        raise InvalidInput(f"unknown format {fmt!r}; use csv, json or html")
    with registry(ctx) as session:
        data = service.statement(session, settings(ctx), payee, period)
    text = RENDERERS[fmt](data)
    if output:
        write_text(output, text)
        err_console.print(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


@app.command()
def balances(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Ledger balances per account (they sum to zero in every currency)."""
    with registry(ctx) as session:
        service.check_ledger(session)
        data = service.ledger_balances(session)

    def render(d):
        t = Table("currency", "account", "balance")
        for cur, accounts in d.items():
            for a, v in sorted(accounts.items()):
                t.add_row(cur, a, v)
        console.print(t)
    emit(data, as_json, render)
