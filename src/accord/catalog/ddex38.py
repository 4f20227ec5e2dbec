"""DDEX ERN 3.8.x (3.8, 3.8.1, 3.8.2, 3.8.3) read into the same frozen records as ERN 4.x.

ERN 3.8 has no PartyList: a party is written where it appears (`PartyName/FullName`,
`PartyId`), so the reader gives each distinct party a reference of its own (`P38:` + its first
id, else its name) and the rest of the import treats it like an ERN 4 party. The per-territory
details (`<Kind>DetailsByTerritory`, `ReleaseDetailsByTerritory`) are read from the block for
`Worldwide`, else the first block. A work's publishers come from its
`MusicalWork/RightShare/RightsController`s (or the one party in the role MusicPublisher), see
`_publishers`. Element names: `accord.catalog.ddex_names.ERN38`.
"""

from __future__ import annotations

from decimal import Decimal

from accord.catalog.ddex_elements import as_bool, compose_title, descendants, kid, kids, local, text
from accord.catalog.ddex_model import (
    ErnLabel,
    ErnParty,
    ErnRecording,
    ErnRelease,
    ErnResource,
    ErnShare,
    ErnWork,
    ErnWriter,
)
from accord.catalog.ddex_names import ERN38

MASTER_ROLES = frozenset({"RightsController", ""})
#: `MusicalWorkContributorRole` / `IndirectResourceContributorRole` naming a work's publisher.
PUBLISHER_ROLES = frozenset(ERN38["publisher_role"])
#: Releases of one track beside the main release: skipped (their tracks come with the main one).
TRACK_RELEASES = frozenset({"TrackRelease", "VideoTrackRelease"})


def _details(el, kind: str):
    """The `<Kind>DetailsByTerritory` block for Worldwide, else the first; None when absent."""
    blocks = kids(el, ERN38["details"].get(kind, f"{kind}DetailsByTerritory")) if kind != \
        "Release" else kids(el, "ReleaseDetailsByTerritory")
    for b in blocks:
        if any((t.text or "").strip() == "Worldwide" for t in kids(b, "TerritoryCode")):
            return b
    return blocks[0] if blocks else None


def _title(el, details):
    """ReferenceTitle is the title proper (+ SubTitle); the details' Title of TitleType
    DisplayTitle (else FormalTitle) is the display title."""
    proper = text(el, "ReferenceTitle", "TitleText") or text(el, "Title", "TitleText")
    sub = text(el, "ReferenceTitle", "SubTitle") or text(el, "Title", "SubTitle")
    display = None
    if details is not None:
        titles = kids(details, "Title")
        by_type = {t.get("TitleType") or "": t for t in titles}
        shown = by_type.get("DisplayTitle")
        formal = by_type.get("FormalTitle")
        display = text(shown, "TitleText") if shown is not None else None
        if proper is None:
            base = formal if formal is not None else shown
            if base is None and titles:
                base = titles[0]
            proper = text(base, "TitleText") if base is not None else None
            sub = sub or (text(base, "SubTitle") if base is not None else None)
    return compose_title(proper or display or "", sub, display)


class _Parties:
    """The inline parties of an ERN 3.8 message, each given a stable reference."""

    def __init__(self, r) -> None:
        self.r = r
        self.parties: dict[str, ErnParty] = {}

    def of(self, el, where: str) -> str | None:
        pid = kid(el, "PartyId")
        name = text(el, "PartyName", "FullName") or text(el, "PartyName", "FullNameIndexed")
        isni = text(pid, "ISNI") if pid is not None else None
        ipi = text(pid, "IpiNameNumber") if pid is not None else None
        dpid = (text(pid, "DPID") or ((pid.text or "").strip() or None)) if pid is not None \
            else None
        key = isni or ipi or dpid or name
        if not key:
            self.r.bad(where, "a party with neither PartyName nor PartyId")
            return None
        return self.add(f"P38:{key}", name or key, isni, ipi, dpid, where)

    def add(self, ref, name, isni=None, ipi=None, dpid=None, where="") -> str:
        if ref not in self.parties:
            if isni is not None:
                isni = isni.replace(" ", "").upper()
            if isni is not None and (len(isni) != 16 or not isni[:15].isdigit()):
                self.r.bad(f"{where}/PartyId/ISNI", f"{isni!r} is not an ISNI (16 characters)")
                isni = None
            if ipi is not None and not (ipi.isdigit() and 9 <= len(ipi) <= 11):
                self.r.bad(f"{where}/PartyId/IpiNameNumber", f"{ipi!r} is not an IPI name number")
                ipi = None
            self.parties[ref] = ErnParty(ref, name[:300], isni, ipi, dpid)
        return ref


def _masters(r, parties: _Parties, details, where: str) -> tuple[ErnShare, ...]:
    """`RightsController`s in the role RightsController (or none given) with their shares."""
    if details is None:
        return ()
    els = [rc for rc in kids(details, "RightsController")
           if {(x.text or "").strip() for x in kids(rc, "RightsControllerRole")} & MASTER_ROLES
           or not kids(rc, "RightsControllerRole")]
    out = []
    for i, rc in enumerate(els):
        here = f"{where}/RightsController[{i}]"
        ref = parties.of(rc, here)
        if len(els) == 1 and text(rc, "RightSharePercentage") is None and \
                as_bool(text(rc, "RightShareUnknown")) is not True:
            if ref is not None:  # ERN 3.8: "If no information is given, 100% is assumed"
                out.append(ErnShare(ref, Decimal(100)))
            continue
        if text(rc, "RightSharePercentage") is None:
            unknown = as_bool(text(rc, "RightShareUnknown")) is True
            r.bad(here, "RightShareUnknown: Accord needs every holder's exact share" if unknown
                  else "no RightSharePercentage")
            continue
        share = r.percent(rc, here)
        if ref is not None and share is not None:
            out.append(ErnShare(ref, share))
    total = sum((s.share for s in out), 0)
    if out and len(out) == len(els) and total != 100:
        r.bad(f"{where}/RightsController", f"master shares sum to {total}, not exactly 100; "
              "the message is rejected")
    return tuple(out)


def _worldwide(blocks: list) -> list:
    """The blocks for Worldwide or for no territory, else those of the first block's first
    territory (ERN 3.8 RightShare is per territory)."""
    codes = [[(t.text or "").strip() for t in kids(b, "TerritoryCode")] for b in blocks]
    chosen = [b for b, c in zip(blocks, codes, strict=True) if not c or "Worldwide" in c]
    if chosen or not blocks:
        return chosen
    return [b for b, c in zip(blocks, codes, strict=True) if codes[0][0] in c]


def _publishers(r, parties: _Parties, w_el, named: list, where: str,
                notes: list[str]) -> tuple[ErnShare, ...]:
    """A 3.8 work's publishers and their shares.

    `MusicalWork/RightShare/RightsController` (role RightsController, or none given) with its
    own `RightSharePercentage`, else its RightShare's when it is the only controller there, else
    100 % when it is the only controller of the work ("If no information is given, 100% is
    assumed"). A party repeated in several RightShares (one per RightsType) keeps its first
    share. Without RightShare, the publishers `named` as contributors in the role MusicPublisher
    (MusicalWorkContributor, IndirectResourceContributor): one holds 100 %; several without
    shares are left out (a note) so the rule denies until their shares are delivered."""
    blocks = _worldwide(kids(w_el, "RightShare")) if w_el is not None else []
    found = []  # (element, its RightShare, where)
    for i, b in enumerate(blocks):
        for j, rc in enumerate(kids(b, "RightsController")):
            roles = {(x.text or "").strip() for x in kids(rc, "RightsControllerRole")}
            if not roles or roles & MASTER_ROLES:
                found.append((rc, b, f"{where}/RightShare[{i}]/RightsController[{j}]"))
    out: dict[str, ErnShare] = {}
    if found:
        complete = True
        for rc, b, here in found:
            ref = parties.of(rc, here)
            alone = len(kids(b, "RightsController")) == 1
            if text(rc, "RightSharePercentage") is not None:
                share = r.percent(rc, here)
            elif alone and text(b, "RightSharePercentage") is not None:
                share = r.percent(b, here.rpartition("/")[0])
            elif len(found) == 1 and as_bool(text(rc, "RightShareUnknown")) is not True and \
                    as_bool(text(b, "RightShareUnknown")) is not True:
                share = Decimal(100)
            else:
                unknown = True in (as_bool(text(rc, "RightShareUnknown")),
                                   as_bool(text(b, "RightShareUnknown")))
                r.bad(here, "RightShareUnknown: Accord needs every holder's exact share"
                      if unknown else "no RightSharePercentage")
                complete = False
                continue
            if ref is not None and share is not None and ref not in out:
                out[ref] = ErnShare(ref, share)
        total = sum((s.share for s in out.values()), Decimal(0))
        if out and complete and total != 100:
            r.bad(f"{where}/RightShare", f"publisher shares sum to {total}, not exactly 100; "
                  "the message is rejected")
        return tuple(out.values())
    refs = list(dict.fromkeys(x for x in (parties.of(c, here) for c, here in named) if x))
    if len(refs) == 1:
        return (ErnShare(refs[0], Decimal(100)),)
    if refs:
        notes.append(f"{where}: {len(refs)} publishers named without RightShare; none recorded, "
                     "so the permission rule denies the work's uses until their shares arrive")
    return ()


def _recording(r, parties: _Parties, el, i: int, work_list: dict, notes: list[str]) -> tuple:
    ref = text(el, "ResourceReference")
    where = f"SoundRecording[{ref or i}]"
    if not ref:
        r.bad(where, "no ResourceReference")
        return None, None, []
    ids = kids(el, "SoundRecordingId")
    isrc = next(((text(x, "ISRC") or "").replace("-", "").upper() for x in ids
                 if text(x, "ISRC")), "")
    prop = next(((p.get("Namespace") or "", (p.text or "").strip()) for x in ids
                 for p in kids(x, "ProprietaryId") if (p.text or "").strip()), None)
    from accord.catalog.ddex import ISRC, RECORDING_WRITER_ROLES, WRITER_ROLES

    if isrc and not ISRC.match(isrc):
        r.bad(f"{where}/SoundRecordingId/ISRC", f"{isrc!r} is not an ISRC")
    details = _details(el, "SoundRecording")
    t = _title(el, details)
    if not t.proper:
        r.bad(f"{where}/ReferenceTitle", "no title")
    artists, contributors, writer_els = [], [], []
    if details is not None:
        for j, a in enumerate(kids(details, "DisplayArtist")):
            pref = parties.of(a, f"{where}/DisplayArtist[{j}]")
            if pref is not None:
                artists.append((pref, text(a, "ArtistRole") or "MainArtist"))
        for j, c in enumerate(kids(details, "ResourceContributor")):
            pref = parties.of(c, f"{where}/ResourceContributor[{j}]")
            if pref is not None:
                contributors.append((pref, tuple((x.text or "").strip() for x in
                                                 kids(c, "ResourceContributorRole")
                                                 if (x.text or "").strip())))
        writer_els = kids(details, "IndirectResourceContributor")
    publisher_els = [(c, f"{where}/IndirectResourceContributor[{j}]")
                     for j, c in enumerate(writer_els)
                     if {(x.text or "").strip() for x in kids(c, "IndirectResourceContributorRole")}
                     & PUBLISHER_ROLES]
    masters = _masters(r, parties, details, where)
    writers = []
    for j, c in enumerate(writer_els):
        roles = [(x.text or "").strip() for x in kids(c, "IndirectResourceContributorRole")]
        role = next((x for x in roles if x in RECORDING_WRITER_ROLES), None)
        pref = parties.of(c, f"{where}/IndirectResourceContributor[{j}]")
        if role and pref:
            writers.append(ErnWriter(pref, role, r.percent(c, f"{where}/IndirectResource"
                                                           f"Contributor[{j}]")))
    iswc = next((text(x, "ISWC") for x in kids(el, "IndirectSoundRecordingId")
                 if text(x, "ISWC")), None)
    linked = [(x.text or "").strip() for x in descendants(el, "ResourceMusicalWorkReference")
              if len(x) == 0 and (x.text or "").strip()]
    w_el = next((work_list[x] for x in linked if x in work_list), None)
    w_where = f"MusicalWork[{text(w_el, 'MusicalWorkReference')}]" if w_el is not None else ""
    if w_el is not None:
        iswc = iswc or text(w_el, "MusicalWorkId", "ISWC")
        work_contributors = kids(w_el, "MusicalWorkContributor")
        own_writers = not writers  # the work's writers only when the recording names none
        for j, c in enumerate(work_contributors):
            roles = {(x.text or "").strip() for x in kids(c, "MusicalWorkContributorRole")}
            here = f"{w_where}/MusicalWorkContributor[{j}]"
            if roles & PUBLISHER_ROLES:
                publisher_els.append((c, here))
            elif own_writers and roles & WRITER_ROLES:  # as ERN 4's MusicalWorkContributor
                pref = parties.of(c, here)
                if pref:
                    writers.append(ErnWriter(pref, sorted(roles & WRITER_ROLES)[0], None))
    publishers = _publishers(r, parties, w_el, publisher_els, w_where or where, notes)
    work = None
    if iswc or writers or publishers:
        work = ErnWork(f"{ref}/work", t.proper or ref, r.iswc(iswc, f"{where}/ISWC"),
                       tuple(writers), publishers)
    ai = {}
    inst = as_bool(text(el, "IsInstrumental"))
    if inst is not None:
        ai["is_instrumental"] = inst
    rec = ErnRecording(ref, isrc, t.proper or ref, work.ref if work else None, tuple(artists),
                       tuple(contributors), masters, ai, subtitle=t.subtitle,
                       display_title=t.display, proprietary=None if isrc else prop)
    labels = [text(x) for x in kids(details, "LabelName")] if details is not None else []
    return rec, work, [x for x in labels if x]


def _resource(el, kind: str) -> ErnResource | None:
    ref = text(el, "ResourceReference")
    if not ref:
        return None
    id_els = kids(el, ERN38["resource_id"][kind]) or [  # a name we have not seen: any <..Id>
        c for c in el if local(c).endswith("Id") and not local(c).startswith("Indirect")]
    ids = tuple((local(c), (c.text or "").strip()) for x in id_els
                for c in x if isinstance(c.tag, str) and (c.text or "").strip())
    t = _title(el, _details(el, kind))
    kind_type = text(el, ERN38["resource_type"][kind]) or next(
        (text(c) for c in el if local(c).endswith("Type") and text(c)), None)
    return ErnResource(ref, kind, kind_type, ids[:20], t.display or t.proper or None)


def read_message38(root, source: str, r):
    """(message, problems) for an ERN 3.8.x NewReleaseMessage or PurgeReleaseMessage."""
    from accord.catalog.ddex_message import check_identities, finish, header

    head = header(r, root)
    version = (root.tag.rpartition("/")[2].split("}")[0]) if isinstance(root.tag, str) else "38"
    parties = _Parties(r)
    notes: list[str] = []
    work_list = {text(w, "MusicalWorkReference"): w for w in descendants(root, "MusicalWork")
                 if text(w, "MusicalWorkReference")}
    recordings, works, resources = {}, {}, {}
    label_of_rec: dict[str, list[str]] = {}
    resource_list = kid(root, "ResourceList")
    for i, el in enumerate(resource_list if resource_list is not None else []):
        kind = local(el)
        if kind == "SoundRecording":
            rec, work, labels = _recording(r, parties, el, i, work_list, notes)
            if rec is not None:
                recordings[rec.ref] = rec
                label_of_rec[rec.ref] = labels
            if work is not None:
                works[work.ref] = work
        elif kind in ERN38["resource_kinds"]:
            res = _resource(el, kind)
            if res is None:  # nothing can refer to it: a note, never a rejection
                notes.append(f"ResourceList/{kind}[{i}]: no ResourceReference; skipped")
                continue
            resources[res.ref] = res
            notes.append(f"{kind}[{res.ref}] ({res.type or 'no type'}): recorded as a release "
                         "resource; only sound recordings enter the rights registry")
        elif kind:
            notes.append(f"ResourceList/{kind}[{i}]: not an ERN 3.8 resource type; skipped")
    deals: dict[str, list] = {}
    for rd in descendants(root, "ReleaseDeal"):
        these = [r.deal(d, head[4]) for d in kids(rd, "Deal")]
        for ref_el in kids(rd, "DealReleaseReference"):
            deals.setdefault((ref_el.text or "").strip(), []).extend(these)
    release_els = list(descendants(root, "Release")) + list(descendants(root, "PurgedRelease"))
    main = [el for el in release_els if as_bool(el.get("IsMainRelease")) is True] or [
        el for el in release_els if text(el, "ReleaseType") not in TRACK_RELEASES]
    releases = []
    for i, el in enumerate(release_els):
        ref = text(el, "ReleaseReference") or f"#{i}"
        rtype = text(el, "ReleaseType")
        if main and el not in main and (rtype in TRACK_RELEASES or rtype is None):
            notes.append(f"Release[{ref}] ({rtype or 'not the main release'}): a track release; "
                         "skipped, its recordings arrive through the main release")
            continue
        rid = kid(el, "ReleaseId")
        details = _details(el, "Release")
        t = _title(el, details)
        refs = tuple(dict.fromkeys((d.text or "").strip() for d in
                                   descendants(el, "ReleaseResourceReference")
                                   + descendants(el, "LinkedReleaseResourceReference")
                                   if (d.text or "").strip()))
        names = [text(x) for x in kids(details, "LabelName")] if details is not None else []
        names += [n for ref_ in refs for n in label_of_rec.get(ref_, [])]
        labels = []
        for n in dict.fromkeys(x for x in names if x):
            pref = parties.add(f"P38:{n}", n)
            labels.append(ErnLabel(pref, n))
        releases.append(ErnRelease(
            ref, text(rid, "ICPN") if rid is not None else None,
            text(rid, "GRid") if rid is not None else None,
            text(rid, "ProprietaryId") if rid is not None else None,
            t.proper or ref, refs, tuple(deals.get(ref, ())), subtitle=t.subtitle,
            display_title=t.display, labels=tuple(labels), release_type=rtype))
    bonus = {ref for ref, el in ((text(x, "ResourceReference"), x)
                                 for x in kids(resource_list, "SoundRecording"))
             if as_bool(text(el, "IsBonusResource")) is True} if resource_list is not None \
        else set()
    bonus |= {text(x, "ReleaseResourceReference") for x in
              descendants(root, "ResourceGroupContentItem")
              if as_bool(text(x, "IsBonusResource")) is True}
    releases = tuple(releases)
    check_identities(r, recordings, releases, bonus, "3")
    return finish(r, root, local(root), version, head, parties.parties, works, recordings,
                   resources, releases, notes)
