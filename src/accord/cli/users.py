"""`accord users ...`: accounts and API keys (the same services the HTTP API calls)."""

from __future__ import annotations

import sys

import typer

from accord.accounts import service
from accord.cli.common import console, emit, registry

app = typer.Typer(help="Accounts and API keys for the HTTP API.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command("add")
def add(ctx: typer.Context, email: str = typer.Option(..., help="sign-in e-mail"),
        role: str = typer.Option(..., help="artist, songwriter, rights_holder, fan or admin"),
        party: str | None = typer.Option(None, help="the linked party's id (artists, "
                                                     "songwriters, rights holders)"),
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="read the password from standard input"),
        as_json: bool = JSON) -> None:
    """Create an account (without --password-stdin it can only use API keys)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with registry(ctx) as session:
        account = service.add_account(session, email, service.parse_role(role), party, password)
    emit(account.to_json(), as_json, lambda d: console.print(
        f"account {d['email']} ({d['role']}{', party ' + d['party'] if d['party'] else ''}) "
        f"created: {d['id']}"))


@app.command("api-key")
def api_key(ctx: typer.Context, email: str = typer.Argument(...), as_json: bool = JSON) -> None:
    """Issue a new API key for an account. The key is shown once; only its digest is kept."""
    with registry(ctx) as session:
        account = service.account_by_email(session, email)
        key, info = service.issue_api_key(session, account.id)
    emit({"key": key, **info, "email": account.email}, as_json, lambda d: console.print(
        f"API key for {d['email']} (shown once, send it as the X-API-Key header):\n{d['key']}"))


@app.command("revoke-key")
def revoke_key(ctx: typer.Context, key_id: str = typer.Argument(..., help="the key's id (key-...)"),
               as_json: bool = JSON) -> None:
    """Revoke an API key: it is refused from now on (the same service as the HTTP API)."""
    with registry(ctx) as session:
        info = service.revoke_api_key(session, key_id)
    emit(info, as_json, lambda d: console.print(
        f"API key {d['id']} ({d['prefix']}...) revoked at {d['revoked_at']}"))
