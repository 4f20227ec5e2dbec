"""Benchmark: DDEX ERN import rate on generated album messages (fictional data).

    PYTHONPATH=src python bench/ddex_import.py [--messages 200] [--tracks 10] [--out FILE]

Generates N NewReleaseMessages (ERN 4.3), each an album of T recordings over T works with
three writers, two publishers and two master owners, from 50 recurring artists and writers
(so later messages update existing parties). Imports them one transaction per message into a
fresh SQLite registry, then imports them all again (every one skipped on its MessageId), and
prints messages/s for both as JSON.
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
    return (HEAD.format(m=m, mm=m // 60 % 60, ss=m % 60)
            + "<PartyList>" + "".join(parties) + "</PartyList>"
            + "<ResourceList>" + "".join(recs) + "</ResourceList>"
            + f"<ReleaseList><Release><ReleaseReference>R0</ReleaseReference><ReleaseId>"
            f"<ICPN>{7000000000000 + m}</ICPN></ReleaseId><DisplayTitleText>Bench Album {m}"
            f"</DisplayTitleText><ResourceGroup>{''.join(refs)}</ResourceGroup></Release>"
            "</ReleaseList><DealList><ReleaseDeal><DealReleaseReference>R0"
            "</DealReleaseReference><Deal><DealTerms><TerritoryCode>Worldwide</TerritoryCode>"
            "<ValidityPeriod><StartDate>2026-04-01</StartDate></ValidityPeriod>"
            "<UseType>Stream</UseType></DealTerms></Deal></ReleaseDeal></DealList>"
            "</ern:NewReleaseMessage>\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--tracks", type=int, default=10)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for m in range(args.messages):
            p = Path(tmp) / f"album-{m:05d}.xml"
            p.write_text(album(m, args.tracks))
            files.append(p)
        size = sum(p.stat().st_size for p in files)
        s = Settings(home=Path(tmp) / "home")
        initialise(s)
        load_start = os.getloadavg()
        first = import_files(s, files)
        again = import_files(s, files)
    rejected = first.to_json()["rejected"]
    out = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
           "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
           "messages": args.messages, "tracks_per_message": args.tracks,
           "bytes_total": size, "database": "sqlite",
           "import": {"imported": first.count("imported"), "rejected": len(rejected),
                      "seconds": round(first.seconds, 2),
                      "messages_per_s": round(args.messages / first.seconds, 1),
                      "recordings_per_s": round(args.messages * args.tracks / first.seconds, 1)},
           "reimport_duplicates": {"skipped": again.count("duplicate"),
                                   "seconds": round(again.seconds, 2),
                                   "messages_per_s": round(args.messages / again.seconds, 1)},
           "rejected_examples": rejected[:3]}
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
