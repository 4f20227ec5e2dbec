"""The stored credits that name a party: the outputs whose credited work has the party among its
writers, performing artists, publishers or master owners, as the registry named them when the
output was attributed (the credit's `parties`)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.attribution.tables import OutputCreditRow


def percent(share: str) -> str:
    """A share (a decimal string, 0..1) as a percentage with two decimals."""
    return f"{Decimal(share) * 100:.2f} %"


def _names(parties: dict) -> set[str]:
    """Every party of an expanded work: writers, publishers, artists and masters of its
    recordings."""
    ids = {p["id"] for key in ("writers", "publishers") for p in parties.get(key, [])}
    for r in parties.get("recordings", []):
        ids |= {p["id"] for key in ("artists", "masters") for p in r.get(key, [])}
    return ids


def credited_outputs_for_party(session: Session, party_id: str,
                               limit: int = 200) -> list[dict]:
    """The outputs whose stored credits name a work of the party, by output id, each with the
    credited works, roles and shares. (It reads every stored credit: enough for now; a query by
    party, with an index, when lists grow.)"""
    rows = session.execute(select(OutputCreditRow).order_by(OutputCreditRow.output_id,
                                                            OutputCreditRow.rank)).scalars()
    return credited_outputs(rows, party_id)[:limit]


def credited_outputs(rows, party_id: str) -> list[dict]:
    """Pure: group credit rows (output_id, role, item_id, share, parties; in output and rank
    order) into the party's credited outputs."""
    by_output: dict[str, list[dict]] = {}
    for row in rows:
        parties = row.parties or {}
        if party_id not in _names(parties):
            continue
        by_output.setdefault(row.output_id, []).append(
            {"role": row.role, "work": row.item_id, "title": parties.get("title") or row.item_id,
             "share": str(row.share), "percent": percent(str(row.share))})
    return [{"output_id": oid, "credits": credits,
             "total_percent": percent(str(sum(Decimal(c["share"]) for c in credits)))}
            for oid, credits in by_output.items()]
