"""DDEX ERN import on SQLite and PostgreSQL: the mapping into the registry, update and takedown
semantics, idempotency on MessageId, hostile and malformed input rejected with nothing written."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from accord.catalog import ddex_import
from accord.catalog.ddex_import import equal_shares, import_file, withdrawn
from accord.catalog.ddex_xml import XmlLimits
from accord.catalog.tables import DdexMessageRow, DdexRecordingRow, DdexReleaseRow
from accord.cli.main import app
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.db.tables import metadata
from accord.errors import AccordError, InvalidInput
from accord.rights import audit
from accord.rights import service as rights
from accord.rights.document import parse_document
from accord.rights.tables import PartyRow, RecordingRow, WorkRow

DATA = Path(__file__).parent / "data" / "ddex"
SINGLE_REC = "rec-ddex-xdddx2600001"
SINGLE_REL = "ddexrel-icpn-5012345678900"
ALBUM_RECS = ["rec-ddex-xdtdw2600101", "rec-ddex-xdtdw2600102", "rec-ddex-xdtdw2600103"]


@pytest.fixture
def home(tmp_path, db_url) -> Settings:
    s = Settings(home=tmp_path / "home", database_url=db_url)
    s.ensure_home()
    return s


def _imp(s: Settings, name: str, **kw):
    return import_file(s, DATA / name, **kw)


def _counts(s: Settings) -> dict[str, int]:
    with session_scope(make_engine(s.db_url)) as session:
        return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables}


def _shares(rows) -> dict[str, Decimal]:
    return {r.party_id: Decimal(str(r.share)) for r in rows}


def test_equal_split_books_the_residual_to_the_first():
    assert equal_shares(3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(equal_shares(7)) == 100 and equal_shares(1) == [Decimal(100)]


def test_single_update_duplicate_takedown(home):
    out = _imp(home, "single.xml")
    assert out.status == "imported" and out.kind == "new", out.problems
    with session_scope(make_engine(home.db_url)) as s:
        rec = s.get(RecordingRow, SINGLE_REC)
        assert rec.isrc == "XDDDX2600001" and rec.title == "Glass Harbour"
        assert [a.party_id for a in rec.artists] == ["ddex-isni-0000000412345670"]
        assert _shares(rec.masters) == {"ddex-dpid-padpida2026010101x": Decimal(100)}
        work = s.get(WorkRow, rec.work_id)
        assert work.iswc == "T1234567890"  # stored canonical (accord.identifiers)
        assert _shares(work.writers) == {"ddex-ipi-00123456789": Decimal(100)}
        assert _shares(work.publishers) == {"ddex-ipi-00987654321": Decimal(100)}
        roles = {p.id: {r.role for r in p.roles} for p in s.execute(select(PartyRow)).scalars()}
        assert roles["ddex-isni-0000000412345670"] == {"performing_artist"}
        assert roles["ddex-ipi-00123456789"] == {"songwriter"}
        assert roles["ddex-dpid-padpida2026010101x"] == {"label"}
        assert s.get(PartyRow, "ddex-isni-0000000412345670").isni == "0000000412345670"
        dr = s.get(DdexRecordingRow, SINGLE_REC)
        assert dr.message_id == "MOON-2026-0001-01" and dr.withdrawn_at is None
        # ERN 4.3 has no AI element: only its vocal/instrumental flags are kept
        assert dr.ai_disclosure == {"is_instrumental": False, "has_vocal_performance": True}
        assert dr.contributors == [{"party_reference": "PProducerSam", "name": "Sam Okafor",
                                    "roles": ["Producer", "MixingEngineer"]}]
        rel = s.get(DdexReleaseRow, SINGLE_REL)
        assert rel.recording_ids == [SINGLE_REC] and rel.deals[0]["use_types"] == ["Stream"]
        assert any(a.reason == "import ddex MOON-2026-0001-01"
                   for a in audit.entries_for(s, "recordings", SINGLE_REC))

    before = _counts(home)
    again = _imp(home, "single.xml")
    assert again.status == "duplicate" and _counts(home) == before

    upd = _imp(home, "single-update.xml")
    assert upd.status == "imported" and upd.kind == "update", upd.problems
    with session_scope(make_engine(home.db_url)) as s:
        rec = s.get(RecordingRow, SINGLE_REC)
        assert rec.title == "Glass Harbour (Radio Edit)"
        assert _shares(rec.masters) == {"ddex-dpid-padpida2026010101x": Decimal("62.5"),
                                        "ddex-isni-0000000412345670": Decimal("37.5")}
        assert s.get(DdexRecordingRow, SINGLE_REC).ai_disclosure["contains_ai"] == "Partly"
        assert s.get(DdexReleaseRow, SINGLE_REL).message_id == "MOON-2026-0001-02"
        nova = {r.role for r in s.get(PartyRow, "ddex-isni-0000000412345670").roles}
        assert nova == {"performing_artist", "label"}

    # an older message arriving late is not applied
    before = _counts(home)
    stale = import_file(home, _renamed(home, "single.xml", "MOON-2026-0001-01",
                                       "MOON-2026-0001-LATE"))
    assert stale.status == "rejected" and "stale message" in stale.problems[0]
    assert _counts(home) == before

    down = _imp(home, "single-takedown.xml")
    assert down.status == "imported" and down.kind == "takedown"
    assert down.details["taken_down"] == [SINGLE_REC]
    with session_scope(make_engine(home.db_url)) as s:
        assert s.get(RecordingRow, SINGLE_REC) is not None  # history kept
        assert withdrawn(s)[SINGLE_REC]["withdrawn_by"] == "MOON-2026-0001-03"
        assert s.get(DdexReleaseRow, SINGLE_REL).taken_down_by == "MOON-2026-0001-03"
        # the takedown is a withdrawal event the permission rule reads: no use of any kind
        events = rights.withdrawals_of(s, SINGLE_REC)
        assert [e["action"] for e in events] == ["withdraw"]
        assert "MOON-2026-0001-03" in events[0]["reason"]
        for use in rights.Use:
            d = rights.check(s, use, recording=SINGLE_REC)
            assert not d.allowed and any(m.condition == 4 and "withdrawn" in m.text
                                         for m in d.missing)
        assert [a.action for a in audit.entries_for(s, "withdrawals", events[0]["id"])
                ] == ["recording.withdraw"]
        assert audit.verify(s).ok
        kinds = [m.kind for m in s.execute(select(DdexMessageRow).order_by(
            DdexMessageRow.created_at)).scalars()]
        assert kinds == ["new", "update", "takedown"]

    # a later update with live deals puts the recording back: a reinstatement event
    back = home.home / "single-back.xml"
    back.write_text((DATA / "single-update.xml").read_text()
                    .replace("MOON-2026-0001-02", "MOON-2026-0001-04")
                    .replace("2026-04-01T09:00:00Z", "2026-06-01T09:00:00Z"))
    again = import_file(home, back)
    assert again.status == "imported" and again.details["reinstated"] == [SINGLE_REC]
    with session_scope(make_engine(home.db_url)) as s:
        assert [e["action"] for e in rights.withdrawals_of(s, SINGLE_REC)] == [
            "withdraw", "reinstate"]
        assert SINGLE_REC not in withdrawn(s)
        d = rights.check(s, rights.Use.TRAIN, recording=SINGLE_REC)
        assert not any(m.condition == 4 for m in d.missing)
        assert audit.verify(s).ok


def _renamed(s: Settings, name: str, old: str, new: str) -> Path:
    p = s.home / f"renamed-{name}"
    p.write_text((DATA / name).read_text().replace(old, new))
    return p


def test_an_update_without_deals_takes_the_release_down(home):
    """ERN 4's other takedown convention: the latest message's deals replace the earlier ones,
    so a message for a release we hold with deals that carries none withdraws it."""
    assert _imp(home, "single.xml").status == "imported"
    text = (DATA / "single-update.xml").read_text()
    no_deals = re.sub(r"<DealList>.*</DealList>", "", text, flags=re.DOTALL)
    assert "<DealList>" not in no_deals
    path = home.home / "single-no-deals.xml"
    path.write_text(no_deals)
    out = import_file(home, path)
    assert out.status == "imported" and out.kind == "takedown", out.problems
    assert out.details["taken_down"] == [SINGLE_REC]
    with session_scope(make_engine(home.db_url)) as s:
        assert [e["action"] for e in rights.withdrawals_of(s, SINGLE_REC)] == ["withdraw"]
        assert s.get(DdexReleaseRow, SINGLE_REL).taken_down_by == "MOON-2026-0001-02"


NATIVE_REC = "rec-ddex-xdkte2600001"


def test_ern4_native_recording_names_its_work_inside_the_sound_recording(home):
    """ERN 4 has no work list: WorkId/ISWC, the Contributors in writer roles and the
    WorkRightsControllers of the SoundRecording make the work; HasMaxValueOfOne shares are
    fractions of one."""
    out = _imp(home, "single-ern43-native.xml")
    assert out.status == "imported" and out.kind == "new", out.problems
    with session_scope(make_engine(home.db_url)) as s:
        rec = s.get(RecordingRow, NATIVE_REC)
        assert _shares(rec.masters) == {"ddex-dpid-padpida2026030303k": Decimal(60),
                                        "ddex-dpid-padpida2026040404o": Decimal(40)}
        work = s.get(WorkRow, rec.work_id)
        assert work.id == "work-ddex-iswc-t2345678912" and work.iswc == "T2345678912"
        # two composers and a lyricist, no shares given: equal, residual to the first
        assert _shares(work.writers) == {"ddex-ipi-00234567891": Decimal("33.34"),
                                         "ddex-ipi-00345678912": Decimal("33.33"),
                                         "ddex-ipi-00456789123": Decimal("33.33")}
        assert _shares(work.publishers) == {"ddex-ipi-00567891234": Decimal(50),
                                            "ddex-ipi-00678912345": Decimal(50)}
        # the recording's arranger is credited as data, not made a writer of the work
        dr = s.get(DdexRecordingRow, NATIVE_REC)
        assert {"party_reference": "PArrangerMo", "name": "Mo Haddad",
                "roles": ["Arranger"]} in dr.contributors
        assert all(p.name != "Mo Haddad" for w in work.writers
                   for p in [s.get(PartyRow, w.party_id)])
        assert dr.ai_disclosure == {"has_vocal_performance": True,
                                    "has_foreground_vocal_performance": True}
        # the writers are real parties of the rule: nobody opted in, so train is denied
        # naming each writer (not a placeholder work without holders)
        d = rights.check(s, rights.Use.TRAIN, recording=NATIVE_REC)
        missing = " ".join(m.text for m in d.missing)
        assert not d.allowed
        for name in ("Uma Castellanos", "Teo Brandt", "Lin Okoro"):
            assert name in missing


def test_ern4_deals_that_have_ended_take_the_release_down_and_new_ones_reinstate(home):
    """ERN 4 has no TakeDown flag: a sender ends a release's deals with an end date. EndDate is
    the deal's last day, so it has ended from the next day on."""
    assert _imp(home, "single-ern43-native.xml").status == "imported"
    text = (DATA / "single-ern43-native.xml").read_text()
    ends = text.replace("KITE-2026-0001-01", "KITE-2026-0001-02").replace(
        "2026-05-01T08:00:00Z", "2026-07-01T08:00:00Z")
    still_live = home.home / "ends-later.xml"  # ends on the day the message is sent: live
    still_live.write_text(ends.replace(
        "<StartDate>2026-05-08</StartDate>",
        "<StartDate>2026-05-08</StartDate><EndDate>2026-07-01</EndDate>"))
    out = import_file(home, still_live)
    assert out.status == "imported" and out.kind == "new" and out.details["taken_down"] == []
    ended = home.home / "ended.xml"
    ended.write_text(ends.replace("KITE-2026-0001-02", "KITE-2026-0001-03").replace(
        "<StartDate>2026-05-08</StartDate>",
        "<StartDate>2026-05-08</StartDate><EndDate>2026-06-30</EndDate>"))
    out = import_file(home, ended)
    assert out.status == "imported" and out.kind == "takedown", out.problems
    assert out.details["taken_down"] == [NATIVE_REC]
    with session_scope(make_engine(home.db_url)) as s:
        assert withdrawn(s)[NATIVE_REC]["withdrawn_by"] == "KITE-2026-0001-03"
        assert s.get(DdexReleaseRow, "ddexrel-icpn-5023456789012").deals[0]["ended"] is True
        d = rights.check(s, rights.Use.DJ, recording=NATIVE_REC)
        assert any(m.condition == 4 and "withdrawn" in m.text for m in d.missing)
    back = home.home / "back.xml"
    back.write_text(ends.replace("KITE-2026-0001-02", "KITE-2026-0001-04").replace(
        "2026-07-01T08:00:00Z", "2026-08-01T08:00:00Z").replace(
        "<StartDate>2026-05-08</StartDate>", "<StartDate>2026-08-01</StartDate>"))
    out = import_file(home, back)
    assert out.status == "imported" and out.details["reinstated"] == [NATIVE_REC]


def test_the_ern4_purge_message_is_named_purge_release_message(home):
    assert _imp(home, "album.xml").status == "imported"
    purge = _renamed(home, "album-purge.xml", "PurgedReleaseMessage", "PurgeReleaseMessage")
    out = import_file(home, purge)
    assert out.status == "imported" and out.kind == "purge", out.problems
    assert sorted(out.details["taken_down"]) == ALBUM_RECS


def test_album_and_purge(home):
    out = _imp(home, "album.xml")
    assert out.status == "imported", out.problems
    assert out.details["recordings"] == ALBUM_RECS
    with session_scope(make_engine(home.db_url)) as s:
        low = s.get(WorkRow, s.get(RecordingRow, ALBUM_RECS[0]).work_id)
        assert _shares(low.writers) == {"ddex-ipi-00222222222": Decimal(50),
                                        "ddex-ipi-00333333333": Decimal(50)}
        assert sorted(_shares(low.publishers).values()) == [Decimal(25), Decimal(75)]
        assert _shares(s.get(RecordingRow, ALBUM_RECS[0]).masters) == {
            "ddex-dpid-padpida2026020202z": Decimal(60),
            next(p for p in _shares(s.get(RecordingRow, ALBUM_RECS[0]).masters)
                 if p.startswith("ddex-") and "dpid" not in p): Decimal(40)}
        salt = s.get(WorkRow, s.get(RecordingRow, ALBUM_RECS[1]).work_id)
        assert sorted(_shares(salt.writers).values()) == [Decimal("33.33"), Decimal("33.33"),
                                                          Decimal("33.34")]
        assert _shares(salt.writers)["ddex-ipi-00222222222"] == Decimal("33.34")
        assert len(s.get(RecordingRow, ALBUM_RECS[1]).artists) == 2  # featured artist too
        interlude = s.get(WorkRow, s.get(RecordingRow, ALBUM_RECS[2]).work_id)
        assert interlude.id == "work-ddex-rec-xdtdw2600103"
        assert not interlude.writers and not interlude.publishers  # default deny
        decision = rights.check(s, rights.Use.TRAIN, recording=ALBUM_RECS[2])
        assert not decision.allowed
        assert s.get(DdexRecordingRow, ALBUM_RECS[1]).ai_disclosure["contains_ai"] == "Partly"
        assert s.get(DdexRecordingRow, ALBUM_RECS[0]).ai_disclosure == {"contains_ai": "None"}
    purge = _imp(home, "album-purge.xml")
    assert purge.status == "imported" and purge.kind == "purge", purge.problems
    assert sorted(purge.details["taken_down"]) == ALBUM_RECS
    with session_scope(make_engine(home.db_url)) as s:
        assert sorted(withdrawn(s)) == ALBUM_RECS


HOSTILE = [
    ("billion-laughs.xml", "DOCTYPE"),
    ("xxe.xml", "DOCTYPE"),
    ("not-xml.xml", "not well-formed XML"),
    ("wrong-root.xml", "root element is <CatalogListMessage>"),
    ("wrong-namespace.xml", "ERN 3 is not supported"),
    ("missing-isrc.xml", "has no ISRC"),
    ("shares-not-100.xml", "master shares sum to 90.5, not exactly 100"),
    ("album-purge.xml", "unknown release"),
]


@pytest.mark.parametrize("name,problem", HOSTILE)
def test_rejected_messages_write_nothing(home, name, problem):
    assert _imp(home, "single.xml").status == "imported"
    before = _counts(home)
    out = _imp(home, name)
    assert out.status == "rejected"
    assert problem in " ".join(out.problems) and name in out.problems[0]
    assert "root:" not in json.dumps(out.to_json())  # nothing of /etc/passwd leaked
    assert _counts(home) == before


def test_size_and_depth_limits(home, tmp_path):
    before = _counts(home)
    out = _imp(home, "album.xml", limits=XmlLimits(max_bytes=1024))
    assert out.status == "rejected" and "over the limit of 1,024 bytes" in out.problems[0]
    deep = tmp_path / "deep.xml"
    deep.write_text("<a>" * 200 + "</a>" * 200)
    assert "nested more than 64 deep" in import_file(home, deep).problems[0]
    many = tmp_path / "many.xml"
    many.write_text("<a>" + "<b/>" * 2000 + "</a>")
    out = import_file(home, many, limits=XmlLimits(max_elements=1000))
    assert "more than 1,000 elements" in out.problems[0]
    assert "no such file" in import_file(home, tmp_path / "absent.xml").problems[0]
    assert _counts(home) == before


def test_failure_after_registry_writes_rolls_back(home, monkeypatch):
    before = _counts(home)

    def boom(*a, **k):
        raise InvalidInput("simulated failure after the registry was written")

    monkeypatch.setattr(ddex_import, "_store_release", boom)
    out = _imp(home, "album.xml")
    assert out.status == "rejected" and "simulated" in out.problems[0]
    assert _counts(home) == before


def test_two_parties_claiming_one_ipi_are_rejected(home):
    bad = _renamed(home, "single.xml", "<PartyId><ISNI>0000000412345670</ISNI></PartyId>",
                   "<PartyId><ISNI>0000000412345670</ISNI><IpiNameNumber>00123456789"
                   "</IpiNameNumber></PartyId>")
    before = _counts(home)
    out = import_file(home, bad)
    assert out.status == "rejected" and "both claim IPI 00123456789" in out.problems[0]
    assert _counts(home) == before


def test_existing_party_with_the_same_isni_is_reused(home):
    doc = {"accord_rights_document": 1, "parties": [
        {"id": "nova", "name": "Nova L.", "roles": ["songwriter"], "isni": "0000000412345670"}]}
    with session_scope(make_engine(home.db_url)) as s:
        rights.import_document(s, parse_document(doc, "t"), "t", audit.AuditLog(s, "t"))
    assert _imp(home, "single.xml").status == "imported"
    with session_scope(make_engine(home.db_url)) as s:
        assert [a.party_id for a in s.get(RecordingRow, SINGLE_REC).artists] == ["nova"]
        assert {r.role for r in s.get(PartyRow, "nova").roles} == {"songwriter",
                                                                   "performing_artist"}


def _code(r) -> int:
    return r.exception.exit_code if isinstance(r.exception, AccordError) else r.exit_code


def test_cli_summary_json_and_exit_2(tmp_path):
    runner = CliRunner()
    home = ["--home", str(tmp_path / "h")]
    assert runner.invoke(app, [*home, "init"]).exit_code == 0
    r = runner.invoke(app, [*home, "catalog", "import-ddex", str(DATA / "single.xml"),
                            str(DATA / "single.xml"), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["imported"] == 1 and data["duplicates_skipped"] == 1 and data["rejected"] == []
    r = runner.invoke(app, [*home, "catalog", "import-ddex", str(DATA / "xxe.xml")])
    assert _code(r) == 2 and "xxe.xml" in r.output and "DOCTYPE" in r.output
    r = runner.invoke(app, [*home, "catalog", "import-ddex", str(DATA / "album.xml"),
                            "--max-mb", "0.001"])
    assert _code(r) == 2 and "over the limit" in r.output


# --- the reader alone (pure: no database) ----------------------------------------------------

def _read(text: str):
    from accord.catalog.ddex import read_message
    from accord.catalog.ddex_xml import parse_xml

    return read_message(parse_xml(text.encode(), "m.xml", XmlLimits()), "m.xml")


def test_reader_update_indicator_and_qualified_children():
    text = (DATA / "single-update.xml").read_text()
    msg, problems = _read(text)
    assert problems == [] and msg.update and msg.version == "431"
    assert msg.recordings["A1"].masters[1].share == Decimal("37.5")
    # a sender that qualifies every element reads the same
    qualified = text.replace("<", "<ern:").replace("<ern:/", "</ern:").replace(
        "<ern:?xml", "<?xml").replace("<ern:!--", "<!--").replace("<ern:ern:", "<ern:").replace(
        "</ern:ern:", "</ern:")
    msg2, problems2 = _read(qualified)
    assert problems2 == [] and msg2.recordings == msg.recordings


def test_reader_collects_every_problem():
    text = (DATA / "album.xml").read_text()
    text = text.replace("<ContainsAI>None</ContainsAI>", "<ContainsAI>maybe</ContainsAI>", 1)
    text = text.replace("<Role>Lyricist</Role><RightSharePercentage>50</RightSharePercentage>",
                        "<Role>Lyricist</Role>")
    text = text.replace("<RightSharePercentage>25</RightSharePercentage>",
                        "<RightSharePercentage>abc</RightSharePercentage>")
    msg, problems = _read(text)
    assert msg is None
    found = " | ".join(str(p) for p in problems)
    assert "ContainsAI: 'maybe' is not one of All, Partly, None" in found
    assert "given for some writers but not all" in found
    assert "'abc' is not a percentage" in found


def test_reader_fraction_of_one_shares_and_unknown_shares():
    text = (DATA / "single-ern43-native.xml").read_text()
    msg, problems = _read(text)
    assert problems == [] and msg.recordings["A1"].work_ref == "A1/WorkId"
    assert [x.share for x in msg.recordings["A1"].masters] == [Decimal(60), Decimal(40)]
    assert [w.role for w in msg.works["A1/WorkId"].writers] == ["Composer", "Composer",
                                                                "Lyricist"]
    over = text.replace('HasMaxValueOfOne="true">0.6<', 'HasMaxValueOfOne="true">60<')
    found = " | ".join(str(p) for p in _read(over)[1])
    assert "RightSharePercentage '60' is not a percentage in (0, 1]" in found
    unknown = text.replace("<RightSharePercentage>50</RightSharePercentage>",
                           "<RightShareUnknown>true</RightShareUnknown>", 1)
    found = " | ".join(str(p) for p in _read(unknown)[1])
    assert "WorkRightsController[0]: RightShareUnknown: Accord needs every holder's exact " \
        "share" in found
    bad_iswc = text.replace("T-234.567.891-2", "T-12")
    assert "'T-12' is not an ISWC" in " | ".join(str(p) for p in _read(bad_iswc)[1])


AI_REC = "rec-ddex-xdkte2600431"


@pytest.mark.parametrize("contains, extent", [("All", "all"), ("Partly", "partly"),
                                              ("None", "none"), (None, "partly")])
def test_ern431_contains_ai_and_ai_contribution_are_read_from_their_schema_places(
        home, tmp_path, contains, extent):
    """ERN 4.3.1's SoundRecording/ContainsAI and Contributor/AiContribution (names checked
    against the XSD, ddex_names.ERN4_AI_*) are kept per recording; ContainsAI decides the
    extent, and without it the arranger's AiContribution Partly makes the recording partly AI.
    The DJ's candidates read it as ai_generated (a vocal flag is not an AI declaration)."""
    from accord.catalog.ddex import ai_extent
    from accord.catalog.recordings import recording_media

    text = (DATA / "single-ern431-ai.xml").read_text()
    line = "      <ContainsAI>Partly</ContainsAI>\n"
    assert line in text
    text = text.replace(line, f"      <ContainsAI>{contains}</ContainsAI>\n" if contains else "")
    path = tmp_path / "ern431.xml"
    path.write_text(text)
    out = import_file(home, path)
    assert out.status == "imported", out.problems
    with session_scope(make_engine(home.db_url)) as s:
        disc = s.get(DdexRecordingRow, AI_REC).ai_disclosure
        expected = {"has_vocal_performance": True, "has_foreground_vocal_performance": True,
                    "contributor_ai": {"PArrangerMo": "Partly"}}
        if contains:
            expected["contains_ai"] = contains
        assert disc == expected
        assert ai_extent(disc) == extent
        media = {m.recording_id: m for m in recording_media(s, [AI_REC])}
        assert media[AI_REC].ai_generated is (extent != "none")


def test_a_vocal_flag_alone_does_not_make_a_recording_ai_generated(home):
    from accord.catalog.recordings import recording_media

    assert _imp(home, "single.xml").status == "imported"
    with session_scope(make_engine(home.db_url)) as s:
        assert s.get(DdexRecordingRow, SINGLE_REC).ai_disclosure["has_vocal_performance"]
        assert recording_media(s, [SINGLE_REC])[0].ai_generated is False


@pytest.mark.parametrize("bad", ["true", "Some", "ALL"])
def test_a_contains_ai_value_outside_the_schema_set_rejects_the_message(home, tmp_path, bad):
    text = (DATA / "single-ern431-ai.xml").read_text().replace(
        "<ContainsAI>Partly</ContainsAI>", f"<ContainsAI>{bad}</ContainsAI>")
    path = tmp_path / "bad.xml"
    path.write_text(text)
    before = _counts(home)
    out = import_file(home, path)
    assert out.status == "rejected"
    assert any("ContainsAI" in p and "All, Partly, None" in p for p in out.problems), \
        out.problems
    assert _counts(home) == before


def test_a_release_level_contains_ai_covers_its_recordings_and_an_image_is_noted(home,
                                                                                 tmp_path):
    """ERN 4.3.2's Release/ContainsAI All over a recording whose own ContainsAI says None: the
    recording keeps both (release_ai) and counts as AI-generated for the DJ; a cover Image's
    own ContainsAI is noted, not taken as the audio's."""
    from accord.catalog.ddex import ai_extent
    from accord.catalog.recordings import recording_media

    text = (DATA / "single-ern431-ai.xml").read_text()
    text = text.replace("<ContainsAI>Partly</ContainsAI>", "<ContainsAI>None</ContainsAI>")
    text = text.replace("      <ReleaseType>Single</ReleaseType>\n",
                        "      <ReleaseType>Single</ReleaseType>\n"
                        "      <ContainsAI>All</ContainsAI>\n")
    text = text.replace("  </ResourceList>\n", """    <Image>
      <ResourceReference>A2</ResourceReference>
      <Type>FrontCoverImage</Type>
      <ContainsAI>All</ContainsAI>
    </Image>
  </ResourceList>
""")
    path = tmp_path / "ern432-release-ai.xml"
    path.write_text(text)
    out = import_file(home, path)
    assert out.status == "imported", out.problems
    assert any("Image[A2]: ContainsAI All" in n for n in out.details["notes"]), out.details
    with session_scope(make_engine(home.db_url)) as s:
        disc = s.get(DdexRecordingRow, AI_REC).ai_disclosure
        assert disc["contains_ai"] == "None" and disc["release_ai"] == {"R0": "All"}
        assert ai_extent(disc) == "all"
        assert recording_media(s, [AI_REC])[0].ai_generated is True
