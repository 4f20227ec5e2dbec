"""A small fixture language for rights scenarios, read like the domain:

    s = Scenario()
    s.label("L"); s.artist("A"); s.artist("B"); s.writer("W"); s.publisher("P")
    s.work("w1", writers=["W"], publishers=["P"])
    s.recording("r1", "w1", artists=["A", "B"], masters=["L"])
    s.agreement("L", uses=["train"]); s.agreement("P", uses=["train"])
    s.opt_in("A", "train", "2026-01-01")

`s.document()` is an import document; `s.facts()` / `s.recording_rights(id)` are the domain
records the pure rule takes, built from the same document.
"""

from __future__ import annotations

from decimal import Decimal

from accord.rights.document import RightsDocument
from accord.rights.model import (
    Agreement,
    AgreementTermination,
    ConsentEvent,
    RecordingRights,
    Share,
    Withdrawal,
    WorkRights,
)
from accord.rights.permission import Facts


def split(parties: list[str]) -> list[dict]:
    """Integer percent shares summing to exactly 100."""
    n = len(parties)
    base, extra = divmod(100, n) if n else (0, 0)
    return [{"party": p, "share": str(base + (1 if i < extra else 0))}
            for i, p in enumerate(parties)]


class Scenario:
    def __init__(self) -> None:
        self.doc: dict = {"accord_rights_document": 1, "parties": [], "works": [],
                          "recordings": [], "agreements": [], "consents": [],
                          "terminations": [], "withdrawals": []}
        self._n = 0

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n}"

    def party(self, pid: str, *roles: str) -> str:
        self.doc["parties"].append({"id": pid, "name": f"{pid} (test)", "roles": list(roles)})
        return pid

    def label(self, pid: str) -> str:
        return self.party(pid, "label")

    def publisher(self, pid: str) -> str:
        return self.party(pid, "publisher")

    def artist(self, pid: str) -> str:
        return self.party(pid, "performing_artist")

    def writer(self, pid: str) -> str:
        return self.party(pid, "songwriter")

    def work(self, wid: str, writers: list[str], publishers: list[str], **extra) -> str:
        self.doc["works"].append({"id": wid, "title": wid, "writers": split(writers),
                                  "publishers": split(publishers), **extra})
        return wid

    def recording(self, rid: str, work: str, artists: list[str], masters: list[str],
                  **extra) -> str:
        self.doc["recordings"].append({"id": rid, "title": rid, "work": work,
                                       "artists": artists, "masters": split(masters), **extra})
        return rid

    def agreement(self, licensor: str, uses: list[str], purpose: str = "commercial",
                  catalogue: str | dict = "all", exclude: dict | None = None,
                  territories: list[str] | None = None, valid_from: str = "2020-01-01",
                  valid_until: str | None = None, aid: str | None = None) -> str:
        aid = aid or self._id("agr")
        self.doc["agreements"].append({
            "id": aid, "licensor": licensor, "uses": uses, "purpose": purpose,
            "catalogue": catalogue, "exclude": exclude or {"recordings": [], "works": []},
            "territories": territories or ["WW"], "valid_from": valid_from,
            "valid_until": valid_until})
        return aid

    def opt_in(self, party: str, use: str, effective: str = "2020-01-01") -> str:
        return self._consent(party, use, "opt_in", effective)

    def revoke(self, party: str, use: str, effective: str) -> str:
        return self._consent(party, use, "revoke", effective)

    def _consent(self, party, use, action, effective) -> str:
        cid = self._id("consent")
        self.doc["consents"].append({"id": cid, "party": party, "use": use, "action": action,
                                     "effective_at": effective})
        return cid

    def terminate(self, agreement: str, effective: str) -> str:
        tid = self._id("term")
        self.doc["terminations"].append({"id": tid, "agreement": agreement,
                                         "effective_at": effective})
        return tid

    def withdraw(self, recording: str, effective: str, action: str = "withdraw") -> str:
        wid = self._id("withdrawal")
        self.doc["withdrawals"].append({"id": wid, "recording": recording, "action": action,
                                        "effective_at": effective})
        return wid

    def reinstate(self, recording: str, effective: str) -> str:
        return self.withdraw(recording, effective, "reinstate")

    # --- views ---------------------------------------------------------------------------

    def document(self) -> RightsDocument:
        return RightsDocument.model_validate(self.doc)

    def facts(self) -> Facts:
        return facts_of(self.document())

    def work_rights(self, wid: str) -> WorkRights:
        return work_rights_of(self.document(), wid)

    def recording_rights(self, rid: str) -> RecordingRights:
        return recording_rights_of(self.document(), rid)


def _shares(items) -> tuple[Share, ...]:
    return tuple(sorted((Share(s.party, Decimal(s.share)) for s in items),
                        key=lambda s: s.party_id))


def work_rights_of(doc: RightsDocument, wid: str) -> WorkRights:
    w = next(w for w in doc.works if w.id == wid)
    return WorkRights(w.id, _shares(w.writers), _shares(w.publishers))


def recording_rights_of(doc: RightsDocument, rid: str) -> RecordingRights:
    r = next(r for r in doc.recordings if r.id == rid)  # the registry keeps parties in id order
    return RecordingRights(r.id, work_rights_of(doc, r.work), tuple(sorted(r.artists)),
                           _shares(r.masters))


def facts_of(doc: RightsDocument) -> Facts:
    agreements = tuple(
        Agreement(
            id=a.id, licensor_id=a.licensor, uses=frozenset(a.uses), purpose=a.purpose,
            valid_from=a.valid_from, valid_until=a.valid_until,
            territories=frozenset(a.territories), catalogue_all=a.catalogue == "all",
            items=frozenset() if a.catalogue == "all"
            else frozenset(a.catalogue.recordings) | frozenset(a.catalogue.works),
            excluded=frozenset(a.exclude.recordings) | frozenset(a.exclude.works))
        for a in doc.agreements)
    terminations = tuple(AgreementTermination(t.id, t.agreement, t.effective_at)
                         for t in doc.terminations)
    consents = tuple(ConsentEvent(c.id, c.party, c.use, c.action, c.effective_at)
                     for c in doc.consents)
    withdrawals = tuple(Withdrawal(w.id, w.recording, w.action, w.effective_at)
                        for w in doc.withdrawals)
    return Facts(agreements, terminations, consents, {p.id: p.name for p in doc.parties},
                 withdrawals)
