"""The web UI's one door to attribution (credits).

- `credits_for_output` reads the output's stored credits (`attribution.service.stored`; never
  computed on a page view: attributing runs a model);
- `credited_outputs_for_party` lists the stored credits that name the party
  (`attribution.by_party`, which owns the query and the grouping).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.attribution import service
from accord.attribution.by_party import credited_outputs, credited_outputs_for_party, percent

__all__ = ["credits_for_output", "credited_outputs", "credited_outputs_for_party"]


def credits_for_output(session: Session, output_id: str) -> list[dict]:
    """The output's credits, best first: role, work, title, share (a decimal string), percent,
    the people and rights holders of the work, one line of evidence; [] when the output has not
    been attributed (yet)."""
    stored = service.stored(session, output_id)
    if stored is None:
        return []
    return [{"role": c["role"], "work": c["item_id"], "title": c.get("title") or c["item_id"],
             "share": c["share"], "percent": percent(c["share"]), "rank": c.get("rank"),
             "artists": c.get("artists", []), "rights_holders": c.get("rights_holders", []),
             "evidence": c.get("evidence_summary", "")}
            for c in stored["credits"]]
