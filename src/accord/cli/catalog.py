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
def show(ctx: typer.Context, ref: str = typer.Argument(..., help="item id, work id or hash"),
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
        files: list[Path] = typer.Argument(..., help="DDEX ERN 4.x messages (XML), applied in "
                                           "the order given"),
        max_mb: float = typer.Option(50.0, "--max-mb", min=0.001,
                                     help="refuse files larger than this many megabytes"),
        as_json: bool = JSON) -> None:
    """Import DDEX ERN 4.x NewReleaseMessages (updates, takedowns) and PurgedReleaseMessages.

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
