"""DDEX deliveries as labels send them (issue 18): every resource type, labels, titles,
proprietary ids, ERN 3.8.x and 4.x, an empty MessageId; browsing what arrived. Messages in
tests/data/ddex/ written from the ERN 3.8.2, 4.2 and 4.3 schemas (fictional data)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.catalog import ddex_browse
from accord.catalog.ddex import read_message
from accord.catalog.ddex_import import import_file
from accord.catalog.ddex_xml import XmlLimits, parse_xml
from accord.cli.main import app
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.rights import audit
from accord.rights import service as rights
from accord.rights.document import parse_document

DATA = Path(__file__).parent / "data" / "ddex"


@pytest.fixture
def home(tmp_path, db_url) -> Settings:
    s = Settings(home=tmp_path / "home", database_url=db_url)
    s.ensure_home()
    return s


def _read(text: str):
    return read_message(parse_xml(text.encode(), "m.xml", XmlLimits()), "m.xml")


def _write(s: Settings, name: str, text: str) -> Path:
    p = s.home / name
    p.write_text(text)
    return p


def test_ern38_album_with_image_and_booklet_keeps_every_track_and_names_its_label(home):
    out = import_file(home, DATA / "ern382-album-mixed.xml")
    assert out.status == "imported", out.problems
    assert out.details["recordings"] == ["rec-ddex-xdfjd2600001", "rec-ddex-xdfjd2600002"]
    assert [(r["kind"], r["type"]) for r in out.details["resources"]] == [
        ("MIDI", None), ("Image", "FrontCoverImage"), ("Text", "Booklet")]
    notes = " | ".join(out.details["notes"])
    assert "Image[A3] (FrontCoverImage): recorded as a release resource" in notes
    assert "Release[R1] (TrackRelease): a track release; skipped" in notes
    [label] = out.details["labels"]
    assert label["name"] == "Polar Bay Records (test label)"
    assert label["master_rights_controller"] is True  # its RightsController too
    assert label["releases"] == ["ddexrel-icpn-5034567890123"]
    with session_scope(make_engine(home.db_url)) as s:
        rec = rights.show(s, "XDFJD2600001")
        assert rec["title"] == "Northern Light (Acoustic Version)"
        assert [m["party"] for m in rec["masters"]] == [label["party"]]
        work = rights.show(s, rec["work"])
        assert work["iswc"] == "T3456789123" and len(work["writers"]) == 2
        party = rights.show(s, label["party"])
        assert "label" in party["roles"]
        assert rights.show(s, "XDFJD2600002")["title"] == "Tidewater"  # not "Astrid Vale - ..."
        rel = ddex_browse.release(s, "5034567890123")
        assert (rel["title"], rel["subtitle"], rel["display_title"]) == (
            "Northern Light", "Deluxe Edition", "Northern Light (Deluxe Edition)")
        t1, t2 = rel["tracks"]
        assert (t1["title"], t1["subtitle"]) == ("Northern Light", "Acoustic Version")
        assert (t2["title"], t2["display_title"]) == ("Tidewater", "Astrid Vale - Tidewater")
        assert [r["kind"] for r in rel["resources"]] == ["Image", "Text", "MIDI"]  # by ref
        assert rel["resources"][2]["title"] == "Northern Light"
        assert rights.show(s, "XDFJD2600002")["masters"][0]["share"] in ("100", "100.00")
        assert rel["deals"][0]["territories"] == ["NO", "SE"]
        assert rel["deals"][0]["use_types"] == ["OnDemandStream"]
        assert rel["labels"][0]["name"] == "Polar Bay Records (test label)"


ERN38_PUBLISHERS = {"ddex-ipi-00777888999": Decimal(60), "ddex-ipi-00777888111": Decimal(40)}


def _license_everyone(s, rec_id: str, use: rights.Use) -> None:
    """Every holder of the recording and its work licenses `use`; every person opts in."""
    rec = rights.show(s, rec_id)
    work = rights.show(s, rec["work"])
    holders = [m["party"] for m in rec["masters"]] + [m["party"] for m in work["publishers"]]
    people = dict.fromkeys(list(rec["artists"])
                           + [w["party"] for w in work["writers"]])
    doc = {"accord_rights_document": 1,
           "agreements": [{"id": f"agr-{i}", "licensor": h, "uses": [use.value],
                           "purpose": "commercial", "catalogue": "all",
                           "valid_from": "2026-01-01T00:00:00Z"}
                          for i, h in enumerate(holders)],
           "consents": [{"id": f"opt-{i}", "party": p, "use": use.value, "action": "opt_in",
                         "effective_at": "2026-01-01T00:00:00Z"}
                        for i, p in enumerate(people)]}
    rights.import_document(s, parse_document(doc, "t"), "t", audit.AuditLog(s, "t"))


def test_ern38_work_publishers_are_read_and_the_rule_needs_them(home):
    """ERN 3.8.2 names a work's publishers in MusicalWork/RightShare/RightsController: they are
    the work's holders, so condition 2 needs their licences, and with every party licensed or
    opted in the use is allowed."""
    out = import_file(home, DATA / "ern382-album-mixed.xml")
    assert out.status == "imported", out.problems
    with session_scope(make_engine(home.db_url)) as s:
        work = rights.show(s, rights.show(s, "XDFJD2600001")["work"])
        assert {p["party"]: Decimal(str(p["share"])) for p in work["publishers"]} == \
            ERN38_PUBLISHERS
        assert "publisher" in rights.show(s, "ddex-ipi-00777888111")["roles"]
        d = rights.check(s, rights.Use.TRAIN, recording="XDFJD2600001")
        missing = " ".join(m.text for m in d.missing)
        assert not d.allowed and "Nordlys Music Publishing" in missing
        _license_everyone(s, "rec-ddex-xdfjd2600001", rights.Use.TRAIN)
        d = rights.check(s, rights.Use.TRAIN, recording="XDFJD2600001")
        assert d.allowed, [m.text for m in d.missing]
        assert not rights.check(s, rights.Use.STYLE, recording="XDFJD2600001").allowed


def test_ern38_work_without_its_publisher_is_denied_even_when_the_rest_agree(home, tmp_path):
    text = (DATA / "ern382-album-mixed.xml").read_text()
    start, end = text.index("<RightShare>"), text.index("</RightShare>") + len("</RightShare>")
    no_share = text[:start] + text[end:]
    no_pub = no_share.replace("<MusicalWorkContributorRole>MusicPublisher<",
                              "<MusicalWorkContributorRole>Translator<")
    out = import_file(home, _write(home, "nopub.xml", no_pub))
    assert out.status == "imported", out.problems
    with session_scope(make_engine(home.db_url)) as s:
        work = rights.show(s, rights.show(s, "XDFJD2600001")["work"])
        assert work["publishers"] == [] and len(work["writers"]) == 2
        _license_everyone(s, "rec-ddex-xdfjd2600001", rights.Use.TRAIN)
        d = rights.check(s, rights.Use.TRAIN, recording="XDFJD2600001")
        assert not d.allowed and any(m.condition == 2 for m in d.missing)


@pytest.mark.parametrize("ns", ["38", "381", "383"])
def test_every_ern38_point_release_reads_the_publishers(ns):
    text = (DATA / "ern382-album-mixed.xml").read_text().replace("ern/382", f"ern/{ns}")
    msg, problems = _read(text)
    assert problems == [] and {(p.party_ref, p.share) for p in msg.works["A1/work"].publishers
                               } == {("P38:00777888999", 60), ("P38:00777888111", 40)}


def test_ern38_publisher_shares_forms():
    """The one MusicPublisher contributor without RightShare holds 100 %; a RightShare's own
    percentage stands for its only controller; shares not summing to 100 reject the message;
    several publishers without shares are left out with a note."""
    text = (DATA / "ern382-album-mixed.xml").read_text()
    start, end = text.index("<RightShare>"), text.index("</RightShare>") + len("</RightShare>")
    block = text[start:end]
    msg, problems = _read(text[:start] + text[end:])
    assert problems == [] and [(p.party_ref, p.share) for p in msg.works["A1/work"].publishers
                               ] == [("P38:00777888999", Decimal(100))]
    controllers = block.split("<RightsController>")[1:]  # one RightShare per controller
    per_block = "".join(
        f"<RightShare><RightShareReference>RS{i}</RightShareReference>"
        f"<TerritoryCode>Worldwide</TerritoryCode><RightsController>"
        + c.split("</RightsController>")[0].replace(
            f"<RightSharePercentage>{pct}</RightSharePercentage>", "")
        + f"</RightsController><RightSharePercentage>{pct}</RightSharePercentage></RightShare>"
        for i, (c, pct) in enumerate(zip(controllers, (60, 40), strict=True)))
    assert per_block.count("<RightSharePercentage>") == 2 and \
        "</RightSharePercentage></RightsController>" not in per_block  # the RightShare's own
    msg, problems = _read(text[:start] + per_block + text[end:])
    assert problems == [] and {(p.party_ref, p.share) for p in msg.works["A1/work"].publishers
                               } == {("P38:00777888999", 60), ("P38:00777888111", 40)}
    # the recording names no writer: the MusicalWork's own writer contributors stand in
    no_irc = text.replace("<IndirectResourceContributorRole>Composer<",
                          "<IndirectResourceContributorRole>Producer<").replace(
        "<IndirectResourceContributorRole>Lyricist<", "<IndirectResourceContributorRole>Producer<")
    msg, problems = _read(no_irc)
    assert problems == [] and [(w.party_ref, w.role) for w in msg.works["A1/work"].writers
                               ] == [("P38:0000000498765432", "Composer")]
    msg, problems = _read(text.replace("<RightSharePercentage>40<", "<RightSharePercentage>30<"))
    assert msg is None and "publisher shares sum to 90, not exactly 100" in " | ".join(
        str(p) for p in problems)
    msg, problems = _read(text.replace("<RightSharePercentage>40</RightSharePercentage>", ""))
    said = " | ".join(str(p) for p in problems)
    assert msg is None and "RightShare[0]/RightsController[1]: no RightSharePercentage" in said
    assert "sum to" not in said  # the missing share is the problem, not the total
    both = text[:start].replace("<MusicalWorkContributorRole>Composer<",
                                "<MusicalWorkContributorRole>MusicPublisher<") + text[end:]
    msg, problems = _read(both)
    assert problems == [] and msg.works["A1/work"].publishers == ()
    assert any("2 publishers named without RightShare" in n for n in msg.notes)


def test_ern43_single_with_video_records_the_video_and_cover_and_titles_apart(home):
    out = import_file(home, DATA / "ern43-single-video.xml")
    assert out.status == "imported", out.problems
    assert out.details["recordings"] == ["rec-ddex-xdppb2600001"]
    assert {r["kind"] for r in out.details["resources"]} == {"Video", "Image"}
    assert any("TrackRelease[R1]: skipped" in n for n in out.details["notes"])
    assert out.details["labels"][0]["party"] == "ddex-dpid-padpida2026060606p"
    assert out.details["labels"][0]["master_rights_controller"] is True
    with session_scope(make_engine(home.db_url)) as s:
        assert rights.show(s, "XDPPB2600001")["title"] == "Paper Moon (2026 Remaster)"
        rel = ddex_browse.release(s, "ddexrel-icpn-5045678901234")
        assert rel["title"] == "Paper Moon" and rel["display_title"] == "Kite Season - Paper Moon"
        video = next(r for r in rel["resources"] if r["kind"] == "Video")
        assert video["ids"] == [["ISRC", "XDPPB2600002"]]
        assert video["type"] == "ShortFormMusicalWorkVideo"
        assert video["title"] == "Paper Moon (Official Video)"
        track = rel["tracks"][0]
        assert (track["title"], track["subtitle"], track["display_title"]) == (
            "Paper Moon", "2026 Remaster", "Kite Season - Paper Moon")


def test_ern411_dj_mix_tracks_are_identified_by_proprietary_ids(home):
    out = import_file(home, DATA / "ern411-djmix.xml")
    assert out.status == "imported", out.problems
    assert len(out.details["recordings"]) == 3
    props = [r for r in out.details["recordings"] if r.startswith("rec-ddex-prop-")]
    assert len(props) == 2
    assert {r["kind"] for r in out.details["resources"]} == {"SheetMusic", "Software"}
    assert out.details["labels"][0]["master_rights_controller"] is False
    with session_scope(make_engine(home.db_url)) as s:
        rel = ddex_browse.release(s, "A1-2026NB-00000009-K")
        assert rel["release_type"] == "DjMix" and rel["subtitle"] == "Volume 9"
        ids = sorted(t["proprietary_id"] or "" for t in rel["tracks"])
        assert ids == ["", "DPID:PADPIDA2026070707N:NB-MIX9-01",
                       "DPID:PADPIDA2026070707N:NB-MIX9-02"]
        assert rights.show(s, props[0]).get("isrc") is None
    again = import_file(home, DATA / "ern411-djmix.xml")
    assert again.status == "duplicate"  # re-delivery is a no-op on the MessageId


def test_a_proprietary_id_stands_in_only_for_bonus_and_dj_mix_tracks():
    text = (DATA / "ern43-single-video.xml").read_text().replace(
        "<ResourceId><ISRC>XDPPB2600001</ISRC></ResourceId>",
        '<ResourceId><ProprietaryId Namespace="DPID:PADPIDA2026060606P">PPB-A1'
        "</ProprietaryId></ResourceId>")
    msg, problems = _read(text)
    assert msg is None
    assert "SoundRecording[A1]/ResourceId/ISRC: the sound recording has no ISRC; a " \
        "ProprietaryId stands in" in " | ".join(str(p) for p in problems)
    bonus = text.replace("<ReleaseResourceReference>A1</ReleaseResourceReference>",
                         "<ReleaseResourceReference>A1</ReleaseResourceReference>"
                         "<IsBonusResource>true</IsBonusResource>", 1)
    msg, problems = _read(bonus)
    assert problems == [] and msg.recordings["A1"].identity == \
        "prop:DPID:PADPIDA2026060606P:PPB-A1"


@pytest.mark.parametrize("ns", ["41", "411", "42", "43"])
def test_every_ern4_version_reads_the_same(ns):
    text = (DATA / "ern43-single-video.xml").read_text().replace(
        "http://ddex.net/xml/ern/43", f"http://ddex.net/xml/ern/{ns}")
    msg, problems = _read(text)
    assert problems == [] and msg.version == ns
    assert set(msg.resources) == {"A2", "A3"} and msg.releases[0].labels[0].party_ref == \
        "PPaperboat"


@pytest.mark.parametrize("ns", ["38", "381", "382", "383"])
def test_every_ern38_version_reads_the_same(ns):
    text = (DATA / "ern382-album-mixed.xml").read_text().replace(
        "http://ddex.net/xml/ern/382", f"http://ddex.net/xml/ern/{ns}")
    msg, problems = _read(text)
    assert problems == [] and msg.version == ns
    assert msg.recordings["A2"].masters[0].share == Decimal(100)
    assert [r.key for r in msg.releases] == ["icpn-5034567890123"]


def test_ern38_track_releases_are_skipped_without_an_is_main_release_flag():
    text = (DATA / "ern382-album-mixed.xml").read_text().replace(
        '<Release IsMainRelease="true">', "<Release>")
    msg, problems = _read(text)
    assert problems == [] and [r.ref for r in msg.releases] == ["R0"]
    assert any(n.startswith("Release[R1] (TrackRelease)") for n in msg.notes)


def test_ern38_user_defined_resource_and_unknown_id_names_are_recorded():
    text = (DATA / "ern382-album-mixed.xml").read_text().replace(
        "</ResourceList>",
        "<UserDefinedResource><UserDefinedResourceType>LyricSheet</UserDefinedResourceType>"
        "<UserDefinedResourceId><ProprietaryId Namespace=\"DPID:PADPIDA2026050505F\">UDR-1"
        "</ProprietaryId></UserDefinedResourceId><ResourceReference>A6</ResourceReference>"
        "</UserDefinedResource></ResourceList>")
    msg, problems = _read(text)
    assert problems == []
    udr = msg.resources["A6"]
    assert (udr.kind, udr.type, udr.ids) == ("UserDefinedResource", "LyricSheet",
                                             (("ProprietaryId", "UDR-1"),))


def test_ern37_is_refused_naming_the_versions_read():
    text = (DATA / "ern382-album-mixed.xml").read_text().replace("ern/382", "ern/37")
    msg, problems = _read(text)
    assert msg is None and "only 3.8, 3.8.1, 3.8.2 and 3.8.3 are read" in str(problems[0])


@pytest.mark.parametrize("ns", ["43", "382"])
def test_an_empty_message_id_is_refused_naming_the_element(ns):
    src = "ern43-single-video.xml" if ns == "43" else "ern382-album-mixed.xml"
    head = "PAPER-2026-0001-01" if ns == "43" else "FJORD-2026-0042-01"
    text = (DATA / src).read_text().replace(f"<MessageId>{head}</MessageId>",
                                            "<MessageId>  </MessageId>")
    msg, problems = _read(text)
    assert msg is None
    assert "m.xml:MessageHeader/MessageId: the MessageId element is empty" in \
        " | ".join(str(p) for p in problems)


def test_an_unknown_resource_kind_is_a_note_not_a_rejection():
    text = (DATA / "ern43-single-video.xml").read_text().replace(
        "</ResourceList>", "<Hologram><ResourceReference>A7</ResourceReference></Hologram>"
        "<Software><Type>Game</Type></Software></ResourceList>")
    msg, problems = _read(text)
    assert problems == [] and any("ResourceList/Hologram" in n and "skipped" in n
                                  for n in msg.notes)
    assert any("ResourceList/Software[4]: no ResourceReference; skipped" in n
               for n in msg.notes)
    assert set(msg.recordings) == {"A1"}  # the audio still arrives


def test_cli_releases_release_and_show_by_isrc(tmp_path):
    runner = CliRunner()
    h = ["--home", str(tmp_path / "h")]
    assert runner.invoke(app, [*h, "init"]).exit_code == 0
    r = runner.invoke(app, [*h, "catalog", "import-ddex", str(DATA / "ern382-album-mixed.xml"),
                            str(DATA / "ern43-single-video.xml")])
    assert r.exit_code == 0, r.output
    assert "label Polar Bay Records (test label)" in r.output and "note: Image[A3]" in r.output
    r = runner.invoke(app, [*h, "catalog", "releases", "--sender", "PADPIDA2026050505F",
                            "--json"])
    data = json.loads(r.stdout)
    assert data["total"] == 1 and data["releases"][0]["labels"] == [
        "Polar Bay Records (test label)"]
    r = runner.invoke(app, [*h, "catalog", "release", "5045678901234"])
    assert r.exit_code == 0 and "Paper Moon" in r.output and "Video" in r.output
    r = runner.invoke(app, [*h, "catalog", "show", "XDPPB2600001", "--json"])
    assert r.exit_code == 0, r.output
    shown = json.loads(r.stdout)
    assert shown["registry"]["id"] == "rec-ddex-xdppb2600001"
    assert shown["ddex"]["release"] == "ddexrel-icpn-5045678901234"
    r = runner.invoke(app, [*h, "catalog", "release", "nope"])
    assert r.exit_code == 2 and "no DDEX release 'nope'" in r.output


@pytest.mark.slow  # builds an API world (accounts, argon2)
def test_api_releases_release_and_disputes(tmp_path):
    from tests.api_support import make_world

    world = make_world(tmp_path / "api")
    assert import_file(world.settings, DATA / "ern382-album-mixed.xml").status == "imported"
    h = world.headers("fan")
    r = world.client.get("/v1/ddex/releases", params={"sender": "PADPIDA2026050505F"},
                         headers=h)
    assert r.status_code == 200 and r.json()["releases"][0]["id"] == \
        "ddexrel-icpn-5034567890123"
    assert world.client.get("/v1/ddex/releases", params={"sender": "nobody"},
                            headers=h).json()["total"] == 0
    r = world.client.get("/v1/ddex/releases/5034567890123", headers=h)
    assert r.status_code == 200 and [x["kind"] for x in r.json()["resources"]] == [
        "Image", "Text", "MIDI"]
    r = world.client.get("/v1/ddex/releases/nope", headers=h)
    assert r.status_code == 404 and "no DDEX release 'nope'" in r.json()["detail"]
    assert world.client.get("/v1/ddex/disputes", headers=h).json() == []
    r = world.client.get("/v1/ddex/disputes", params={"status": "maybe"}, headers=h)
    assert r.status_code == 422 and "status 'maybe'" in r.json()["detail"]
