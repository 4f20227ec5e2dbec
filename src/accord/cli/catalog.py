"""`accord catalog ...`: thin adapter over accord.catalog."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accord.catalog import service
from accord.catalog.importer import ImportReport, import_corpus, import_paths
from accord.cli.common import console, emit, err_console, registry, settings

app = typer.Typer(help="The catalogue: symbolic pieces, the bundled demo corpus.",
                  no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@contextmanager
def _progress(as_json: bool) -> Iterator:
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err_console, transient=as_json)
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        yield update


def _render_report(d: dict) -> None:
    console.print(f"imported {d['imported']}, skipped {d['duplicates_skipped']} duplicate(s), "
                  f"rejected {len(d['rejected'])} ({d['pieces']} pieces in {d['files']} files; "
                  f"{d['parsed']} parsed, {d['from_cache']} from cache; {d['seconds']} s, "
                  f"{d['workers']} workers)")
    for r in d["rejected"]:
        console.print(f"  [red]rejected[/] {r['source']}: {r['problem']}", highlight=False)


def _finish(ctx: typer.Context, report: ImportReport, as_json: bool) -> None:
    with registry(ctx):  # refreshes the audit head kept outside the database
        pass
    emit(report.to_json(), as_json, _render_report)
    if report.rejected and report.imported == 0 and report.duplicates == 0:
        raise typer.Exit(2)


@app.command("import-corpus")
def import_corpus_cmd(
        ctx: typer.Context,
        collections: list[str] | None = typer.Option(
            None, "--collections", "-c", help="corpus collections (directory names); "
            "repeat or separate with commas; default all"),
        limit: int | None = typer.Option(None, "--limit", min=1,
                                         help="at most N pieces per collection"),
        workers: int | None = typer.Option(None, "--workers", min=1,
                                           help="parser processes (default: all cores)"),
        as_json: bool = JSON) -> None:
    """Import the public-domain corpus bundled with music21 (split, deduplicated)."""
    with registry(ctx):
        pass
    chosen = [c.strip() for item in collections or [] for c in item.split(",") if c.strip()]
    with _progress(as_json) as update:
        report = import_corpus(settings(ctx), chosen or None, limit=limit, workers=workers,
                               progress=update)
    _finish(ctx, report, as_json)


@app.command("import")
def import_files_cmd(
        ctx: typer.Context,
        files: list[Path] = typer.Argument(..., help="MIDI, MusicXML, ABC or Humdrum files"),
        collection: str = typer.Option("uploads", help="collection name for these files"),
        as_json: bool = JSON) -> None:
    """Import symbolic files; a file that cannot be parsed is rejected, naming the problem."""
    with registry(ctx):
        pass
    report = import_paths(settings(ctx), files, collection=collection)
    _finish(ctx, report, as_json)


@app.command("list")
def list_cmd(ctx: typer.Context,
             collection: str | None = typer.Option(None, help="only this collection"),
             limit: int = typer.Option(50, min=1), offset: int = typer.Option(0, min=0),
             as_json: bool = JSON) -> None:
    """List catalogue items."""
    with registry(ctx) as session:
        data = service.list_items(session, collection, limit, offset)

    def render(d):
        t = Table(title=f"{d['total']} catalogue item(s)")
        for col in ("id", "title", "collection", "licence", "key", "notes", "seconds"):
            t.add_column(col, overflow="fold")
        for i in d["items"]:
            t.add_row(i["id"], i["title"], i["collection"], i["licence"], i["key"],
                      str(i["note_count"]), f"{i['duration_s']:.1f}")
        console.print(t)
    emit(data, as_json, render)


@app.command()
def show(ctx: typer.Context,
         ref: str = typer.Argument(..., help="item id, work id, hash or a recording's ISRC"),
         as_json: bool = JSON) -> None:
    """Show one catalogue item."""
    with registry(ctx) as session:
        data = service.show_item(session, ref)

    def render(d):
        for k, v in d.items():
            console.print(f"[bold]{k}[/]: {v}", highlight=False)
    emit(data, as_json, render)


@app.command()
def render(ctx: typer.Context,
           refs: list[str] = typer.Argument(..., help="item ids, work ids or content hashes"),
           as_json: bool = JSON) -> None:
    """Render works to audio (FluidSynth, General MIDI) as demo recordings with demo ISRCs."""
    from accord.catalog.importer import DEMO_START
    from accord.cli.common import audit_log

    with registry(ctx) as session:
        data = service.render_items(session, settings(ctx), refs, audit_log(session),
                                    DEMO_START)

    def show_rendered(d):
        for r in d:
            console.print(f"{r['item']} -> {r['recording']} (ISRC {r['isrc']}, demo): "
                          f"{r['duration_s']:.1f} s, {r['loudness_lufs']} LUFS, {r['path']}",
                          highlight=False)
    emit(data, as_json, show_rendered)


@app.command("import-audio")
def import_audio(ctx: typer.Context,
                 file: Path = typer.Argument(..., help="WAV, FLAC, OGG or MP3"),
                 as_json: bool = JSON) -> None:
    """Probe and store an audio file: duration, rate, loudness, Chromaprint, content hash."""
    with registry(ctx) as session:
        data = service.ingest_audio(session, file)

    def show_audio(d):
        console.print(f"{d['id']}{' (already stored)' if d['duplicate'] else ''}: "
                      f"{d['duration_s']} s, {d['sample_rate']} Hz, {d['channels']} ch, "
                      f"{d['loudness_lufs']} LUFS", highlight=False)
    emit(data, as_json, show_audio)


def _render_ddex(d: dict) -> None:
    console.print(f"imported {d['imported']}, skipped {d['duplicates_skipped']} duplicate "
                  f"message(s), rejected {len(d['rejected'])} ({d['seconds']} s)")
    for m in d["messages"]:
        if m["status"] == "imported":
            extra = (f"; taken down: {', '.join(m['taken_down'])}" if m.get("taken_down")
                     else "")
            console.print(f"  [green]imported[/] {m['file']}: {m['message_id']} ({m['kind']}; "
                          f"releases {', '.join(m['releases'])}; "
                          f"{len(m.get('recordings', []))} recording(s), "
                          f"{len(m.get('works', []))} work(s)){extra}", highlight=False)
            for lab in m.get("labels", []):
                mrc = ", master rights controller" if lab["master_rights_controller"] else ""
                console.print(f"    label {lab['name']} ({lab['party']}{mrc})", highlight=False)
            for note in m.get("notes", []):
                console.print(f"    note: {note}", highlight=False)
            for dsp in m.get("disputes", []):
                console.print(f"    [yellow]dispute[/] {dsp}: another sender's claim is in "
                              "force; see `accord catalog disputes`", highlight=False)
        elif m["status"] == "duplicate":
            console.print(f"  [yellow]skipped[/] {m['file']}: {m['message_id']} was imported "
                          "before", highlight=False)
    for r in d["rejected"]:
        console.print(f"  [red]rejected[/] {r['file']}:", highlight=False)
        for p in r["problems"]:
            console.print(f"    - {p}", highlight=False, soft_wrap=True)


@app.command("import-ddex")
def import_ddex_cmd(
        ctx: typer.Context,
        files: list[Path] = typer.Argument(..., help="DDEX ERN 4.x or 3.8.x messages (XML), "
                                           "applied in the order given"),
        max_mb: float = typer.Option(50.0, "--max-mb", min=0.001,
                                     help="refuse files larger than this many megabytes"),
        as_json: bool = JSON) -> None:
    """Import DDEX ERN 4.x and 3.8.x NewReleaseMessages (updates, takedowns) and purges.

    Each message is one transaction; a rejected one writes nothing; a MessageId seen before is
    skipped. Exits 2 when any message was rejected."""
    from accord.catalog.ddex_import import import_files
    from accord.catalog.ddex_xml import MB, XmlLimits

    with registry(ctx):
        pass
    report = import_files(settings(ctx), files, XmlLimits(max_bytes=int(max_mb * MB)))
    with registry(ctx):  # refreshes the audit head kept outside the database
        pass
    data = report.to_json()
    emit(data, as_json, _render_ddex)
    if data["rejected"]:
        if not as_json:
            err_console.print(f"[red]error:[/] {len(data['rejected'])} message(s) rejected "
                              f"({', '.join(r['file'] for r in data['rejected'])}); nothing of "
                              "them was written", highlight=False)
        raise typer.Exit(2)


@app.command("releases")
def releases_cmd(ctx: typer.Context,
                 sender: str | None = typer.Option(None, "--sender",
                                                   help="only this MessageSender DPID"),
                 limit: int = typer.Option(200, min=1), offset: int = typer.Option(0, min=0),
                 as_json: bool = JSON) -> None:
    """List the releases DDEX deliveries brought (newest first)."""
    from accord.catalog import ddex_browse

    with registry(ctx) as session:
        data = ddex_browse.list_releases(session, sender, limit, offset)

    def render(d):
        t = Table(title=f"{d['total']} DDEX release(s)")
        for col in ("id", "title", "type", "label", "sender", "tracks", "resources", "down"):
            t.add_column(col, overflow="fold")
        for r in d["releases"]:
            title = r["title"] + (f" ({r['subtitle']})" if r["subtitle"] else "")
            t.add_row(r["id"], title, r["release_type"] or "", ", ".join(r["labels"]),
                      r["sender"], str(r["tracks"]), str(r["resources"]),
                      "yes" if r["taken_down"] else "")
        console.print(t)
    emit(data, as_json, render)


@app.command("release")
def release_cmd(ctx: typer.Context,
                ref: str = typer.Argument(..., help="release id, ICPN or GRid"),
                as_json: bool = JSON) -> None:
    """One DDEX release: tracks, resources, deals, label, takedown state, disputes."""
    from accord.catalog import ddex_browse

    with registry(ctx) as session:
        data = ddex_browse.release(session, ref)

    def render(d):
        sub = f" ({d['subtitle']})" if d["subtitle"] else ""
        console.print(f"[bold]{d['title']}{sub}[/] [{d['release_type'] or '?'}] {d['id']} "
                      f"from {d['sender']} (message {d['message_id']})", highlight=False)
        if d["display_title"]:
            console.print(f"  display title: {d['display_title']}", highlight=False)
        for lab in d["labels"]:
            mrc = " (master rights controller)" if lab["master_rights_controller"] else ""
            console.print(f"  label: {lab['name']} [{lab['party']}]{mrc}", highlight=False)
        console.print("  taken down: " + (f"yes, {d['taken_down_at']} by {d['taken_down_by']}"
                                          if d["taken_down"] else "no"), highlight=False)
        for i, tr in enumerate(d["tracks"], 1):
            ident = tr.get("isrc") or tr.get("proprietary_id") or ""
            sub = f" ({tr['subtitle']})" if tr.get("subtitle") else ""
            flag = " [withdrawn]" if tr.get("withdrawn") else ""
            console.print(f"  {i}. {tr.get('title') or tr['recording']}{sub} {ident} "
                          f"{tr['recording']}{flag}", highlight=False)
        for r in d["resources"]:
            console.print(f"  resource {r['ref']}: {r['kind']} {r['type'] or ''} "
                          f"{r['title'] or ''}", highlight=False)
        for deal in d["deals"]:
            console.print(f"  deal: {', '.join(deal['territories'])}; "
                          f"{', '.join(deal['commercial_models'] + deal['use_types'])}; "
                          f"from {deal['start'] or '?'} to {deal['end'] or 'open'}"
                          f"{' (ended)' if deal.get('ended') or deal.get('takedown') else ''}",
                          highlight=False)
        for x in d["disputes"]:
            console.print(f"  dispute {x['id']} ({x['status']}): {x['claimant_sender']} "
                          f"differs on {', '.join(x['fields'])}", highlight=False)
    emit(data, as_json, render)


disputes_app = typer.Typer(help="Conflicting DDEX claims between senders (admins resolve).",
                           invoke_without_command=True)
app.add_typer(disputes_app, name="disputes")


def _render_disputes(d):
    if not d:
        console.print("no disputes")
    for x in d:
        console.print(f"{x['id']} [{x['status']}] {x['kind']} {x['entity_id']} ({x['key']}): "
                      f"{x['claimant']['sender']} (message {x['claimant']['message_id']}) "
                      f"differs from {x['earlier']['sender']} (message "
                      f"{x['earlier']['message_id']}, in force) on {', '.join(x['fields'])}",
                      highlight=False)


@disputes_app.callback()
def disputes_cmd(ctx: typer.Context,
                 status: str = typer.Option("open", help="open, kept, accepted or all"),
                 as_json: bool = JSON) -> None:
    """List disputes (open by default): both claims, their messages, the fields that differ."""
    if ctx.invoked_subcommand is not None:
        return
    from accord.catalog import ddex_disputes

    with registry(ctx) as session:
        data = ddex_disputes.list_disputes(session, None if status == "all" else status)
    emit(data, as_json, _render_disputes)


@disputes_app.command("resolve")
def resolve_cmd(ctx: typer.Context,
                dispute: str = typer.Argument(..., help="dispute id"),
                resolution: str = typer.Argument(..., help="keep (the claim in force) or "
                                                 "accept (the new claim)"),
                note: str = typer.Option("", "--note", help="why (kept in the audit chain)"),
                actor: str = typer.Option("admin", "--actor", help="who resolves"),
                as_json: bool = JSON) -> None:
    """Resolve a dispute: keep the earlier claim, or accept the new one (applied through the
    rights service, audited)."""
    from accord.catalog import ddex_disputes
    from accord.cli.common import audit_log

    with registry(ctx) as session:
        data = ddex_disputes.resolve(session, dispute, resolution,
                                     audit_log(session, f"cli:{actor}"), note)
    with registry(ctx):  # refreshes the audit head kept outside the database
        pass
    emit(data, as_json, lambda d: _render_disputes([d]))
