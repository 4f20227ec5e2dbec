"""Helpers the routes share (translation only; no rules). Parsing of uses, purposes and times
is accord.rights.inputs, shared with the CLI, so both adapters accept exactly the same values."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.errors import NotFound
from accord.rights import service
from accord.rights.inputs import parse_at, parse_purpose, parse_use

__all__ = ["parse_at", "parse_purpose", "parse_use", "show_kind"]


def show_kind(session: Session, kind: str, ref: str) -> dict:
    """service.show, but a 404 when the id names something of another kind."""
    data = service.show(session, ref)
    if data["kind"] != kind:
        raise NotFound(f"no {kind} with id {ref!r} (it is a {data['kind']})")
    return data
