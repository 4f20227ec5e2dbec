"""`accord dataset ...` and `accord model ...`: thin adapters over the training services."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from accord.cli.common import (
    console,
    emit,
    err_console,
    parse_at,
    parse_purpose,
    parse_use,
    registry,
    settings,
)

dataset_app = typer.Typer(help="Licensed dataset snapshots.", no_args_is_help=True)
model_app = typer.Typer(help="Models: training, registry, cards, revocation.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@dataset_app.command("build")
def dataset_build(ctx: typer.Context, use: str = typer.Option("train", help="the AI use"),
                  at: str | None = typer.Option(None, help="ISO 8601; default now"),
                  purpose: str = typer.Option("non_commercial",
                                              help="commercial or non_commercial"),
                  as_json: bool = JSON) -> None:
    """Freeze every item permitted for the use at T into an immutable snapshot."""
    from rich.progress import Progress

    from accord.training import dataset_service

    with registry(ctx) as session, Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("checking permissions and evidence per work", total=None)
        built = dataset_service.build(
            session, settings(ctx), parse_use(use), parse_at(at), parse_purpose(purpose),
            progress=lambda done, total: bar.update(task, completed=done, total=total))
    emit(built.to_json(), as_json, lambda d: console.print(
        f"snapshot [bold]{d['id']}[/]: {d['items']} items, Merkle root {d['merkle_root']}"
        f"{'' if d['created'] else ' (already existed)'}\n  files: {d['path']}"))


@dataset_app.command("verify")
def dataset_verify(ctx: typer.Context, snapshot_id: str = typer.Argument(...),
                   as_json: bool = JSON) -> None:
    """Recompute the Merkle root from the stored files; exit 2 on any difference."""
    from accord.training import dataset_service

    with registry(ctx) as session:
        result = dataset_service.verify(session, settings(ctx), snapshot_id)
    emit(result, as_json, lambda d: console.print(
        f"snapshot {d['id']} verifies: {d['items']} items, root {d['merkle_root']}"))


@dataset_app.command("list")
def dataset_list(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every snapshot in the registry."""
    from accord.training import dataset_service

    with registry(ctx) as session:
        rows = dataset_service.list_snapshots(session)
    emit(rows, as_json, lambda rs: _table(rs, ("id", "use", "purpose", "at", "items")))


def _table(rows: list[dict], cols: tuple[str, ...]) -> None:
    t = Table()
    for c in cols:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*(str(r.get(c)) for c in cols))
    console.print(t)


@model_app.command("train")
def model_train(ctx: typer.Context,
                snapshot: str = typer.Option(..., "--snapshot", help="dataset snapshot id"),
                preset: str = typer.Option("tiny", help="tiny or standard"),
                seed: int = typer.Option(1337), max_steps: int | None = typer.Option(None),
                max_seconds: float | None = typer.Option(None),
                samples: int = typer.Option(4, help="pieces sampled for the quality gaps"),
                as_json: bool = JSON) -> None:
    """Train a model on a snapshot and register it."""
    from accord.training import service

    with registry(ctx) as session:
        result = service.train_model(session, settings(ctx), snapshot, preset, seed=seed,
                                     max_steps=max_steps, max_seconds=max_seconds,
                                     samples=samples, console=err_console if as_json
                                     else Console(stderr=True))
    emit(result, as_json, lambda d: console.print(
        f"model [bold]{d['id']}[/] ({d['preset']}, {d['purpose']}): validation "
        f"{d['val_nats_per_token']:.3f} nats/token vs 5-gram {d['ngram5_nats_per_token']:.3f}"))


@model_app.command("list")
def model_list(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every model version with its lineage and status."""
    from accord.training import service

    with registry(ctx) as session:
        rows = service.list_models(session)
    emit(rows, as_json, lambda rs: _table(rs, ("id", "status", "preset", "purpose", "snapshot",
                                               "val_nats_per_token")))


@model_app.command("card")
def model_card(ctx: typer.Context, model_id: str = typer.Argument(...),
               as_json: bool = JSON) -> None:
    """The model card: intended use, purpose, training data, metrics, limits."""
    from accord.training import service

    with registry(ctx) as session:
        data = service.card(session, model_id)

    def render(d):
        m, td = d["model"], d["training_data"]
        console.print(f"[bold]Model {m['id']}[/] ({m['status']}), preset {m['preset']}")
        console.print(f"Intended use: {d['intended_use']}; purpose: {d['purpose']}")
        console.print(f"Training data: snapshot {td['snapshot']} (root {td['merkle_root']}), "
                      f"{td['items']} items, {td['hours']} h; rights holders "
                      f"{td['rights_holders']}; excluded {td['excluded']}")
        console.print(f"Metrics: {m['val_nats_per_token']:.3f} nats/token "
                      f"(5-gram {m['ngram5_nats_per_token']:.3f}); bits/note "
                      f"{d['metrics'].get('val_bits_per_note', float('nan')):.3f}")
        console.print("Limits:\n" + "\n".join(f"  - {x}" for x in d["limits"]))
    emit(data, as_json, render)


@model_app.command("audit")
def model_audit(ctx: typer.Context, at: str | None = typer.Option(None, help="ISO 8601"),
                dry_run: bool = typer.Option(False, "--dry-run", help="report, retire nothing"),
                as_json: bool = JSON) -> None:
    """Models whose snapshot holds items no longer permitted at T (retired after the grace)."""
    from accord.training import service

    with registry(ctx) as session:
        rows = service.audit(session, parse_at(at), retire=not dry_run)

    def render(rs):
        if not rs:
            console.print("every active model's training items are still permitted")
        for r in rs:
            console.print(f"[bold]{r['model']}[/] ({r['status']}): "
                          f"{len(r['affected_items'])} item(s) no longer permitted; rights "
                          f"holders / people: {', '.join(r['rights_holders'])}")
    emit(rows, as_json, render)


@model_app.command("retrain")
def model_retrain(ctx: typer.Context, model_id: str = typer.Argument(...),
                  at: str | None = typer.Option(None, help="ISO 8601; default now"),
                  max_steps: int | None = typer.Option(None),
                  samples: int = typer.Option(4), as_json: bool = JSON) -> None:
    """A fresh snapshot and a replacement model of the same preset."""
    from accord.training import service

    with registry(ctx) as session:
        result = service.retrain(session, settings(ctx), model_id, parse_at(at),
                                 max_steps=max_steps, samples=samples,
                                 console=err_console if as_json else Console(stderr=True))
    emit(result, as_json, lambda d: console.print(
        f"model [bold]{d['model']['id']}[/] replaces {d['replaces']} "
        f"(snapshot {d['snapshot']['id']}, {d['snapshot']['items']} items)"))


@model_app.command("import-reference")
def model_import_reference(
        ctx: typer.Context,
        path: str | None = typer.Option(None, help="a reference package directory; default the "
                                        "one shipped inside accord"),
        at: str | None = typer.Option(None, help="audit time, ISO 8601; default now"),
        register_works: bool = typer.Option(False, "--register-works",
                                            help="register the works of training items this "
                                            "registry lacks, from the package (their parties, "
                                            "agreements and consents must be here)"),
        as_json: bool = JSON) -> None:
    """Register the shipped reference model: every training item's permission is checked at the
    snapshot's time and now, as for a model trained here."""
    from pathlib import Path

    from accord.training import reference

    with registry(ctx) as session:
        result = reference.import_reference(session, settings(ctx),
                                            Path(path) if path else None, parse_at(at),
                                            register_missing_works=register_works)
    emit(result, as_json, lambda d: console.print(
        f"reference model [bold]{d['model']['id']}[/] ({d['status']}, "
        f"{d['model']['purpose']}): {d['items']} training items permitted at the snapshot's "
        f"time; {d['not_permitted_now']} not permitted at {d['audited_at']}"
        + (f"; {d['works_registered']} works registered from the package"
           if d["works_registered"] else "")))


@model_app.command("reproduce")
def model_reproduce(
        ctx: typer.Context,
        path: str | None = typer.Option(None, help="a reference package directory; default the "
                                        "shipped one"),
        max_steps: int | None = typer.Option(None, help="stop early (a partial check: "
                                             "never 'within tolerance')"),
        as_json: bool = JSON) -> None:
    """Retrain the reference model from its manifest (same seed, preset, schedule, split) and
    report how close the validation loss is to the recorded one."""
    from pathlib import Path

    from accord.training import reference_package

    with registry(ctx) as session:
        result = reference_package.reproduce(session, settings(ctx),
                                             Path(path) if path else None, max_steps=max_steps)
    emit(result, as_json, lambda d: console.print(
        f"reproduced {d['model']} for {d['steps']} of {d['recorded_steps']} steps: validation "
        f"{d['val_nats_per_token']:.4f} vs recorded {d['recorded_val_nats_per_token']:.4f} "
        f"nats/token (difference {d['difference']:+.4f}, tolerance {d['tolerance']}): "
        + ("[green]within tolerance[/]" if d["within_tolerance"] else "[red]not confirmed[/]")))
