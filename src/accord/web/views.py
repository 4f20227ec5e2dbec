"""What each page shows, gathered from the contexts' service functions (read only; nothing is
decided or computed here that a service already does). Each returns plain data for a template."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from accord.api.audit_jobs import audits_for_party
from accord.config import Settings
from accord.rights import service as rights
from accord.rights.model import Use
from accord.royalties import service as royalties
from accord.training import dataset_service
from accord.training import service as training
from accord.web.charts import earnings_svg
from accord.web.credits import credited_outputs_for_party
from accord.workflows import home

#: The uses an artist switches, in the order the page shows them.
USES = [u.value for u in Use]
ROLE_FIELD = {"artists": "artists", "rights_holders": "rights_holders"}


def is_demo_home(settings: Settings) -> bool:
    return home.is_demo_home(settings)


def party_name(session: Session, party_id: str) -> str:
    return rights.show(session, party_id).get("name", party_id)


def consent_panel(session: Session, party_id: str, use: str) -> dict:
    """One use's switch: its current state, its consent events (oldest first) and the latest
    audit of the models that a revocation of it queued (accord.api.audit_jobs)."""
    state = rights.current_consents(session, party_id)[use]
    events = rights.history(session, party_id, Use(use))["consents"]
    audits = audits_for_party(session, party_id, use, limit=50)
    return {"use": use, "state": state, "on": state == "opted_in", "events": events,
            "audit": audits[0] if audits else None}


def models_with(session: Session, settings: Settings, party_id: str,
                field: str = "artists") -> list[dict]:
    """The models trained on snapshots whose manifest lists the party (as an opted-in writer or
    artist, or as a rights holder), with the party's items in each."""
    models = defaultdict(list)
    for m in training.list_models(session):
        models[m["snapshot"]].append(m)
    out = []
    for snap in dataset_service.list_snapshots(session):
        if not models.get(snap["id"]):
            continue
        try:
            items = dataset_service.items(settings, snap["id"])
        except FileNotFoundError:
            continue
        mine = [it for it in items if party_id in getattr(it, ROLE_FIELD[field])]
        if mine:
            out.append({"snapshot": snap, "models": models[snap["id"]],
                        "items": [{"id": it.item_id, "title": it.title or it.item_id}
                                  for it in mine]})
    return out


def earnings(session: Session, party_id: str) -> dict:
    """Earned per period and currency, a chart per currency, and the periods with statements."""
    history = royalties.earnings(session, party_id)
    currencies = sorted({h["currency"] for h in history})
    return {"history": history,
            "charts": [{"currency": c, "svg": earnings_svg(history, c)} for c in currencies],
            "periods": sorted({h["period"] for h in history}, reverse=True)}


def artist_page(session: Session, settings: Settings, party_id: str) -> dict:
    return {"party": {"id": party_id, "name": party_name(session, party_id)},
            "consents": [consent_panel(session, party_id, u) for u in USES],
            "models": models_with(session, settings, party_id, "artists"),
            "earnings": earnings(session, party_id),
            "credited": credited_outputs_for_party(session, party_id)}


def holder_page(session: Session, settings: Settings, party_id: str) -> dict:
    cat = rights.catalogue_of(session, party_id)
    people = [{"id": p, "name": party_name(session, p),
               "consents": rights.current_consents(session, p)} for p in cat["people"]]
    return {"party": {"id": party_id, "name": party_name(session, party_id)},
            "works": cat["works"], "recordings": cat["recordings"],
            "agreements": cat["agreements"], "people": people, "uses": USES,
            "models": models_with(session, settings, party_id, "rights_holders"),
            "earnings": earnings(session, party_id)}


def admin_page(session: Session) -> dict:
    return {"runs": royalties.list_runs(session), "models": training.list_models(session)}
