"""Who stands behind a credited work, from the rights registry: its writers and publishers, and
for each recording of it the performing artists and master owners (with names and shares)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from accord.rights import lookup


def expand(session: Session, work_ids: Iterable[str]) -> dict[str, dict]:
    """work id -> {title, writers, publishers, recordings: [{id, title, artists, masters}]};
    a work unknown to the registry maps to {"unknown": True} (the rights context's read)."""
    return lookup.expand_works(session, work_ids)


def artists_of(p: dict) -> list[dict]:
    """Writers and performing artists of an expanded work (each person once)."""
    seen, out = set(), []
    for x in p.get("writers", []) + [a for r in p.get("recordings", []) for a in r["artists"]]:
        if x["id"] not in seen:
            seen.add(x["id"])
            out.append({"id": x["id"], "name": x["name"]})
    return out


def rights_holders_of(p: dict) -> list[dict]:
    """Publishers of the work and master owners of its recordings."""
    out = [{"id": x["id"], "name": x["name"], "role": "publisher"}
           for x in p.get("publishers", [])]
    out += [{"id": x["id"], "name": x["name"], "role": "master owner", "recording": r["id"]}
            for r in p.get("recordings", []) for x in r["masters"]]
    return out
