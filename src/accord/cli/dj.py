"""`accord dj ...`: listening events, the taste model, listener settings, sets."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from accord.cli.common import console, emit, err_console, parse_at, registry, settings
from accord.dj import listener, listens, service, synth, taste
from accord.errors import InvalidInput

app = typer.Typer(help="AI DJ: listening events, taste model, sets of licensed recordings.",
                  no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command()
def ingest(ctx: typer.Context, file: Path = typer.Argument(..., help="JSON Lines events"),
           as_json: bool = JSON) -> None:
    """Append listening events (play, skip, like, full) from a JSON Lines file."""
    r = listens.ingest_file(settings(ctx), file).to_json()
    emit(r, as_json, lambda d: console.print(f"accepted {d['accepted']}; "
                                             f"{d['duplicates']} duplicates"))


@app.command()
def synthesize(ctx: typer.Context, out: Path = typer.Option(..., help="JSON Lines file"),
               listeners: int = typer.Option(100), recordings: str = typer.Option(
                   ..., help="comma-separated recording ids the log plays"),
               seed: int = typer.Option(1), as_json: bool = JSON) -> None:
    """Write a SYNTHETIC listening log (taste clusters, power-law popularity, sessions,
    skips) for the given recordings: for demos and benchmarks only."""
    from datetime import UTC, datetime

    from accord.atomic import write_text

    ids = [r.strip() for r in recordings.split(",") if r.strip()]
    if not ids or not 1 <= listeners <= 1_000_000:
        raise InvalidInput("give at least one recording and 1-1,000,000 listeners")
    cat = synth.catalogue(len(ids), n_clusters=max(1, min(40, len(ids) // 3)), seed=seed)
    log = synth.listening(cat, listeners, seed=seed + 1)
    recs = synth.to_records(log, [f"synthetic-listener-{i}" for i in range(listeners)], ids,
                            datetime(2026, 1, 1, tzinfo=UTC))
    import json

    write_text(out, "".join(json.dumps(r) + "\n" for r in recs))
    emit({"events": len(recs), "file": str(out), "synthetic": True}, as_json,
         lambda d: console.print(f"wrote {d['events']} synthetic events to {d['file']}"))


@app.command()
def train(ctx: typer.Context,
          engine: str = typer.Option("implicit", help="implicit (one machine) or spark"),
          factors: int = typer.Option(64), iterations: int = typer.Option(12),
          as_json: bool = JSON) -> None:
    """Fit the taste model (ALS) on every listening event in the home."""
    if engine not in taste.ENGINES:
        raise InvalidInput(f"unknown engine {engine!r}; use implicit or spark")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console,
                  transient=True) as bar:
        bar.add_task(f"fitting ALS on {engine}", total=None)
        r = service.train_model(settings(ctx), engine,
                                taste.Params(factors=factors, iterations=iterations))
    emit(r, as_json, lambda d: console.print(
        f"taste model ({d['engine']}): {d['listeners']} listeners x {d['recordings']} "
        f"recordings from {d['events']} events in {d['seconds']} s"))


@app.command("settings")
def listener_settings(ctx: typer.Context, listener_id: str = typer.Option(..., "--listener"),
                      allow_ai: bool | None = typer.Option(
                          None, "--allow-ai/--no-ai",
                          help="allow AI-generated music in sets (default: no)"),
                      as_json: bool = JSON) -> None:
    """Show or change a listener's 'no AI-generated music' setting (on by default)."""
    with registry(ctx) as session:
        if allow_ai is not None:
            listener.set_no_ai(session, listener_id, not allow_ai)
        d = {"listener": listener_id, "no_ai": listener.no_ai(session, listener_id)}
    emit(d, as_json, lambda d: console.print(
        f"{d['listener']}: AI-generated music {'filtered out' if d['no_ai'] else 'allowed'}"))


@app.command("set")
def make_set(ctx: typer.Context, listener_id: str = typer.Option(..., "--listener"),
             minutes: int = typer.Option(20, help="length of the set"),
             out: Path = typer.Option(..., help="output file (FLAC; .mp3, .cue, .json beside)"),
             request: str = typer.Option("", help='e.g. "something calm, no Bach today"'),
             freshness: float = typer.Option(0.3, help="0 familiar .. 1 new"),
             at: str | None = typer.Option(None, help="play time (default now)"),
             as_json: bool = JSON) -> None:
    """Build a set: licensed recordings for the listener, in order, with commentary."""
    s = settings(ctx)
    when = parse_at(at) if at else None
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console,
                  transient=True) as bar:
        bar.add_task("building the set (candidates, order, voice, mix)", total=None)
        with registry(ctx) as session:
            d = service.build_set(session, s, listener_id, minutes, out, when, request,
                                  freshness)

    def render(d):
        t = Table("#", "title", "key", "BPM", "charged s", "why this track")
        for x in d["tracks"]:
            t.add_row(str(x["position"]), x["title"], x["camelot"] or "?",
                      f"{x['tempo_bpm']:.0f}", f"{x['charged_ms'] / 1000:.1f}", x["why"])
        console.print(t)
        console.print(f"set {d['set_id']}: {d['duration_s']:.0f} s, {d['loudness_lufs']} LUFS; "
                      f"{d['files']['flac']} (+ .mp3 .cue .json)")
        if d["not_understood"]:
            console.print(f"not understood: {d['not_understood']}")
    emit(d, as_json, render)
