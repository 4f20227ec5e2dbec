"""Demo sign-ins for the web UI, made only in a demo home (the `accord demo` marker exists).

The passwords are fixed and printed: they guard fictional demo data on a loopback server, and
are labelled demo everywhere they appear. `accord demo` calls `demo_accounts` at its end."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from accord.accounts import service as accounts
from accord.accounts.model import AccountRole
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.demo import scenario
from accord.errors import NotFound, Refused
from accord.workflows.home import is_demo_home

#: e-mail -> (role, party, demo password)
DEMO_ACCOUNTS = {
    "bea@demo.example.org": (AccountRole.ARTIST, scenario.SINGER, "demo-bea-lantern"),
    "ada@demo.example.org": (AccountRole.SONGWRITER, scenario.WRITER, "demo-ada-quill"),
    "northwind@demo.example.org": (AccountRole.RIGHTS_HOLDER, scenario.LABEL,
                                   "demo-northwind-records"),
    "fan@demo.example.org": (AccountRole.FAN, None, "demo-fan-listener"),
    "admin@demo.example.org": (AccountRole.ADMIN, None, "demo-admin-accord"),
}


def ensure_demo_accounts(s: Settings) -> list[dict]:
    """Create the demo accounts that do not exist yet (idempotent). Refused outside a demo
    home, so no real home ever gets an account with a published password."""
    if not is_demo_home(s):
        raise Refused(f"{s.home} is not a demo home; demo accounts are made only by accord demo")
    out = []
    with session_scope(make_engine(s.db_url)) as session:
        for email, (role, party, password) in DEMO_ACCOUNTS.items():
            try:
                accounts.account_by_email(session, email)
            except NotFound:
                accounts.add_account(session, email, role, party, password)
            out.append({"email": email, "role": role.value, "party": party,
                        "password": password})
    return out


def demo_accounts(s: Settings, report: Any, out: Console, port: int = 8000) -> None:
    """The demo's last words: demo sign-ins and how to open the web UI."""
    made = ensure_demo_accounts(s)
    report.add("web", {"url": f"http://127.0.0.1:{port}/login", "accounts": made})
    out.print("web UI sign-ins (DEMO accounts with demo passwords; e-mail / password, role):")
    for a in made:  # plain lines, never truncated to the terminal's width
        who = a["role"].replace("_", " ") + (f" {a['party']}" if a["party"] else "")
        out.print(f"  {a['email']} / {a['password']}  ({who})", soft_wrap=True,
                  highlight=False)
    out.print(f"open the web UI: accord --home {s.home} serve, then "
              f"http://127.0.0.1:{port}/login (demo data)", soft_wrap=True, highlight=False)
