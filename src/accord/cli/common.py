"""What every command shares: the settings, the registry session, output as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.errors import AccordError
from accord.rights.audit import AuditLog, remember_head
from accord.rights.inputs import parse_at, parse_purpose, parse_use  # noqa: F401 (re-export)
from accord.workflows import home

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppState:
    settings: Settings


def state(ctx: typer.Context) -> AppState:
    return ctx.find_root().obj


def settings(ctx: typer.Context) -> Settings:
    return state(ctx).settings


initialise = home.initialise  # the one set-up of a home (accord.workflows.home)


def _is_initialised(s: Settings) -> bool:
    if s.database_url:  # an external database: assume it was set up with `accord init`
        return True
    return (s.home / "accord.db").exists()


@contextmanager
def registry(ctx: typer.Context) -> Iterator[Session]:
    """One transaction over the registry; it must exist (`accord init`)."""
    s = settings(ctx)
    if not _is_initialised(s):
        raise AccordError(f"no Accord home at {s.home} (run `accord init` first)")
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        yield session
    remember_head(s.home / "audit-head.json", engine)


def audit_log(session: Session, actor: str = "cli") -> AuditLog:
    return AuditLog(session, actor=actor)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    else:
        render(data)


def write_json_file(path: Path, data: Any) -> None:
    from accord.atomic import write_text

    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
