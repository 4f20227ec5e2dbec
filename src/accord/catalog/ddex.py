"""DDEX ERN 4.x messages read into frozen records: pure, no storage, errors collected as values.

`read_message(root, source)` returns `(message, problems)`; a message with any problem is
rejected whole by the caller. Child elements are matched by local name (ERN qualifies only the
root element; some senders qualify everything). The subset read, and what each element becomes
in the registry, is tabled in docs/catalog.md ("DDEX ERN import").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from accord.catalog.ddex_model import (
    PURGE_ROOTS,
    ErnDeal,
    ErnMessage,
    ErnParty,
    ErnRecording,
    ErnRelease,
    ErnShare,
    ErnWork,
    ErnWriter,
)
from accord.errors import Problem

#: ERN 4.x namespaces we accept (4.1, 4.1.1, 4.2, 4.3, 4.3.1, 4.3.2).
ERN_NAMESPACE = re.compile(r"^http://ddex\.net/xml/ern/4(1|11|2|3|31|32)$")
NEW_RELEASE = "NewReleaseMessage"
HUNDRED = Decimal(100)
ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
ISWC = re.compile(r"^T-?\d{3}\.?\d{3}\.?\d{3}-?\d$")
#: Contributor roles that make a work contributor one of its writers.
WRITER_ROLES = frozenset({"Composer", "Lyricist", "ComposerLyricist", "Writer", "Songwriter",
                          "Librettist", "Arranger"})
#: Per-recording AI disclosure: ERN element (local name) -> our field. ERN 4.3's own
#: IsInstrumental / HasVocalPerformance are kept with it. See docs/catalog.md for the caveat on
#: the names inside ArtificialIntelligenceDisclosure.
AI_FLAGS = {"IsInstrumental": "is_instrumental", "HasVocalPerformance": "has_vocal_performance",
            "HasForegroundVocalPerformance": "has_foreground_vocal_performance"}
AI_DISCLOSURE = "ArtificialIntelligenceDisclosure"
AI_FIELDS = {"VocalsInvolveAI": "vocals", "InstrumentationInvolvesAI": "instrumentation",
             "CompositionInvolvesAI": "composition", "LyricsInvolveAI": "lyrics",
             "PostProductionInvolvesAI": "post_production", "IsFullyAIGenerated": "fully_generated"}


# --- element helpers (local names) -----------------------------------------------------------

def local(el) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def kids(el, name: str) -> list:
    return [c for c in el if isinstance(c.tag, str) and local(c) == name]


def kid(el, name: str):
    for c in el:
        if isinstance(c.tag, str) and local(c) == name:
            return c
    return None


def text(el, *path: str) -> str | None:
    for name in path:
        if el is None:
            return None
        el = kid(el, name)
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def descendants(el, name: str) -> list:
    return [d for d in el.iter() if isinstance(d.tag, str) and local(d) == name]


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(value.lower())


def _title(el) -> str:
    return (text(el, "DisplayTitleText") or text(el, "DisplayTitle", "TitleText")
            or text(el, "Title", "TitleText") or text(el, "ReferenceTitle", "TitleText") or "")


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, where: str, msg: str) -> None:
        self.problems.append(Problem(f"{self.source}:{where}", msg))

    def percent(self, el, where: str) -> Decimal | None:
        raw = text(el, "RightSharePercentage")
        if raw is None:
            return None
        try:
            d = Decimal(raw)
        except InvalidOperation:
            d = None
        if d is None or not d.is_finite() or d <= 0 or d > HUNDRED:
            self.bad(where, f"RightSharePercentage {raw!r} is not a percentage in (0, 100]")
            return None
        return d

    def shares(self, els: list, where: str, kind: str) -> tuple[ErnShare, ...]:
        out = []
        for i, rc in enumerate(els):
            ref = text(rc, "RightsControllerPartyReference") or text(rc, "PartyReference")
            if ref is None:
                self.bad(f"{where}[{i}]", "no RightsControllerPartyReference")
            if text(rc, "RightSharePercentage") is None:
                self.bad(f"{where}[{i}]", "no RightSharePercentage")
                continue
            share = self.percent(rc, f"{where}[{i}]")
            if ref is not None and share is not None:
                out.append(ErnShare(ref, share))
        total = sum((s.share for s in out), Decimal(0))
        if out and len(out) == len(els) and total != HUNDRED:
            self.bad(where, f"{kind} shares sum to {total}, not exactly 100; "
                     "the message is rejected")
        return tuple(out)

    # --- sections ----------------------------------------------------------------------------

    def party(self, el, i: int) -> ErnParty | None:
        ref = text(el, "PartyReference")
        name = text(el, "PartyName", "FullName") or text(el, "PartyName", "FullNameIndexed")
        if not ref:
            self.bad(f"PartyList/Party[{i}]", "no PartyReference")
            return None
        ids = kids(el, "PartyId")
        isni = next((text(p, "ISNI") for p in ids if text(p, "ISNI")), None)
        ipi = next((text(p, "IpiNameNumber") or text(p, "IPI") for p in ids
                    if text(p, "IpiNameNumber") or text(p, "IPI")), None)
        dpid = next((text(p, "DPID") for p in ids if text(p, "DPID")), None)
        if isni is not None:
            isni = isni.replace(" ", "").upper()
            if not re.fullmatch(r"\d{15}[\dX]", isni):
                self.bad(f"Party[{ref}]/PartyId/ISNI", f"{isni!r} is not an ISNI (16 characters)")
                isni = None
        if ipi is not None and not re.fullmatch(r"\d{9,11}", ipi):
            self.bad(f"Party[{ref}]/PartyId/IpiNameNumber", f"{ipi!r} is not an IPI name number")
            ipi = None
        if not name:
            self.bad(f"Party[{ref}]/PartyName", "no FullName")
        return ErnParty(ref, name or ref, isni, ipi, dpid)

    def work(self, el, i: int) -> ErnWork | None:
        ref = text(el, "MusicalWorkReference") or text(el, "WorkReference")
        where = f"MusicalWork[{ref or i}]"
        if not ref:
            self.bad(where, "no MusicalWorkReference")
            return None
        iswc = text(el, "MusicalWorkId", "ISWC") or text(el, "WorkId", "ISWC")
        if iswc is not None and not ISWC.match(iswc.upper()):
            self.bad(f"{where}/MusicalWorkId/ISWC", f"{iswc!r} is not an ISWC")
            iswc = None
        writers = []
        for j, c in enumerate(kids(el, "MusicalWorkContributor") + kids(el, "Contributor")):
            pref = text(c, "ContributorPartyReference") or text(c, "PartyReference")
            roles = [r.text.strip() for r in kids(c, "Role") if r.text and r.text.strip()]
            role = next((r for r in roles if r in WRITER_ROLES), None)
            if pref is None:
                self.bad(f"{where}/Contributor[{j}]", "no ContributorPartyReference")
            elif role is not None:
                writers.append(ErnWriter(pref, role, self.percent(c, f"{where}/Contributor[{j}]")))
        publishers = self.shares(kids(el, "WorkRightsController"),
                                 f"{where}/WorkRightsController", "publisher")
        given = [w for w in writers if w.share is not None]
        if given and len(given) != len(writers):
            self.bad(f"{where}/Contributor", "RightSharePercentage is given for some writers "
                     "but not all")
        elif given and sum((w.share for w in given), Decimal(0)) != HUNDRED:
            total = sum((w.share for w in given), Decimal(0))
            self.bad(f"{where}/Contributor", f"writer shares sum to {total}, not exactly 100; "
                     "the message is rejected")
        return ErnWork(ref, _title(el) or ref, iswc, tuple(writers), publishers)

    def recording(self, el, i: int) -> ErnRecording | None:
        ref = text(el, "ResourceReference")
        where = f"SoundRecording[{ref or i}]"
        if not ref:
            self.bad(where, "no ResourceReference")
            return None
        isrc_els = [d for d in descendants(el, "ISRC")]
        isrc = (isrc_els[0].text or "").strip().replace("-", "").upper() if isrc_els else ""
        if not isrc:
            self.bad(f"{where}/ResourceId/ISRC", "the sound recording has no ISRC; Accord "
                     "identifies recordings by ISRC")
        elif not ISRC.match(isrc):
            self.bad(f"{where}/ResourceId/ISRC", f"{isrc!r} is not an ISRC")
        title = _title(el) or _title(kid(el, "SoundRecordingEdition") or el)
        if not title:
            self.bad(f"{where}/DisplayTitleText", "no title")
        artists = []
        for j, a in enumerate(kids(el, "DisplayArtist")):
            pref = text(a, "ArtistPartyReference")
            if pref is None:
                self.bad(f"{where}/DisplayArtist[{j}]", "no ArtistPartyReference")
                continue
            artists.append((pref, text(a, "DisplayArtistRole") or "MainArtist"))
        contributors = []
        for c in kids(el, "Contributor"):
            pref = text(c, "ContributorPartyReference")
            if pref:
                contributors.append((pref, tuple(r.text.strip() for r in kids(c, "Role")
                                                 if r.text and r.text.strip())))
        masters = self.shares(kids(el, "ResourceRightsController"),
                              f"{where}/ResourceRightsController", "master")
        work_ref = (text(el, "MusicalWorkReference") or text(el, "LinkedMusicalWorkReference")
                    or text(el, "ResourceMusicalWorkReferenceList",
                            "ResourceMusicalWorkReference", "MusicalWorkReference"))
        return ErnRecording(ref, isrc, title or ref, work_ref, tuple(artists),
                            tuple(contributors), masters, self.ai(el, where))

    def ai(self, el, where: str) -> dict:
        out: dict = {}
        for name, key in AI_FLAGS.items():
            found = descendants(el, name)
            if found:
                out[key] = _bool((found[0].text or "").strip())
        block = kid(el, AI_DISCLOSURE)
        if block is not None:
            for name, key in AI_FIELDS.items():
                raw = text(block, name)
                if raw is not None:
                    value = _bool(raw)
                    if value is None:
                        self.bad(f"{where}/{AI_DISCLOSURE}/{name}", f"{raw!r} is not true/false")
                    out[f"ai_{key}"] = value
            note = text(block, "Comment") or text(block, "Description")
            if note:
                out["ai_note"] = note[:2000]
        return out

    def deal(self, el) -> ErnDeal:
        terms = kid(el, "DealTerms")
        terms = el if terms is None else terms
        period = kid(terms, "ValidityPeriod")
        return ErnDeal(
            territories=tuple(t.text.strip() for t in kids(terms, "TerritoryCode") if t.text),
            commercial_models=tuple(t.text.strip() for t in kids(terms, "CommercialModelType")
                                    if t.text),
            use_types=tuple(t.text.strip() for t in descendants(terms, "UseType") if t.text),
            start=text(period, "StartDate") or text(period, "StartDateTime"),
            end=text(period, "EndDate") or text(period, "EndDateTime"),
            takedown=bool(_bool(text(terms, "TakeDown"))))

    def release(self, el, i: int, deals: dict[str, list[ErnDeal]]) -> ErnRelease:
        ref = text(el, "ReleaseReference") or f"#{i}"
        rid = kid(el, "ReleaseId")
        refs = tuple(dict.fromkeys(
            (d.text or "").strip() for d in descendants(el, "ReleaseResourceReference")
            if (d.text or "").strip()))
        return ErnRelease(ref, text(rid, "ICPN"), text(rid, "GRid"),
                          text(rid, "ProprietaryId"), _title(el) or ref, refs,
                          tuple(deals.get(ref, ())))


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            d = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def read_message(root, source: str) -> tuple[ErnMessage | None, list[Problem]]:
    r = _Reader(source)
    name, ns = local(root), etree.QName(root).namespace or ""
    if name != NEW_RELEASE and name not in PURGE_ROOTS:
        r.bad("/", f"root element is <{name}>, not an ERN NewReleaseMessage or "
              "PurgedReleaseMessage")
        return None, r.problems
    m = ERN_NAMESPACE.match(ns)
    if m is None:
        what = f"namespace {ns!r}" if ns else "no namespace"
        hint = " (ERN 3 is not supported)" if "/ern/3" in ns else ""
        r.bad("/", f"<{name}> has {what}; expected an ERN 4.x namespace "
              f"http://ddex.net/xml/ern/4x{hint}")
        return None, r.problems
    header = kid(root, "MessageHeader")
    message_id = text(header, "MessageId") if header is not None else None
    if not message_id:
        r.bad("MessageHeader/MessageId", "no MessageId")
    sender = kid(header, "MessageSender") if header is not None else None
    sender_dpid = (text(sender, "PartyId") or text(sender, "PartyId", "DPID")) if sender is not \
        None else None
    if not sender_dpid:
        r.bad("MessageHeader/MessageSender/PartyId", "no sender DPID")
    created_raw = text(header, "MessageCreatedDateTime") if header is not None else None
    created = _instant(created_raw)
    if created is None:
        r.bad("MessageHeader/MessageCreatedDateTime",
              f"missing or not an ISO 8601 date-time ({created_raw!r})")
    parties: dict[str, ErnParty] = {}
    for i, el in enumerate(descendants(root, "Party")):
        p = r.party(el, i)
        if p is not None:
            if p.ref in parties:
                r.bad(f"PartyList/Party[{p.ref}]", "PartyReference used twice")
            parties[p.ref] = p
    works: dict[str, ErnWork] = {}
    for i, el in enumerate(descendants(root, "MusicalWork")):
        w = r.work(el, i)
        if w is not None:
            works[w.ref] = w
    recordings: dict[str, ErnRecording] = {}
    for i, el in enumerate(descendants(root, "SoundRecording")):
        rec = r.recording(el, i)
        if rec is not None:
            recordings[rec.ref] = rec
    deals: dict[str, list[ErnDeal]] = {}
    for rd in descendants(root, "ReleaseDeal"):
        these = [r.deal(d) for d in kids(rd, "Deal")]
        for ref_el in kids(rd, "DealReleaseReference"):
            deals.setdefault((ref_el.text or "").strip(), []).extend(these)
    release_els = [el for el in descendants(root, "Release")] + \
        [el for el in descendants(root, "PurgedRelease")]
    releases = tuple(r.release(el, i, deals) for i, el in enumerate(release_els))
    if not releases:
        r.bad("ReleaseList", "the message describes no release")
    for rel in releases:
        if rel.key is None:
            r.bad(f"Release[{rel.ref}]/ReleaseId", "no ICPN, GRid or ProprietaryId; a release "
                  "needs an identity that later messages can refer to")
        for ref in rel.recording_refs:
            if ref not in recordings and name == NEW_RELEASE:
                r.bad(f"Release[{rel.ref}]", f"refers to unknown resource {ref!r}")
    for rec in recordings.values():
        for pref, _role in rec.display_artists:
            if pref not in parties:
                r.bad(f"SoundRecording[{rec.ref}]/DisplayArtist", f"unknown party {pref!r}")
        for pref, _roles in rec.contributors:
            if pref not in parties:
                r.bad(f"SoundRecording[{rec.ref}]/Contributor", f"unknown party {pref!r}")
        for s in rec.masters:
            if s.party_ref not in parties:
                r.bad(f"SoundRecording[{rec.ref}]/ResourceRightsController",
                      f"unknown party {s.party_ref!r}")
        if rec.work_ref is not None and rec.work_ref not in works:
            r.bad(f"SoundRecording[{rec.ref}]", f"refers to unknown musical work {rec.work_ref!r}")
    for w in works.values():
        for pref in [x.party_ref for x in w.writers] + [s.party_ref for s in w.publishers]:
            if pref not in parties:
                r.bad(f"MusicalWork[{w.ref}]", f"unknown party {pref!r}")
    if r.problems:
        return None, r.problems
    update = (text(root, "UpdateIndicator") or "") == "UpdateMessage"
    msg = ErnMessage(root=name, version=ns.rsplit("/", 1)[1], message_id=message_id or "",
                     thread_id=text(header, "MessageThreadId") or "",
                     sender_dpid=sender_dpid or "",
                     sender_name=text(sender, "PartyName", "FullName") or "",
                     created_at=created or datetime.min.replace(tzinfo=UTC), update=update,
                     parties=parties, works=works, recordings=recordings, releases=releases)
    return msg, []
