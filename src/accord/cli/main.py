"""The `accord` command. Errors a user can fix print one clear message and exit with code 2."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text
from typer.core import TyperGroup

from accord.cli import attribution, catalog, creation, dj, rights, royalties, training, users
from accord.cli import trust as trust_cli
from accord.cli.common import AppState, console, emit, err_console, initialise, settings
from accord.config import Settings
from accord.errors import AccordError
from accord.workflows import hooks as _hooks  # noqa: F401  (cross-context wiring)


class AccordGroup(TyperGroup):
    """Turns an AccordError anywhere below into one message on stderr and exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AccordError as exc:
            err_console.print(Text.assemble(("error: ", "bold red"), str(exc)), highlight=False,
                              soft_wrap=True)
            ctx.exit(exc.exit_code)


app = typer.Typer(help="Accord: consent-first generative music.", no_args_is_help=True,
                  pretty_exceptions_enable=False, cls=AccordGroup)
app.add_typer(rights.app, name="rights")
app.add_typer(rights.audit_app, name="audit")
app.add_typer(royalties.app, name="royalties")
app.add_typer(users.app, name="users")
app.add_typer(catalog.app, name="catalog")
app.add_typer(training.dataset_app, name="dataset")
app.add_typer(training.model_app, name="model")
app.add_typer(attribution.app, name="attribution")
app.command("credits")(attribution.credits)
app.add_typer(creation.create_app, name="create")
app.add_typer(creation.outputs_app, name="outputs")
app.command("verify")(creation.verify)
app.add_typer(trust_cli.app, name="screen")
app.add_typer(dj.app, name="dj")


@app.callback()
def root(ctx: typer.Context,
         home: Path | None = typer.Option(None, "--home", envvar="ACCORD_HOME",
                                          help="data home (default ./accord-data)"),
         database_url: str | None = typer.Option(None, "--database-url",
                                                 envvar="ACCORD_DATABASE_URL",
                                                 help="SQLAlchemy URL; default SQLite in home")
         ) -> None:
    kwargs = {}
    if home is not None:
        kwargs["home"] = home
    if database_url is not None:
        kwargs["database_url"] = database_url
    ctx.obj = AppState(settings=Settings(**kwargs))


@app.command()
def init(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Create the data home and the database (idempotent)."""
    s = settings(ctx)
    initialise(s)
    emit({"home": str(s.home.resolve()), "database": s.db_url}, as_json,
         lambda d: console.print(f"Accord home ready at {d['home']} (database {d['database']})"))


@app.command()
def demo(ctx: typer.Context,
         fresh: bool = typer.Option(False, "--fresh", help="start from an empty home"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """The whole flow on the demo catalogue, ending with a summary."""
    from accord.demo import run_demo

    run_demo(settings(ctx), fresh=fresh, as_json=as_json)


@app.command()
def serve(ctx: typer.Context,
          host: str = typer.Option("127.0.0.1", help="interface (loopback by default)"),
          port: int = typer.Option(8000, help="TCP port"),
          workers: int = typer.Option(1, "--workers", min=0,
                                      help="server processes (as many as cores; 0: one per "
                                           "core)"),
          jobs: bool = typer.Option(True, "--jobs/--no-jobs",
                                    help="run a job worker inside the server"),
          access_log: bool = typer.Option(False, "--access-log",
                                          help="log every request (off by default)")) -> None:
    """Serve the HTTP API (OpenAPI at /docs) over this home with uvicorn (uvloop, httptools)."""
    from accord.api.serve import run

    s = settings(ctx)
    initialise(s)
    run(s, host, port, workers, jobs, access_log)


@app.command()
def worker(ctx: typer.Context,
           once: bool = typer.Option(False, "--once", help="stop when the queue is empty"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Run queued jobs (creations, model audits) until interrupted (docs/api.md)."""
    from accord.api.serve import worker as run_worker

    s = settings(ctx)
    initialise(s)
    n = run_worker(s, once=once)
    emit({"jobs_run": n}, as_json, lambda d: console.print(f"{d['jobs_run']} job(s) run"))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
