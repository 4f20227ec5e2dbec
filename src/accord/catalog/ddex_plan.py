"""Planning a DDEX message's registry writes: the rights document (parties, works, recordings)
one message becomes, and what is held back because another sender's claim is in force (a
dispute, `accord.catalog.ddex_disputes`). Reads the registry; writes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from accord import identifiers
from accord.catalog import ddex_disputes
from accord.catalog.ddex import HUNDRED
from accord.catalog.ddex_model import ErnMessage, ErnParty, ErnRecording, ErnShare
from accord.errors import Problem
from accord.rights import lookup

CENT = Decimal("0.01")


def _h(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _slug(value: str) -> str:
    return "".join(c for c in value.lower() if c.isalnum())[:60]


def release_id(msg: ErnMessage, key: str) -> str:
    """ICPN and GRid are global; a proprietary id is only unique within its sender."""
    return f"ddexrel-{key}" if not key.startswith("prop-") else \
        f"ddexrel-prop-{_h(msg.sender_dpid, key)}"


def equal_shares(n: int) -> list[Decimal]:
    """n shares of 100 in hundredths; the rounding residual goes to the first (sequence order)."""
    base = (HUNDRED / n).quantize(CENT, rounding="ROUND_DOWN")
    return [HUNDRED - base * (n - 1)] + [base] * (n - 1)


def _merge(shares: list[tuple[str, Decimal]]) -> list[dict]:
    """One entry per party (a party listed twice holds the sum), in first-seen order."""
    total: dict[str, Decimal] = {}
    for pid, s in shares:
        total[pid] = total.get(pid, Decimal(0)) + s
    return [{"party": p, "share": str(s)} for p, s in total.items()]


@dataclass
class Plan:
    """The registry document and the catalogue rows one message becomes."""

    msg: ErnMessage
    problems: list[Problem] = field(default_factory=list)
    party_ids: dict[str, str] = field(default_factory=dict)  # PartyReference -> registry id
    parties: dict[str, dict] = field(default_factory=dict)
    works: dict[str, dict] = field(default_factory=dict)
    recordings: dict[str, dict] = field(default_factory=dict)  # ResourceReference -> doc
    held: dict[str, str] = field(default_factory=dict)  # ResourceReference -> id (disputed)
    held_works: set[str] = field(default_factory=set)
    disputes: list[dict] = field(default_factory=list)  # to open: kind, id, key, claim, ...
    labels: dict[str, list[dict]] = field(default_factory=dict)  # ReleaseReference -> labels


class Planner:
    def __init__(self, session: Session, msg: ErnMessage, source: str) -> None:
        self.session, self.msg, self.source = session, msg, source
        self.plan = Plan(msg)
        self.keys: dict[tuple[str, str], str] = {}  # (kind, id) -> ISRC / ISWC as sent

    def bad(self, where: str, message: str) -> None:
        self.plan.problems.append(Problem(f"{self.source}:{where}", message))

    def party_id(self, p: ErnParty) -> str:
        """An existing registry party with the same ISNI or IPI keeps its id; otherwise a stable
        id from the ISNI, IPI or DPID, else from the sender and the PartyReference."""
        if p.ref in self.plan.party_ids:
            return self.plan.party_ids[p.ref]
        found = {}
        for col, value in (("isni", p.isni), ("ipi", p.ipi)):
            if value:
                row = lookup.party_with(self.session, **{col: value})
                if row:
                    found[col] = row
        if len(set(found.values())) > 1:
            self.bad(f"Party[{p.ref}]", f"its ISNI belongs to party {found['isni']!r} and its "
                     f"IPI to party {found['ipi']!r} in the registry")
        pid = (found.get("isni") or found.get("ipi")
               or (f"ddex-isni-{p.isni}" if p.isni else f"ddex-ipi-{p.ipi}" if p.ipi else
                   f"ddex-dpid-{_slug(p.dpid)}" if p.dpid else
                   f"ddex-{_h(self.msg.sender_dpid, p.ref)}"))
        self.plan.party_ids[p.ref] = pid
        return pid

    def use_party(self, ref: str, role: str) -> str:
        p = self.msg.parties[ref]
        pid = self.party_id(p)
        doc = self.plan.parties.get(pid)
        if doc is None:
            row = lookup.party_record(self.session, pid)
            roles = set(row["roles"]) if row is not None else set()
            doc = {"id": pid, "name": p.name[:300], "roles": sorted(roles),
                   "isni": p.isni or (row["isni"] if row else None),
                   "ipi": p.ipi or (row["ipi"] if row else None)}
            if row is not None and row["demo"]:
                doc["demo"] = True
            self.plan.parties[pid] = doc
        if role not in doc["roles"]:
            doc["roles"] = sorted({*doc["roles"], role})
        return pid

    def shares(self, shares: tuple[ErnShare, ...], role: str) -> list[dict]:
        return _merge([(self.use_party(s.party_ref, role), s.share) for s in shares])

    def work_for(self, rec: ErnRecording, rec_id: str) -> str:
        w = self.msg.works.get(rec.work_ref) if rec.work_ref else None
        if w is None:  # no work named: a placeholder with no holders (default deny)
            wid = (f"work-ddex-rec-{_slug(rec.isrc)}" if rec.isrc else
                   f"work-ddex-rec-prop-{_h(self.msg.sender_dpid, rec.identity)}")
            if wid not in self.plan.works and not lookup.work_exists(self.session, wid):
                self.plan.works[wid] = {"id": wid, "title": f"{rec.registry_title} (work not "
                                        "named in DDEX)"[:500]}
            return wid
        wid = None
        if w.iswc:
            canonical = identifiers.normalise_iswc(w.iswc)  # T1234567890
            wid = lookup.work_with_iswc(self.session, canonical)
            wid = wid or f"work-ddex-iswc-{canonical.lower()}"
        else:
            wid = f"work-ddex-{_h(self.msg.sender_dpid, rec.identity, w.ref)}"
        if wid in self.plan.works:
            return wid
        writers = list(dict.fromkeys(self.use_party(x.party_ref, "songwriter")
                                     for x in w.writers))
        if not writers:
            writer_shares = []
        elif all(x.share is not None for x in w.writers):
            writer_shares = _merge([(self.use_party(x.party_ref, "songwriter"), x.share)
                                    for x in w.writers])
        else:
            writer_shares = [{"party": p, "share": str(s)}
                             for p, s in zip(writers, equal_shares(len(writers)), strict=True)]
        doc = {"id": wid, "title": w.title[:500], "iswc": w.iswc, "writers": writer_shares,
               "publishers": self.shares(w.publishers, "publisher")}
        self.plan.works[wid] = doc
        self.keys[("work", wid)] = w.iswc or wid
        return wid

    def hold_disputed(self) -> None:
        """Hold back each claim another sender's claim in force contradicts (a dispute; nothing
        of it is written to the registry). One read of the claims for the whole message."""
        ids = [d["id"] for d in self.plan.recordings.values()] + list(self.plan.works)
        claims = ddex_disputes.claims_on(self.session, ids)
        for ref, doc in list(self.plan.recordings.items()):
            claim = claims.get(("recording", doc["id"]))
            if self.disputed("recording", doc["id"], self.keys[("recording", doc["id"])],
                             doc, claim):
                self.plan.held[ref] = self.plan.recordings.pop(ref)["id"]
        for wid, doc in list(self.plan.works.items()):
            claim = claims.get(("work", wid))
            if self.disputed("work", wid, self.keys.get(("work", wid), wid), doc, claim):
                del self.plan.works[wid]
                self.plan.held_works.add(wid)

    def disputed(self, kind: str, entity_id: str, key: str, doc: dict, claim) -> bool:
        """Whether another sender's claim is in force on this entity with different data."""
        if claim is None or claim.sender == self.msg.sender_dpid:
            return False
        earlier = ddex_disputes.registry_view(self.session, entity_id)
        if earlier is None:
            return False
        fields = ddex_disputes.differing(kind, earlier, doc)
        if not fields:
            return False
        self.plan.disputes.append({"kind": kind, "entity_id": entity_id, "key": key,
                                   "claim": claim, "fields": fields, "earlier": earlier,
                                   "claimed": doc})
        return True

    def recording_id(self, rec: ErnRecording) -> str:
        if not rec.isrc:  # a proprietary id is only unique within its sender
            return f"rec-ddex-prop-{_h(self.msg.sender_dpid, rec.identity)}"
        row = lookup.recording_with_isrc(self.session, rec.isrc)
        return row or f"rec-ddex-{rec.isrc.lower()}"

    def build(self) -> Plan:
        wanted = {ref for rel in self.msg.releases for ref in rel.recording_refs}
        for ref, rec in self.msg.recordings.items():
            if ref not in wanted:
                continue
            rid = self.recording_id(rec)
            artists = list(dict.fromkeys(self.use_party(a, "performing_artist")
                                         for a, _role in rec.display_artists))
            doc = {"id": rid, "title": rec.registry_title[:500], "work": self.work_for(rec, rid),
                   "artists": artists, "masters": self.shares(rec.masters, "label")}
            if rec.isrc:
                doc["isrc"] = rec.isrc
            self.plan.recordings[ref] = doc
            self.keys[("recording", rid)] = rec.identity
        self.hold_disputed()
        for rel in self.msg.releases:
            masters = {s["party"] for ref in rel.recording_refs
                       for s in (self.plan.recordings.get(ref) or {}).get("masters", [])}
            self.plan.labels[rel.ref] = [
                {"party": (pid := self.use_party(lab.party_ref, "label")), "name": lab.name,
                 "master_rights_controller": pid in masters} for lab in rel.labels]
        for key in ("isni", "ipi"):
            owner: dict[str, str] = {}
            for pid, doc in self.plan.parties.items():
                value = doc.get(key)
                if value and owner.setdefault(value, pid) != pid:
                    self.bad("PartyList", f"parties {owner[value]!r} and {pid!r} both claim "
                             f"{key.upper()} {value}")
        return self.plan


def document_of(plan: Plan) -> dict:
    parties = [{k: v for k, v in p.items() if v is not None} for p in plan.parties.values()]
    works = [{k: v for k, v in w.items() if v is not None} for w in plan.works.values()]
    return {"accord_rights_document": 1, "parties": parties, "works": works,
            "recordings": list(plan.recordings.values())}


