"""`accord credits OUTPUT_ID` and `accord attribution ...`: thin adapters over the attribution
services."""

from __future__ import annotations

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from accord.cli.common import console, emit, err_console, registry, settings

app = typer.Typer(help="Attribution: indexes per model version, samples, credits.",
                  no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
METHOD = typer.Option(None, "--method", help="symbolic or trak (default: ACCORD_ATTRIBUTION_METHOD,"
                      " else symbolic)")


def _spinner(text: str) -> Progress:
    bar = Progress(SpinnerColumn(), TextColumn(text), TimeElapsedColumn(), console=err_console,
                   transient=True)
    bar.add_task(text, total=None)
    return bar


def credits(ctx: typer.Context, output_id: str = typer.Argument(..., help="the output's id"),
            method: str | None = METHOD, as_json: bool = JSON) -> None:
    """The credits of an output: works, artists, rights holders, shares and evidence."""
    from accord.attribution import service

    s = settings(ctx)
    name = service.method_name(s, method)
    with registry(ctx) as session, _spinner(f"attributing {output_id} ({name})"):
        result = service.credit_output(session, s, output_id, method)
    result["provenance"] = service.provenance_summary(result)
    emit(result, as_json, _render)


def _render(d: dict) -> None:
    m = d["method"]
    console.print(f"[bold]Credits of {d['output_id']}[/] (model {d['model_id']}, "
                  f"{d['model_status']}; method {m['name']} v{m['version']}; "
                  f"{'stored' if d.get('stored') else 'not stored'})")
    t = Table(show_lines=True)
    for col in ("share", "role", "work", "artists", "rights holders", "evidence"):
        t.add_column(col, overflow="fold")
    for c in d["credits"]:
        t.add_row(c["share"], c["role"], f"{c['title']}\n{c['item_id']}",
                  ", ".join(a["name"] for a in c["artists"]),
                  ", ".join(f"{h['name']} ({h['role']})" for h in c["rights_holders"]),
                  c["evidence_summary"])
    console.print(t)
    console.print(f"total {d['total_share']}; credits digest "
                  f"{d['provenance']['credits_sha256'][:16]}...")
    if d.get("note"):
        console.print(f"[yellow]{d['note']}[/]")


@app.command("index")
def index(ctx: typer.Context, model: str = typer.Option(..., "--model", help="model id"),
          method: str | None = typer.Option(None, "--method",
                                            help="symbolic or trak (default: both)"),
          force: bool = typer.Option(False, "--force", help="rebuild even when stored"),
          as_json: bool = JSON) -> None:
    """Build a model version's attribution indexes (stored in the model's directory)."""
    from accord.attribution import service

    s = settings(ctx)
    names = [service.method_name(s, method)] if method else list(service.METHODS)
    out = []
    with registry(ctx) as session:
        for name in names:
            with _spinner(f"indexing {model} for {name}"):
                out.append(service.build_index(session, s, model, name, force=force))
    emit(out, as_json, lambda rows: [console.print(
        f"{r['method']} v{r['version']} index of {r['model']}: {r['items']} works, "
        f"{r['seconds']} s{'' if r['created'] else ' (already built)'}\n  {r['path']}")
        for r in rows])


@app.command("sample")
def sample(ctx: typer.Context, model: str = typer.Option(..., "--model", help="model id"),
           seed: int = typer.Option(0), tokens: int = typer.Option(160, help="new tokens"),
           artist: str | None = typer.Option(None, help="conditioning artist (party id)"),
           source_work: str | None = typer.Option(None, help="the work a derivative is of"),
           quote: str | None = typer.Option(None, help="WORK:FIRST:COUNT - paste melody notes "
                                            "FIRST..FIRST+COUNT-1 of a training work in"),
           as_json: bool = JSON) -> None:
    """Generate an attribution sample (until creation's outputs are wired in)."""
    from accord.attribution.samples import make_sample
    from accord.errors import InvalidInput

    q = None
    if quote:
        try:
            work, first, count = quote.rsplit(":", 2)
            q = (work, int(first), int(count))
        except ValueError:
            raise InvalidInput(f"--quote {quote!r}: expected WORK:FIRST:COUNT") from None
    with registry(ctx) as session:
        result = make_sample(session, settings(ctx), model, seed, tokens,
                             conditioning_party=artist, source_work=source_work, quote=q)
    emit(result, as_json, lambda d: console.print(
        f"sample [bold]{d['output_id']}[/] ({d['tokens']} tokens); credits: accord credits "
        f"{d['output_id']}"))
