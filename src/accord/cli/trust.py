"""`accord screen ...`: thin adapter over accord.trust.service.

    accord screen FILE [--metadata META.json | --ddex ERN.xml] [--uploader ID] [--json]
    accord screen list | show | appeal | review | excluded | index | voice | rules
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from accord.cli.common import audit_log, console, emit, err_console, parse_at, registry, settings


class ScreenGroup(TyperGroup):
    """`accord screen FILE ...` screens a file; a first word naming a subcommand runs it."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["file", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(help="Upload screening: re-uploads, undisclosed AI, impersonation, spam.\n\n"
                       "accord screen FILE [--metadata META.json | --ddex ERN.xml] [--uploader "
                       "ID] [--recording ID] [--policy FILE] [--json] screens one upload "
                       "(`accord screen file --help`); the commands below list, appeal and "
                       "review screenings.",
                  no_args_is_help=True, cls=ScreenGroup)
JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


def _spinner(text: str) -> Progress:
    return Progress(SpinnerColumn(), TextColumn(text), TimeElapsedColumn(), console=err_console,
                    transient=True)


def render_screening(d: dict) -> None:
    colour = {"accept": "green", "accept_labelled_ai": "cyan", "hold": "yellow",
              "reject": "red"}[d["outcome"]]
    label = " (labelled AI)" if d["ai_label"] and d["outcome"] == "accept" else ""
    console.print(f"{d['id']}: [{colour}]{d['outcome']}[/]{label} - {d['file']}"
                  + (f" ({d['title']})" if d["title"] else "")
                  + (f" [recording {d['recording']}]" if d["recording"] else ""),
                  highlight=False)
    for r in d["reasons"]:
        console.print(f"  {r['outcome']:<19} {r['rule']}: {r['summary']}", highlight=False)
    if not d["reasons"]:
        console.print("  no rule saw anything")
    if d.get("note"):
        console.print(f"  note: {d['note']}", highlight=False)


@app.command("file")
def screen_file(ctx: typer.Context,
                file: Path = typer.Argument(
                    ..., help="audio (WAV, FLAC, OGG, MP3), MIDI or MusicXML"),
                metadata: Path | None = typer.Option(None, "--metadata",
                                                     help="metadata JSON (title, artists, "
                                                          "AI disclosure)"),
                ddex: Path | None = typer.Option(None, "--ddex", help="DDEX ERN message"),
                uploader: str = typer.Option("cli", "--uploader", help="uploading account id"),
                uploader_party: str | None = typer.Option(
                    None, "--uploader-party", help="the uploader's own registry party "
                    "(an artist uploading their own work)"),
                recording: str | None = typer.Option(None, "--recording",
                                                     help="the catalogue recording (id or "
                                                          "ISRC) this file is"),
                policy: Path | None = typer.Option(None, "--policy",
                                                   help="policy TOML (default: shipped)"),
                as_json: bool = JSON) -> None:
    """Screen one upload: one decision with every reason and its evidence, stored."""
    from accord.trust import service

    s = settings(ctx)
    pol = service.policy_for(s, policy)
    with _spinner(f"screening {file.name}"), registry(ctx) as session:
        d = service.screen_upload(session, s, file, uploader=uploader,
                                  audit=audit_log(session, f"cli:{uploader}"),
                                  metadata=metadata, ddex=ddex, recording=recording,
                                  uploader_party=uploader_party, policy=pol)
    emit(d, as_json, render_screening)


@app.command("list")
def list_cmd(ctx: typer.Context,
             uploader: str | None = typer.Option(None, "--uploader", help="one account's"),
             queue: bool = typer.Option(False, "--queue", help="the admin review queue"),
             as_json: bool = JSON) -> None:
    """Screenings, newest first: all, one uploader's, or the review queue."""
    from accord.trust import service

    with registry(ctx) as session:
        rows = service.list_screenings(session, uploader, queue)

    def render(rows):
        t = Table("id", "uploader", "file", "outcome", "status", "reasons")
        for r in rows:
            t.add_row(r["id"], r["uploader"], r["file"], r["outcome"], r["status"],
                      "; ".join(x["rule"] for x in r["reasons"]) or "-")
        console.print(t)
    emit(rows, as_json, render)


@app.command()
def show(ctx: typer.Context, screening: str = typer.Argument(...), as_json: bool = JSON) -> None:
    """One screening with its findings, evidence and appeals."""
    from accord.trust import service

    with registry(ctx) as session:
        d = service.show(session, screening)

    def render(d):
        render_screening(d)
        for f in d["findings"]:
            console.print(f"  finding {f['rule']}: {f['verdict']} ({f['score']})",
                          highlight=False)
        for a in d["appeals"]:
            console.print(f"  appeal {a['id']} ({a['status']}): {a['statement']}",
                          highlight=False)
    emit(d, as_json, render)


@app.command()
def appeal(ctx: typer.Context, screening: str = typer.Argument(...),
           statement: str = typer.Option(..., "--statement", help="why the decision is wrong"),
           uploader: str = typer.Option("cli", "--uploader", help="the appealing account"),
           as_json: bool = JSON) -> None:
    """Appeal a hold or a rejection (the uploader, with a statement)."""
    from accord.trust import service

    with registry(ctx) as session:
        d = service.appeal(session, screening, uploader, statement,
                           audit_log(session, f"cli:{uploader}"))
    emit(d, as_json, render_screening)


@app.command()
def review(ctx: typer.Context, screening: str = typer.Argument(...),
           outcome: str = typer.Option(..., "--outcome",
                                       help="accept, accept_labelled_ai, hold or reject"),
           note: str = typer.Option("", "--note"),
           reviewer: str = typer.Option("admin", "--reviewer"),
           at: str | None = typer.Option(None, "--at", help="effective time (default now)"),
           as_json: bool = JSON) -> None:
    """An admin's decision on a screening; accepting a flagged one voids its flag."""
    from accord.trust import service

    with registry(ctx) as session:
        d = service.review(session, screening, reviewer, outcome, note,
                           audit_log(session, f"cli:{reviewer}"),
                           parse_at(at) if at else None)
    emit(d, as_json, render_screening)


@app.command()
def excluded(ctx: typer.Context, at: str | None = typer.Option(None, "--at"),
             as_json: bool = JSON) -> None:
    """Recordings flagged at a time (left out of DJ candidates and royalty pools)."""
    from accord.trust import service

    with registry(ctx) as session:
        ids = sorted(service.excluded_recordings(session, parse_at(at) if at else None))
    emit(ids, as_json, lambda ids: console.print("\n".join(ids) or "none", highlight=False))


@app.command()
def index(ctx: typer.Context,
          rebuild: bool = typer.Option(False, "--rebuild",
                                       help="build the index anew from the catalogue's audio "
                                            "and every earlier audio upload (after an upgrade "
                                            "changed its format), then replace the old one"),
          as_json: bool = JSON) -> None:
    """Add the catalogue's recordings to the fingerprint index (skips those already in it)."""
    from rich.progress import BarColumn, MofNCompleteColumn

    from accord.trust import service

    with Progress(TextColumn("rebuilding" if rebuild else "fingerprinting"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                  transient=as_json) as bar:
        task = bar.add_task("index", total=None)
        with registry(ctx) as session:
            d = service.index_catalogue(session, settings(ctx),
                                        lambda n, total: bar.update(task, completed=n,
                                                                    total=total),
                                        rebuild=rebuild)
    emit(d, as_json, lambda d: console.print(
        f"{'rebuilt: ' if d['rebuilt'] else ''}added {d['added']}, skipped {d['skipped']}; "
        f"{d['indexed']} tracks indexed"))


@app.command()
def voice(ctx: typer.Context, party: str = typer.Argument(..., help="performing artist id"),
          file: Path = typer.Argument(..., help="a recording of the artist's voice"),
          demo: bool = typer.Option(False, "--demo", help="label it demo data"),
          as_json: bool = JSON) -> None:
    """Register a reference voice for an artist (its embedding is stored, not the audio)."""
    from accord.trust import service

    with _spinner("embedding the voice"), registry(ctx) as session:
        d = service.register_voice(session, party, file, audit_log(session), demo)
    emit(d, as_json, lambda d: console.print(f"voice {d['id']} registered for {d['party']}"))


@app.command()
def rules(ctx: typer.Context, as_json: bool = JSON) -> None:
    """The registered screening rules with their default thresholds."""
    from accord.trust import service

    rows = service.rules()

    def render(rows):
        t = Table("rule", "family", "checks", "defaults")
        for r in rows:
            t.add_row(r["name"], r["family"], r["doc"],
                      ", ".join(f"{k}={v}" for k, v in r["defaults"].items()
                                if not isinstance(v, (list, tuple))))
        console.print(t)
    emit(rows, as_json, render)
