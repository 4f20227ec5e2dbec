"""Benchmark: DDEX ERN import rate on generated album messages (fictional data).

    PYTHONPATH=src python bench/ddex_import.py [--messages 200] [--tracks 10] [--out FILE]

Generates N NewReleaseMessages in ERN 4.3 and N in ERN 3.8.2, each an album of T recordings
over T works with three writers and two master owners (4.3 also two publishers), a cover
image, and a label, from 50 recurring artists and writers (so later messages update existing
parties). Imports each delivery one transaction per message into a fresh SQLite registry, then
imports it again (every message skipped on its MessageId), and prints messages/s for all four
as JSON, in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from accord.catalog.ddex_import import import_files
from accord.cli.common import initialise
from accord.config import Settings

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43" AvsVersionId="3">
<MessageHeader><MessageId>BENCH-{m:05d}</MessageId>
<MessageSender><PartyId>PADPIDA2026099999B</PartyId></MessageSender>
<MessageCreatedDateTime>2026-03-01T10:{mm:02d}:{ss:02d}Z</MessageCreatedDateTime></MessageHeader>
"""


def _party(ref: str, name: str, ident: str = "") -> str:
    return (f"<Party><PartyReference>{ref}</PartyReference>{ident}"
            f"<PartyName><FullName>{name}</FullName></PartyName></Party>")


def _rc(tag: str, ref: str, share: str) -> str:
    return (f"<{tag}><RightsControllerPartyReference>{ref}</RightsControllerPartyReference>"
            f"<RightSharePercentage>{share}</RightSharePercentage></{tag}>")


PLAIN = False  # --plain: no cover image, no label (the shape bench/ddex_import.py had before)


def album(m: int, tracks: int) -> str:
    artist, w = m % 50, [(m + k) % 50 for k in range(3)]
    parties = [_party("PA", f"Bench Artist {artist}",
                      f"<PartyId><ISNI>{9000000000000000 + artist}</ISNI></PartyId>"),
               _party("PL1", "Bench Label One", "<PartyId><DPID>PADPIDA2026099999B</DPID>"
                      "</PartyId>"),
               _party("PL2", "Bench Label Two"), _party("PP1", "Bench Publisher One"),
               _party("PP2", "Bench Publisher Two")]
    parties += [_party(f"PW{k}", f"Bench Writer {x}",
                       f"<PartyId><IpiNameNumber>{100000000 + x}</IpiNameNumber></PartyId>")
                for k, x in enumerate(w)]
    recs, refs = [], []
    for t in range(tracks):
        # ERN 4's own shape: the work is described inside the SoundRecording (WorkId, the
        # writers as Contributors, WorkRightsController); ERN 4 has no work list.
        writers = "".join(
            f"<Contributor><ContributorPartyReference>PW{k}</ContributorPartyReference>"
            "<Role>Composer</Role></Contributor>" for k in range(3))
        recs.append(
            f"<SoundRecording><ResourceReference>A{t}</ResourceReference>"
            "<Type>MusicalWorkSoundRecording</Type>"
            f"<SoundRecordingEdition><ResourceId><ISRC>XDBEN{m * 100 + t:07d}</ISRC>"
            f"</ResourceId></SoundRecordingEdition>"
            f"<WorkId><ProprietaryId Namespace=\"DPID:PADPIDA2026099999B\">BW{m}-{t}"
            "</ProprietaryId></WorkId>"
            f"<DisplayTitleText>Bench Song {m}-{t}</DisplayTitleText>"
            f"<DisplayArtist><ArtistPartyReference>PA</ArtistPartyReference>"
            f"<DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist>{writers}"
            + _rc("ResourceRightsController", "PL1", "70")
            + _rc("ResourceRightsController", "PL2", "30")
            + _rc("WorkRightsController", "PP1", "50")
            + _rc("WorkRightsController", "PP2", "50")
            + "<HasVocalPerformance>true</HasVocalPerformance></SoundRecording>")
        refs.append(f"<ResourceGroupContentItem><ReleaseResourceReference>A{t}"
                    f"</ReleaseResourceReference></ResourceGroupContentItem>")
    if not PLAIN:
        recs.append("<Image><ResourceReference>AIMG</ResourceReference><Type>FrontCoverImage"
                    "</Type><ResourceId><ProprietaryId Namespace=\"DPID:PADPIDA2026099999B\">"
                    f"IMG{m}</ProprietaryId></ResourceId></Image>")
        refs.append("<ResourceGroupContentItem><ReleaseResourceReference>AIMG"
                    "</ReleaseResourceReference></ResourceGroupContentItem>")
    label = "" if PLAIN else "<ReleaseLabelReference>PL1</ReleaseLabelReference>"
    return (HEAD.format(m=m, mm=m // 60 % 60, ss=m % 60)
            + "<PartyList>" + "".join(parties) + "</PartyList>"
            + "<ResourceList>" + "".join(recs) + "</ResourceList>"
            + f"<ReleaseList><Release><ReleaseReference>R0</ReleaseReference><ReleaseId>"
            f"<ICPN>{7000000000000 + m}</ICPN></ReleaseId><DisplayTitleText>Bench Album {m}"
            f"</DisplayTitleText>{label}"
            f"<ResourceGroup>{''.join(refs)}</ResourceGroup></Release>"
            "</ReleaseList><DealList><ReleaseDeal><DealReleaseReference>R0"
            "</DealReleaseReference><Deal><DealTerms><TerritoryCode>Worldwide</TerritoryCode>"
            "<ValidityPeriod><StartDate>2026-04-01</StartDate></ValidityPeriod>"
            "<UseType>Stream</UseType></DealTerms></Deal></ReleaseDeal></DealList>"
            "</ern:NewReleaseMessage>\n")


HEAD38 = """<?xml version="1.0" encoding="UTF-8"?>
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/382" MessageSchemaVersionId="ern/382">
<MessageHeader><MessageId>BENCH38-{m:05d}</MessageId>
<MessageSender><PartyId>PADPIDA2026099998C</PartyId></MessageSender>
<MessageCreatedDateTime>2026-03-01T10:{mm:02d}:{ss:02d}Z</MessageCreatedDateTime></MessageHeader>
"""


def _p38(tag: str, name: str, ident: str = "", role: str = "") -> str:
    return (f"<{tag}><PartyName><FullName>{name}</FullName></PartyName>{ident}{role}</{tag}>")


def album38(m: int, tracks: int) -> str:
    """The same album in ERN 3.8.2's shape: inline parties, details by territory, LabelName."""
    artist, w = m % 50, [(m + k) % 50 for k in range(3)]
    recs, refs = [], []
    for t in range(tracks):
        writers = "".join(_p38("IndirectResourceContributor", f"Bench Writer {x}",
                               f"<PartyId><IpiNameNumber>{100000000 + x}</IpiNameNumber>"
                               "</PartyId>",
                               "<IndirectResourceContributorRole>Composer"
                               "</IndirectResourceContributorRole>") for x in w)
        rc = "".join(_p38("RightsController", name, "", "<RightsControllerRole>RightsController"
                          f"</RightsControllerRole><RightSharePercentage>{share}"
                          "</RightSharePercentage>")
                     for name, share in (("Bench Label One", 70), ("Bench Label Two", 30)))
        recs.append(
            "<SoundRecording><SoundRecordingType>MusicalWorkSoundRecording</SoundRecordingType>"
            f"<SoundRecordingId><ISRC>XDBEC{m * 100 + t:07d}</ISRC></SoundRecordingId>"
            f"<ResourceReference>A{t}</ResourceReference><ReferenceTitle><TitleText>Bench Song "
            f"{m}-{t}</TitleText></ReferenceTitle><Duration>PT3M</Duration>"
            "<SoundRecordingDetailsByTerritory><TerritoryCode>Worldwide</TerritoryCode>"
            + _p38("DisplayArtist", f"Bench Artist {artist}",
                   f"<PartyId><ISNI>{9000000000000000 + artist}</ISNI></PartyId>",
                   "<ArtistRole>MainArtist</ArtistRole>")
            + writers + "<LabelName>Bench Label One</LabelName>" + rc
            + "</SoundRecordingDetailsByTerritory></SoundRecording>")
        refs.append(f"<ReleaseResourceReference>A{t}</ReleaseResourceReference>")
    recs.append("<Image><ImageType>FrontCoverImage</ImageType><ImageId><ProprietaryId "
                f"Namespace=\"DPID:PADPIDA2026099998C\">IMG{m}</ProprietaryId></ImageId>"
                "<ResourceReference>AIMG</ResourceReference></Image>")
    refs.append("<ReleaseResourceReference>AIMG</ReleaseResourceReference>")
    return (HEAD38.format(m=m, mm=m // 60 % 60, ss=m % 60)
            + "<ResourceList>" + "".join(recs) + "</ResourceList>"
            + f"<ReleaseList><Release IsMainRelease=\"true\"><ReleaseId><ICPN>"
            f"{8000000000000 + m}</ICPN></ReleaseId><ReleaseReference>R0</ReleaseReference>"
            f"<ReferenceTitle><TitleText>Bench Album {m}</TitleText></ReferenceTitle>"
            f"<ReleaseResourceReferenceList>{''.join(refs)}</ReleaseResourceReferenceList>"
            "<ReleaseType>Album</ReleaseType><ReleaseDetailsByTerritory><TerritoryCode>"
            "Worldwide</TerritoryCode><LabelName>Bench Label One</LabelName>"
            "</ReleaseDetailsByTerritory></Release></ReleaseList>"
            "<DealList><ReleaseDeal><DealReleaseReference>R0</DealReleaseReference><Deal>"
            "<DealTerms><CommercialModelType>SubscriptionModel</CommercialModelType><Usage>"
            "<UseType>OnDemandStream</UseType></Usage><TerritoryCode>Worldwide</TerritoryCode>"
            "<ValidityPeriod><StartDate>2026-04-01</StartDate></ValidityPeriod></DealTerms>"
            "</Deal></ReleaseDeal></DealList></ern:NewReleaseMessage>\n")


def _run(tmp: Path, name: str, make, n: int, tracks: int) -> dict:
    files = []
    for m in range(n):
        p = tmp / f"{name}-{m:05d}.xml"
        p.write_text(make(m, tracks))
        files.append(p)
    s = Settings(home=tmp / f"home-{name}")
    initialise(s)
    first = import_files(s, files)
    again = import_files(s, files)
    rejected = first.to_json()["rejected"]
    return {"bytes_total": sum(p.stat().st_size for p in files),
            "import": {"imported": first.count("imported"), "rejected": len(rejected),
                       "seconds": round(first.seconds, 2),
                       "messages_per_s": round(n / first.seconds, 1),
                       "recordings_per_s": round(n * tracks / first.seconds, 1)},
            "reimport_duplicates": {"skipped": again.count("duplicate"),
                                    "seconds": round(again.seconds, 2),
                                    "messages_per_s": round(n / again.seconds, 1)},
            "rejected_examples": rejected[:3]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--tracks", type=int, default=10)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--plain", action="store_true", help="ERN 4.3 only, without the cover "
                    "image and label: the data the earlier version of this script made, so the "
                    "earlier code can be timed on the same data")
    args = ap.parse_args()
    global PLAIN
    PLAIN = args.plain
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        ern43 = _run(Path(tmp), "ern43", album, args.messages, args.tracks)
        ern38 = None if PLAIN else _run(Path(tmp), "ern382", album38, args.messages,
                                        args.tracks)
    out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
           "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
           "messages": args.messages, "tracks_per_message": args.tracks, "database": "sqlite",
           "shape": "plain" if PLAIN else "with cover image and label",
           "ern43": ern43, "ern382": ern38}
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
