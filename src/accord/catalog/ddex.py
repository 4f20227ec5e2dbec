"""DDEX ERN messages read into frozen records: pure, no storage, errors collected as values.

`read_message(root, source)` returns `(message, problems)`; a message with any problem is
rejected whole by the caller. ERN 4.x is read here, ERN 3.8.x by `accord.catalog.ddex38` into
the same records; the element names of both are tabled in `accord.catalog.ddex_names`.
Resources that are not sound recordings are recorded (never a reason to refuse a message), and
what is read but skipped is listed in the message's `notes`. Child elements are matched by
local name (ERN qualifies only the root element; some senders qualify everything). The subset
read, and what each element becomes in the registry, is tabled in docs/catalog.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from accord import identifiers
from accord.catalog.ddex_elements import (
    as_bool,
    deal_end,
    descendants,
    ern4_title,
    kid,
    kids,
    local,
    text,
    title_of,
)
from accord.catalog.ddex_message import NEW_RELEASE, check_identities, finish, header
from accord.catalog.ddex_model import (
    PURGE_ROOTS,
    ErnDeal,
    ErnLabel,
    ErnMessage,
    ErnParty,
    ErnRecording,
    ErnRelease,
    ErnResource,
    ErnShare,
    ErnWork,
    ErnWriter,
)
from accord.catalog.ddex_names import (
    ERN4,
    ERN4_AI_CONTAINS,
    ERN4_AI_CONTRIBUTION,
    ERN4_AI_CONTRIBUTOR,
    ERN4_AI_CONTRIBUTOR_REF,
    ERN4_AI_FLAGS,
    ERN4_AI_OTHER_RESOURCES,
    ERN4_AI_RELEASE,
    ERN4_AI_SPECIAL_CONTRIBUTOR,
    ERN4_AI_VALUES,
    ERN4_NAMESPACE,
    ERN38_NAMESPACE,
)
from accord.errors import Problem

ERN_NAMESPACE = ERN4_NAMESPACE  # ERN 4.x; ERN 3.8.x: ddex_names.ERN38_NAMESPACE
HUNDRED = Decimal(100)
ISRC = identifiers.ISRC
#: Contributor roles that make a work contributor one of its writers.
WRITER_ROLES = frozenset({"Composer", "Lyricist", "ComposerLyricist", "Writer", "Songwriter",
                          "Librettist", "Arranger"})
#: The same, for a SoundRecording's own Contributors (ERN 4): an Arranger credited on a
#: recording arranged that performance and holds no share of the underlying work.
RECORDING_WRITER_ROLES = WRITER_ROLES - {"Arranger"}


def ai_disclosure(el) -> tuple[dict, list[tuple[str, str]]]:
    """A SoundRecording's AI disclosure as data, read by the names of ddex_names' one AI table
    (checked against the ERN 4.3.1 XSD): `contains_ai` (ContainsAI: All, Partly or None, as
    sent), `contributor_ai` ({ContributorPartyReference: AiContribution}; a SpecialContributor
    GenerativeAI without one counts as All, the schema's default) and the vocal/instrumental
    flags. Problems: (element path, message) for a value outside the schema's set."""
    out: dict = {}
    problems: list[tuple[str, str]] = []
    for name, key in ERN4_AI_FLAGS.items():
        raw = text(el, name)
        if raw is not None:
            value = as_bool(raw)
            if value is None:
                problems.append((name, f"{raw!r} is not true/false"))
            out[key] = value
    raw = text(el, ERN4_AI_CONTAINS)
    if raw is not None:
        if raw not in ERN4_AI_VALUES:
            problems.append((ERN4_AI_CONTAINS, f"{raw!r} is not one of "
                             f"{', '.join(ERN4_AI_VALUES)}"))
        else:
            out["contains_ai"] = raw
    contributors: dict[str, str] = {}
    special, generative = ERN4_AI_SPECIAL_CONTRIBUTOR
    for i, c in enumerate(kids(el, ERN4_AI_CONTRIBUTOR)):
        who = text(c, ERN4_AI_CONTRIBUTOR_REF) or text(c, special) or f"#{i}"
        raw = text(c, ERN4_AI_CONTRIBUTION)
        if raw is None and text(c, special) == generative:
            raw = "All"
        if raw is None:
            continue
        if raw not in ERN4_AI_VALUES:
            problems.append((f"{ERN4_AI_CONTRIBUTOR}[{i}]/{ERN4_AI_CONTRIBUTION}",
                             f"{raw!r} is not one of {', '.join(ERN4_AI_VALUES)}"))
        else:
            contributors[who] = raw
    if contributors:
        out["contributor_ai"] = contributors
    return out, problems


def release_resource_refs(el) -> tuple[str, ...]:
    """The resource references a Release lists (ReleaseResourceReference and
    LinkedReleaseResourceReference anywhere inside it), in order, each once."""
    return tuple(dict.fromkeys(
        (d.text or "").strip() for name in ("ReleaseResourceReference",
                                            "LinkedReleaseResourceReference")
        for d in descendants(el, name) if (d.text or "").strip()))


def _contains(el, where: str, problems: list[tuple[str, str]]) -> str | None:
    """`el`'s own ContainsAI as sent, or None; a value outside avs:ContainsAI is a problem."""
    raw = text(el, ERN4_AI_CONTAINS)
    if raw is not None and raw not in ERN4_AI_VALUES:
        problems.append((f"{where}/{ERN4_AI_CONTAINS}",
                         f"{raw!r} is not one of {', '.join(ERN4_AI_VALUES)}"))
        return None
    return raw


def release_ai(root) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    """Release-level ContainsAI (ERN 4.3.2, ddex_names.ERN4_AI_RELEASE) as
    {resource reference: {release reference: value}} for every resource a declaring Release
    lists, so each recording can carry its releases' declarations; problems as in
    `ai_disclosure`."""
    out: dict[str, dict[str, str]] = {}
    problems: list[tuple[str, str]] = []
    release_list = kid(root, "ReleaseList")
    for i, rel in enumerate([] if release_list is None else kids(release_list, ERN4_AI_RELEASE)):
        ref = text(rel, "ReleaseReference") or f"#{i}"
        value = _contains(rel, f"Release[{ref}]", problems)
        if value is None:
            continue
        for resource in release_resource_refs(rel):
            out.setdefault(resource, {})[ref] = value
    return out, problems


def resource_ai(root) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """ContainsAI of the message's other resources (Image, Video, Text:
    ddex_names.ERN4_AI_OTHER_RESOURCES) as {"Image[A2]": value}: what they declare of
    themselves (cover art, a video, lyrics), kept as evidence, never a recording's extent."""
    out: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    resources = kid(root, "ResourceList")
    for i, el in enumerate(resources if resources is not None else []):
        kind = local(el)
        if kind not in ERN4_AI_OTHER_RESOURCES:
            continue
        where = f"{kind}[{text(el, 'ResourceReference') or f'#{i}'}]"
        value = _contains(el, where, problems)
        if value is not None:
            out[where] = value
    return out, problems


#: extent -> strength: any AI said anywhere that covers the recording wins over "none".
_STRENGTH = {"all": 2, "partly": 1, "none": 0}


def ai_extent(disclosure: dict) -> str | None:
    """How much of a recording its disclosure says GenerativeAI made: "all", "partly", "none",
    or None when it says nothing. The recording's ContainsAI decides for itself; without it, a
    contributor whose AiContribution is All or Partly makes the recording at least "partly" AI
    (a contributor's None says nothing of the whole). A declaring Release's ContainsAI
    (`release_ai`) covers the recording too: the strongest of the two is the extent."""
    disclosure = disclosure or {}
    own = None
    contains = disclosure.get("contains_ai")
    if contains in ERN4_AI_VALUES:
        own = ERN4_AI_VALUES[contains]
    elif any(v in ("All", "Partly") for v in (disclosure.get("contributor_ai") or {})
             .values()):
        own = "partly"
    said = [own] if own else []
    said += [ERN4_AI_VALUES[v] for v in (disclosure.get("release_ai") or {}).values()
             if v in ERN4_AI_VALUES]
    return max(said, key=_STRENGTH.__getitem__) if said else None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def bad(self, where: str, msg: str) -> None:
        self.problems.append(Problem(f"{self.source}:{where}", msg))

    def percent(self, el, where: str) -> Decimal | None:
        """`RightSharePercentage` in percent; ERN 4's `HasMaxValueOfOne="true"` writes it as a
        fraction of one (0.25 for 25 %)."""
        pct = kid(el, "RightSharePercentage")
        raw = text(el, "RightSharePercentage")
        if raw is None:
            return None
        of_one = as_bool(pct.get("HasMaxValueOfOne")) is True
        try:
            d = Decimal(raw)
        except InvalidOperation:
            d = None
        top = Decimal(1) if of_one else HUNDRED
        if d is None or not d.is_finite() or d <= 0 or d > top:
            self.bad(where, f"RightSharePercentage {raw!r} is not a percentage in (0, {top}]")
            return None
        return d * HUNDRED if of_one else d

    def iswc(self, raw: str | None, where: str) -> str | None:
        """An ISWC as given, or None (a malformed one is a problem)."""
        if raw is not None and not identifiers.is_iswc(raw):
            self.bad(where, f"{raw!r} is not an ISWC")
            return None
        return raw

    def shares(self, els: list, where: str, kind: str) -> tuple[ErnShare, ...]:
        out = []
        for i, rc in enumerate(els):
            ref = text(rc, "RightsControllerPartyReference") or text(rc, "PartyReference")
            if ref is None:
                self.bad(f"{where}[{i}]", "no RightsControllerPartyReference")
            if text(rc, "RightSharePercentage") is None:
                unknown = as_bool(text(rc, "RightShareUnknown")) is True
                self.bad(f"{where}[{i}]", "RightShareUnknown: Accord needs every holder's "
                         "exact share" if unknown else "no RightSharePercentage")
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
            if not identifiers.is_isni(isni):
                self.bad(f"Party[{ref}]/PartyId/ISNI",
                         f"{isni.replace(' ', '').upper()!r} is not an ISNI (16 characters)")
            isni = identifiers.normalise_isni(isni)
        if ipi is not None and not identifiers.IPI.match(ipi):
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
        iswc = self.iswc(text(el, "MusicalWorkId", "ISWC") or text(el, "WorkId", "ISWC"),
                         f"{where}/MusicalWorkId/ISWC")
        writers = self.writers(kids(el, "MusicalWorkContributor") + kids(el, "Contributor"),
                               where)
        publishers = self.shares(kids(el, "WorkRightsController"),
                                 f"{where}/WorkRightsController", "publisher")
        return ErnWork(ref, title_of(el) or ref, iswc, writers, publishers)

    def writers(self, contributors: list, where: str,
                roles_of_writers: frozenset[str] = WRITER_ROLES) -> tuple[ErnWriter, ...]:
        """The contributors whose role makes them writers of the work (shares optional: all or
        none, summing to 100)."""
        writers = []
        for j, c in enumerate(contributors):
            pref = text(c, "ContributorPartyReference") or text(c, "PartyReference")
            roles = [r.text.strip() for r in kids(c, "Role") if r.text and r.text.strip()]
            role = next((r for r in roles if r in roles_of_writers), None)
            if pref is None:
                self.bad(f"{where}/Contributor[{j}]", "no ContributorPartyReference")
            elif role is not None:
                writers.append(ErnWriter(pref, role, self.percent(c, f"{where}/Contributor[{j}]")))
        given = [w for w in writers if w.share is not None]
        if given and len(given) != len(writers):
            self.bad(f"{where}/Contributor", "RightSharePercentage is given for some writers "
                     "but not all")
        elif given and sum((w.share for w in given), Decimal(0)) != HUNDRED:
            total = sum((w.share for w in given), Decimal(0))
            self.bad(f"{where}/Contributor", f"writer shares sum to {total}, not exactly 100; "
                     "the message is rejected")
        return tuple(writers)

    def embedded_work(self, el, ref: str, title: str) -> ErnWork | None:
        """ERN 4's own way to name a recording's work: inside the SoundRecording, `WorkId`
        (ISWC), the `Contributor`s in writer roles and the `WorkRightsController`s (ERN 4 has no
        work list). None when the recording says nothing about its work."""
        where = f"SoundRecording[{ref}]"
        work_id = kid(el, "WorkId")
        contributors = kids(el, "Contributor")
        writer_els = [c for c in contributors
                      if any((r.text or "").strip() in RECORDING_WRITER_ROLES
                             for r in kids(c, "Role"))]
        controllers = kids(el, "WorkRightsController")
        if work_id is None and not writer_els and not controllers:
            return None
        iswc = self.iswc(text(work_id, "ISWC") if work_id is not None else None,
                         f"{where}/WorkId/ISWC")
        return ErnWork(f"{ref}/WorkId", title, iswc,
                       self.writers(writer_els, where, RECORDING_WRITER_ROLES),
                       self.shares(controllers, f"{where}/WorkRightsController", "publisher"))

    def recording(self, el, i: int) -> tuple[ErnRecording | None, ErnWork | None]:
        """The recording, and its work when the recording itself describes it."""
        ref = text(el, "ResourceReference")
        where = f"SoundRecording[{ref or i}]"
        if not ref:
            self.bad(where, "no ResourceReference")
            return None, None
        isrc_els = [d for d in descendants(el, "ISRC")]
        raw_isrc = (isrc_els[0].text or "") if isrc_els else ""
        isrc = identifiers.normalise_isrc(raw_isrc) or raw_isrc.strip().replace("-", "").upper()
        prop = next(((p.get("Namespace") or "", (p.text or "").strip())
                     for rid in descendants(el, ERN4["resource_id"][0])
                     for p in kids(rid, "ProprietaryId") if (p.text or "").strip()), None)
        if isrc and not ISRC.match(isrc):
            self.bad(f"{where}/ResourceId/ISRC", f"{isrc!r} is not an ISRC")
        t = ern4_title(el)
        title = t.proper
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
        work = None if work_ref else self.embedded_work(el, ref, title or ref)
        rec = ErnRecording(ref, isrc, title or ref, work_ref or (work.ref if work else None),
                           tuple(artists), tuple(contributors), masters, self.ai(el, where),
                           subtitle=t.subtitle, display_title=t.display,
                           proprietary=None if isrc else prop)
        return rec, work

    def resource(self, el, kind: str, i: int) -> ErnResource | None:
        """A resource that is not a sound recording, as data (type, ids, title)."""
        ref = text(el, "ResourceReference")
        if not ref:  # nothing can refer to it: noted by the caller, never a rejection
            return None
        ids = tuple((local(c), (c.text or "").strip()) for rid in descendants(el, "ResourceId")
                    for c in rid if isinstance(c.tag, str) and (c.text or "").strip())
        title = ern4_title(el)
        return ErnResource(ref, kind, text(el, "Type"), ids[:20],
                           (title.display or title.proper or None))

    def ai(self, el, where: str) -> dict:
        out, problems = ai_disclosure(el)
        for path, msg in problems:
            self.bad(f"{where}/{path}", msg)
        return out

    def deal(self, el, created: datetime | None) -> ErnDeal:
        """A deal as data. ERN 4 has no TakeDown flag: a sender ends a deal by giving its
        ValidityPeriod an end (EndDate is its last day); `ended` says whether that end had
        passed when the message was created. ERN 3's `TakeDown` is still honoured."""
        terms = kid(el, "DealTerms")
        terms = el if terms is None else terms
        periods = kids(terms, "ValidityPeriod")
        starts = [text(p, "StartDate") or text(p, "StartDateTime") for p in periods]
        given_ends = [text(p, "EndDate") or text(p, "EndDateTime") for p in periods]
        ends = [deal_end(p) for p in periods]
        return ErnDeal(
            territories=tuple(t.text.strip() for t in kids(terms, "TerritoryCode") if t.text),
            commercial_models=tuple(t.text.strip() for t in kids(terms, "CommercialModelType")
                                    if t.text),
            use_types=tuple(t.text.strip() for t in descendants(terms, "UseType") if t.text),
            start=next((x for x in starts if x), None),
            end=next((x for x in given_ends if x), None),
            takedown=bool(as_bool(text(terms, "TakeDown"))),
            ended=bool(periods) and created is not None
            and all(e is not None and e <= created for e in ends))

    def release(self, el, i: int, deals: dict[str, list[ErnDeal]],
                parties: dict[str, ErnParty]) -> ErnRelease:
        ref = text(el, "ReleaseReference") or f"#{i}"
        rid = kid(el, "ReleaseId")
        refs = release_resource_refs(el)
        t = ern4_title(el)
        labels = []
        for j, lab in enumerate(kids(el, ERN4["release_label"][0])):
            pref = (lab.text or "").strip()
            if pref not in parties:
                self.bad(f"Release[{ref}]/ReleaseLabelReference[{j}]",
                         f"unknown party {pref!r}")
            elif pref not in [x.party_ref for x in labels]:
                labels.append(ErnLabel(pref, parties[pref].name))
        return ErnRelease(ref, text(rid, "ICPN"), text(rid, "GRid"),
                          text(rid, "ProprietaryId"), t.proper or title_of(el) or ref, refs,
                          tuple(deals.get(ref, ())), subtitle=t.subtitle,
                          display_title=t.display, labels=tuple(labels),
                          release_type=text(el, "ReleaseType"))


def read_message(root, source: str) -> tuple[ErnMessage | None, list[Problem]]:
    r = _Reader(source)
    name, ns = local(root), etree.QName(root).namespace or ""
    if name != NEW_RELEASE and name not in PURGE_ROOTS:
        r.bad("/", f"root element is <{name}>, not an ERN NewReleaseMessage or "
              "PurgedReleaseMessage")
        return None, r.problems
    if ERN38_NAMESPACE.match(ns):
        if kid(root, "PartyList") is not None:
            r.bad("/", f"<{name}> has the ERN 3.8 namespace {ns!r} but ERN 4's shape (a "
                  "PartyList): that mix of ERN 4 and ERN 3 is not supported; send ERN 3.8's "
                  "own shape or an ERN 4.x namespace")
            return None, r.problems
        from accord.catalog.ddex38 import read_message38

        return read_message38(root, source, r)
    m = ERN_NAMESPACE.match(ns)
    if m is None:
        what = f"namespace {ns!r}" if ns else "no namespace"
        hint = (" (of ERN 3, only 3.8, 3.8.1, 3.8.2 and 3.8.3 are read: ERN 3 is not supported "
                "before 3.8)" if "/ern/3" in ns else "")
        r.bad("/", f"<{name}> has {what}; expected an ERN 4.x namespace "
              f"http://ddex.net/xml/ern/4x or ERN 3.8.x http://ddex.net/xml/ern/38x{hint}")
        return None, r.problems
    message_id, thread_id, sender_dpid, sender_name, created = header(r, root)
    notes: list[str] = []
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
        rec, work = r.recording(el, i)
        if rec is not None:
            recordings[rec.ref] = rec
        if work is not None:
            works[work.ref] = work
    resources: dict[str, ErnResource] = {}
    resource_list = kid(root, "ResourceList")
    for i, el in enumerate(resource_list if resource_list is not None else []):
        kind = local(el)
        if not kind or kind == "SoundRecording":
            continue
        if kind not in ERN4["resource_kinds"]:
            notes.append(f"ResourceList/{kind}[{i}]: not an ERN 4 resource type; skipped")
            continue
        res = r.resource(el, kind, i)
        if res is None:
            notes.append(f"ResourceList/{kind}[{i}]: no ResourceReference; skipped")
        else:
            resources[res.ref] = res
            notes.append(f"{kind}[{res.ref}] ({res.type or 'no type'}): recorded as a release "
                         "resource; only sound recordings enter the rights registry")
    deals: dict[str, list[ErnDeal]] = {}
    for rd in descendants(root, "ReleaseDeal"):
        these = [r.deal(d, created) for d in kids(rd, "Deal")]
        for ref_el in kids(rd, "DealReleaseReference"):
            deals.setdefault((ref_el.text or "").strip(), []).extend(these)
    release_els = [el for el in descendants(root, "Release")] + \
        [el for el in descendants(root, "PurgedRelease")]
    for kind in ERN4["release_skipped"]:
        for el in descendants(root, kind):
            notes.append(f"{kind}[{text(el, 'ReleaseReference') or '?'}]: skipped; its "
                         "recordings arrive through the main Release")
    releases = tuple(r.release(el, i, deals, parties) for i, el in enumerate(release_els))
    by_release, problems = release_ai(root)
    for ref, declared in by_release.items():
        if ref in recordings:
            rec = recordings[ref]
            recordings[ref] = replace(rec, ai={**rec.ai, "release_ai": declared})
    others, more = resource_ai(root)
    for where, msg in problems + more:
        r.bad(where, msg)
    notes += [f"{where}: ContainsAI {value} (declared for that resource, not for the audio)"
              for where, value in others.items()]
    bonus = {text(item, "ReleaseResourceReference") for item in
             descendants(root, "ResourceGroupContentItem")
             if as_bool(text(item, "IsBonusResource")) is True}
    check_identities(r, recordings, releases, bonus, "4")
    return finish(r, root, name, ns.rsplit("/", 1)[1], (message_id, thread_id, sender_dpid,
                   sender_name, created), parties, works, recordings, resources, releases,
                   notes)
