"""`accord create ...`, `accord verify FILE` and `accord outputs ...`: thin adapters over the
creation services."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accord.cli.common import console, emit, err_console, parse_purpose, registry, settings
from accord.db.engine import make_engine
from accord.errors import Problem, Refused
from accord.workflows import release

create_app = typer.Typer(help="Generate music with a licensed model (signed, guarded).",
                         no_args_is_help=True)
outputs_app = typer.Typer(help="Generated outputs and memorization-guard events.",
                          no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
MODEL = typer.Option(..., "--model", help="model id (accord model list)")
BARS = typer.Option(None, "--bars", help="length in bars (default 8)")
SECONDS = typer.Option(None, "--seconds", help="or length in seconds")
TEMPO = typer.Option(120.0, "--tempo", help="beats per minute")
KEY = typer.Option(None, "--key", help="e.g. 'D minor': transpose the output into this key")
TEMPERATURE = typer.Option(1.0, "--temperature", help="sampling temperature")
TOP_P = typer.Option(0.95, "--top-p", help="nucleus sampling mass")
SEED = typer.Option(0, "--seed", help="same seed and inputs give byte-identical MIDI")
COUNT = typer.Option(1, "--count", help="outputs in one batch (seeds seed, seed+1, ...)")
FORMATS = typer.Option("wav,flac,mp3", "--format", help="audio formats, comma-separated")
PURPOSE = typer.Option("non_commercial", "--purpose", help="commercial or non_commercial")
PRIME = typer.Option(2, "--prime-bars", help="bars of the source that prime the output")
METER = typer.Option(None, "--meter", help="time signature, e.g. 6/8 (default: the model's)")
FORM = typer.Option(None, "--form", help="e.g. AABB, ABAC, AA'BB' (bars split evenly)")
ARRANGEMENT = typer.Option("auto", "--arrangement",
                           help="auto, none, irish, folk, chorale or piano")


def _request(kind: str, model: str, bars, seconds, tempo, key, temperature, top_p, seed,
             count, formats, purpose, prime_bars=2, meter=None, form=None, arrangement="auto",
             **extra):
    from accord.creation.request import CreationRequest, Params

    if bars is None and seconds is None:
        bars = 8
    return CreationRequest(
        model_id=model, kind=kind,
        params=Params(bars=bars, seconds=seconds, tempo=tempo, key=key,
                      temperature=temperature, top_p=top_p, seed=seed, prime_bars=prime_bars,
                      meter=meter, form=form, arrangement=arrangement),
        purpose=parse_purpose(purpose), count=count,
        formats=tuple(f.strip().lower() for f in formats.split(",") if f.strip()), **extra)


def _create(ctx: typer.Context, request, as_json: bool) -> None:
    from accord.creation import service

    bar = Progress(TextColumn("[bold]create[/] {task.description}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                   console=err_console, transient=True)
    with bar:
        task = bar.add_task("loading model and guard index", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        with registry(ctx) as session:
            result = service.create(session, settings(ctx), request, progress=progress)
        # every released output is credited (its credentials say so) and recorded for royalties
        done = release.release(make_engine(settings(ctx).db_url), settings(ctx),
                               [o.id for o in result.outputs], progress)
        if done.outputs:
            result.outputs = done.outputs
    credits = done.credits
    data = result.to_json()
    if result.outputs:
        data["credits"] = credits
        data["royalty_events"] = done.royalty_events.to_json()

    def render(d: dict) -> None:
        for o in result.outputs:
            note = " (already made: same request and seed)" if o.id in result.existing else ""
            who = (f"; style of {o.conditioning_name} ({o.conditioning_party})"
                   if o.conditioning_party else "")
            src = f"; derived from {o.source_title} ({o.source_work})" if o.source_work else ""
            console.print(f"[bold]{o.id}[/] {o.kind}, seed {o.seed}, "
                          f"{o.parameters['shaped']['bars']} bars, "
                          f"{o.parameters['shaped']['duration_s']:.1f} s, key "
                          f"{o.parameters['shaped']['key']}{who}{src}{note}")
            console.print(f"  guard: max coverage {o.guard['max_coverage']:.0%} of one training "
                          f"work (limit {o.guard['threshold']:.0%}), attempts {o.attempts}")
            for role, f in o.files.items():
                extra = f" ({f['loudness_lufs']} LUFS)" if f.get("loudness_lufs") else ""
                console.print(f"  {role}: {f['path']}{extra}")
            top = ", ".join(f"{c['work']} {c['share']}" for c in credits[o.id]["credits"][:3])
            console.print(f"  credits ({credits[o.id]['attribution_method']}): {top}"
                          f"{', ...' if len(credits[o.id]['credits']) > 3 else ''}"
                          f"  (accord credits {o.id})")
        if result.outputs:
            acc = d["royalty_events"]["accepted"]
            console.print(f"royalty event log: {acc.get('usage', 0)} usage and "
                          f"{acc.get('credits', 0)} credit events recorded, "
                          f"{d['royalty_events']['duplicates']} already there")
            for r in result.refused:
                err_console.print(f"[red]refused[/] seed {r['seed']}: {r['reason']}")
    emit(data, as_json, render)
    if result.refused and not result.outputs:  # after the commit: the guard events stay logged
        raise Refused("no output was released:",
                      [Problem(f"seed {r['seed']}", r["reason"]) for r in result.refused])


@create_app.command("new")
def create_new(ctx: typer.Context, model: str = MODEL, bars: int | None = BARS,
               seconds: float | None = SECONDS, tempo: float = TEMPO, key: str | None = KEY,
               temperature: float = TEMPERATURE, top_p: float = TOP_P, seed: int = SEED,
               count: int = COUNT, fmt: str = FORMATS, purpose: str = PURPOSE,
               meter: str | None = METER, form: str | None = FORM,
               arrangement: str = ARRANGEMENT, as_json: bool = JSON) -> None:
    """A new piece."""
    _create(ctx, _request("new", model, bars, seconds, tempo, key, temperature, top_p, seed,
                          count, fmt, purpose, meter=meter, form=form,
                          arrangement=arrangement), as_json)


@create_app.command("style")
def create_style(ctx: typer.Context, artist: str = typer.Option(..., "--artist",
                                                                help="party id of the artist "
                                                                     "or writer"),
                 model: str = MODEL, bars: int | None = BARS, seconds: float | None = SECONDS,
                 tempo: float = TEMPO, key: str | None = KEY, temperature: float = TEMPERATURE,
                 top_p: float = TOP_P, seed: int = SEED, count: int = COUNT,
                 fmt: str = FORMATS, purpose: str = PURPOSE, meter: str | None = METER,
                 form: str | None = FORM, arrangement: str = ARRANGEMENT,
                 as_json: bool = JSON) -> None:
    """A piece in the style of an artist or writer who opted in to `style` (checked now)."""
    _create(ctx, _request("style", model, bars, seconds, tempo, key, temperature, top_p, seed,
                          count, fmt, purpose, artist=artist, meter=meter, form=form,
                          arrangement=arrangement), as_json)


@create_app.command("continue")
def create_continue(ctx: typer.Context, midi: Path = typer.Argument(..., help="your MIDI file"),
                    model: str = MODEL, bars: int | None = BARS,
                    seconds: float | None = SECONDS, tempo: float = TEMPO,
                    key: str | None = KEY, temperature: float = TEMPERATURE,
                    top_p: float = TOP_P, seed: int = SEED, count: int = COUNT,
                    fmt: str = FORMATS, purpose: str = PURPOSE, as_json: bool = JSON) -> None:
    """Continue your own MIDI by N more bars (the output holds yours and the continuation)."""
    _create(ctx, _request("continue", model, bars, seconds, tempo, key, temperature, top_p,
                          seed, count, fmt, purpose, input_midi=midi), as_json)


@create_app.command("variation")
def create_variation(ctx: typer.Context, midi: Path = typer.Argument(..., help="your MIDI"),
                     model: str = MODEL, bars: int | None = BARS,
                     seconds: float | None = SECONDS, tempo: float = TEMPO,
                     key: str | None = KEY, temperature: float = TEMPERATURE,
                     top_p: float = TOP_P, seed: int = SEED, count: int = COUNT,
                     fmt: str = FORMATS, purpose: str = PURPOSE, prime_bars: int = PRIME,
                     as_json: bool = JSON) -> None:
    """A variation of your own MIDI: its opening bars, then new material."""
    _create(ctx, _request("variation", model, bars, seconds, tempo, key, temperature, top_p,
                          seed, count, fmt, purpose, prime_bars, input_midi=midi), as_json)


@create_app.command("derivative")
def create_derivative(ctx: typer.Context,
                      work: str | None = typer.Option(None, "--work",
                                                      help="catalogue work id or ISWC"),
                      recording: str | None = typer.Option(None, "--recording",
                                                           help="or recording id / ISRC"),
                      model: str = MODEL, bars: int | None = BARS,
                      seconds: float | None = SECONDS, tempo: float = TEMPO,
                      key: str | None = KEY, temperature: float = TEMPERATURE,
                      top_p: float = TOP_P, seed: int = SEED, count: int = COUNT,
                      fmt: str = FORMATS, purpose: str = PURPOSE, prime_bars: int = PRIME,
                      as_json: bool = JSON) -> None:
    """A derivative of a catalogue work (needs `remix` permission; the source is credited)."""
    _create(ctx, _request("derivative", model, bars, seconds, tempo, key, temperature, top_p,
                          seed, count, fmt, purpose, prime_bars, source_work=work,
                          source_recording=recording), as_json)


def verify(ctx: typer.Context, file: Path = typer.Argument(..., help="an output file"),
           as_json: bool = JSON) -> None:
    """Check an output's credential: signature, trust chain, content hash; print its facts."""
    from accord.creation import service

    v = service.verify(settings(ctx), file)

    def render(d: dict) -> None:
        f = d["facts"] or {}
        console.print(f"{d['file']}: {d['kind']} credential "
                      + ("[green]verifies[/]" if d["ok"] else "[red]does NOT verify[/]"))
        console.print(f"  signature {'valid' if d['signature_valid'] else 'INVALID'}; chain "
                      f"{'trusted' if d['trusted'] else 'NOT trusted'}; content "
                      f"{'unchanged' if d['content_matches'] else 'CHANGED or unchecked'}; "
                      f"signer {d['signer'].get('subject')}")
        if f:
            cond = f.get("conditioning", {})
            console.print(f"  output {f.get('output_id')} ({f.get('kind')}), "
                          f"{f.get('digital_source_type', '').rsplit('/', 1)[-1]}; model "
                          f"{f.get('model', {}).get('id')}; snapshot Merkle root "
                          f"{f.get('dataset', {}).get('merkle_root')}")
            console.print(f"  conditioning artist {cond.get('artist')}; source work "
                          f"{cond.get('source_work')}; credits {f.get('credits')}; purpose "
                          f"{f.get('purpose')}")
            console.print(f"  training and mining: "
                          f"{f.get('training_mining', {}).get('use')}")
    emit(v.to_json(), as_json, render)
    if not v.ok:
        err_console.print(f"[bold red]error:[/] {file} does NOT verify: "
                          + "; ".join(v.problems or ["unknown reason"]), highlight=False,
                          soft_wrap=True)
        raise typer.Exit(1)


@outputs_app.command("list")
def outputs_list(ctx: typer.Context, model: str | None = typer.Option(None, "--model"),
                 kind: str | None = typer.Option(None, "--kind"), as_json: bool = JSON) -> None:
    """Every stored output (oldest first)."""
    from accord.creation import service

    with registry(ctx) as session:
        rows = [o.summary() for o in service.list_outputs(session, model, kind)]

    def render(rs):
        t = Table()
        for c in ("id", "kind", "model", "seed", "conditioning_party", "source_work",
                  "max_coverage", "created_at"):
            t.add_column(c, overflow="fold")
        for r in rs:
            t.add_row(*(str(r.get(c)) for c in ("id", "kind", "model", "seed",
                                                "conditioning_party", "source_work",
                                                "max_coverage", "created_at")))
        console.print(t)
    emit(rows, as_json, render)


@outputs_app.command("show")
def outputs_show(ctx: typer.Context, output_id: str = typer.Argument(...),
                 as_json: bool = JSON) -> None:
    """One output record in full (token ids included)."""
    from accord.creation import service

    with registry(ctx) as session:
        data = service.get_output(session, output_id).to_json()
    emit(data, as_json, lambda d: console.print_json(data=d))


@outputs_app.command("guard-events")
def outputs_guard(ctx: typer.Context, model: str | None = typer.Option(None, "--model"),
                  as_json: bool = JSON) -> None:
    """Candidates the memorization guard regenerated or refused."""
    from accord.creation import service

    with registry(ctx) as session:
        rows = service.guard_events(session, model)

    def render(rs):
        if not rs:
            console.print("no guard events")
        for r in rs:
            console.print(f"{r['at']} {r['output_id']} attempt {r['attempt']}: {r['action']} "
                          f"({r['detail']})")
    emit(rows, as_json, render)



