"""Disputes instead of overwrites (issue 18): another sender's differing claim on a recording
(ISRC), a work (ISWC) or a release id (ICPN) is recorded, the earlier claim stays in force for
the permission rule and royalties until an admin resolves it; the same sender's update is an
update. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.catalog import ddex_browse, ddex_disputes
from accord.catalog.ddex_import import import_file
from accord.cli.main import app
from accord.config import Settings
from accord.db.engine import make_engine, session_scope
from accord.errors import Refused
from accord.rights import audit
from accord.rights import service as rights

DATA = Path(__file__).parent / "data" / "ddex"
LOW_TIDE = "rec-ddex-xdtdw2600101"
ALBUM = "ddexrel-icpn-5098765432109"


@pytest.fixture
def home(tmp_path, db_url) -> Settings:
    s = Settings(home=tmp_path / "home", database_url=db_url)
    s.ensure_home()
    return s


def _masters(s, ref: str) -> dict[str, Decimal]:
    return {m["party"]: Decimal(str(m["share"])) for m in rights.show(s, ref)["masters"]}


def _publishers(s, ref: str) -> dict[str, Decimal]:
    return {m["party"]: Decimal(str(m["share"])) for m in rights.show(s, ref)["publishers"]}


def test_another_senders_claim_is_a_dispute_and_the_earlier_claim_stays_in_force(home):
    assert import_file(home, DATA / "album.xml").status == "imported"
    with session_scope(make_engine(home.db_url)) as s:
        before_masters = _masters(s, LOW_TIDE)
        work_id = rights.show(s, LOW_TIDE)["work"]
        before_pubs = _publishers(s, work_id)
        before_check = rights.check(s, rights.Use.TRAIN, recording=LOW_TIDE)
    out = import_file(home, DATA / "dispute-other-sender.xml")
    assert out.status == "imported", out.problems
    assert out.details["recordings"] == ["rec-ddex-xdgry2600009"]  # the unclaimed one arrives
    assert LOW_TIDE in out.details["held_in_dispute"]
    assert len(out.details["disputes"]) == 3  # the release id, the recording, the work
    with session_scope(make_engine(home.db_url)) as s:
        assert _masters(s, LOW_TIDE) == before_masters  # not overwritten
        assert _publishers(s, work_id) == before_pubs
        after = rights.check(s, rights.Use.TRAIN, recording=LOW_TIDE)
        assert [m.condition for m in after.missing] == [m.condition for m in
                                                        before_check.missing]
        assert not any("Greyline" in m.text for m in after.missing)  # not a holder of it
        disputes = {d["kind"]: d for d in ddex_disputes.list_disputes(s)}
        assert set(disputes) == {"release", "recording", "work"}
        rec = disputes["recording"]
        assert rec["entity_id"] == LOW_TIDE and rec["key"] == "XDTDW2600101"
        assert rec["fields"] == ["masters"]
        assert rec["earlier"]["sender"] == "PADPIDA2026020202Z"
        assert rec["earlier"]["message_id"] == "TIDE-2026-0007-01"
        assert rec["claimant"] == {"sender": "PADPIDA2026080808G",
                                   "message_id": "GREY-2026-0100-01",
                                   "claim": rec["claimant"]["claim"]}
        assert rec["claimant"]["claim"]["masters"] == [
            {"party": "ddex-dpid-padpida2026080808g", "share": "100"}]
        assert disputes["work"]["fields"] == ["publishers"]
        assert disputes["release"]["key"] == "icpn-5098765432109"
        rel = ddex_browse.release(s, ALBUM)
        assert rel["sender"] == "PADPIDA2026020202Z"  # the release stays its first sender's
        assert rel["title"] == "Salt Lines" and len(rel["tracks"]) == 3
        assert {d["status"] for d in rel["disputes"]} == {"open"}

    # resolution: keep the earlier master claim, accept the new publisher claim
    with session_scope(make_engine(home.db_url)) as s:
        log = audit.AuditLog(s, "admin-test")
        kept = ddex_disputes.resolve(s, disputes["recording"]["id"], "keep", log, "label wins")
        assert kept["status"] == "kept" and kept["resolved_by"] == "admin-test"
        accepted = ddex_disputes.resolve(s, disputes["work"]["id"], "accept", log,
                                         "publisher change confirmed")
        assert accepted["status"] == "accepted"
        with pytest.raises(Refused, match="already resolved"):
            ddex_disputes.resolve(s, disputes["work"]["id"], "keep", log)
    with session_scope(make_engine(home.db_url)) as s:
        assert _masters(s, LOW_TIDE) == before_masters
        assert _publishers(s, work_id) == {"ddex-ipi-00888888888": Decimal(100)}
        assert ddex_disputes.claim_of(s, "work", work_id).sender == "PADPIDA2026080808G"
        assert [d["kind"] for d in ddex_disputes.list_disputes(s)] == ["release"]
        assert audit.verify(s).ok
        assert any(a.action == "ddex.dispute.accept" for a in
                   audit.entries_for(s, "catalog_ddex_disputes", disputes["work"]["id"]))


def test_the_same_sender_updating_its_claim_is_an_update(home):
    assert import_file(home, DATA / "album.xml").status == "imported"
    text = (DATA / "album.xml").read_text().replace(
        "TIDE-2026-0007-01", "TIDE-2026-0007-02").replace(
        "2026-03-10T12:30:00+01:00", "2026-03-12T12:30:00+01:00").replace(
        "<RightSharePercentage>60</RightSharePercentage>",
        "<RightSharePercentage>80</RightSharePercentage>").replace(
        "<RightSharePercentage>40</RightSharePercentage>",
        "<RightSharePercentage>20</RightSharePercentage>")
    path = home.home / "album-update.xml"
    path.write_text(text)
    out = import_file(home, path)
    assert out.status == "imported" and out.details["disputes"] == [], out.problems
    with session_scope(make_engine(home.db_url)) as s:
        assert sorted(_masters(s, LOW_TIDE).values()) == [Decimal(20), Decimal(80)]
        assert ddex_disputes.list_disputes(s) == []


def test_another_sender_with_the_same_claim_opens_no_recording_dispute(home):
    """Equal holders and shares are no conflict; the release id reuse still is one."""
    assert import_file(home, DATA / "ern43-single-video.xml").status == "imported"
    text = (DATA / "ern43-single-video.xml").read_text().replace(
        "<MessageSender>\n      <PartyId>PADPIDA2026060606P</PartyId>",
        "<MessageSender>\n      <PartyId>PADPIDA2026090909Q</PartyId>").replace(
        "PAPER-2026-0001-01", "Q-0001")
    path = home.home / "same.xml"
    path.write_text(text)
    out = import_file(home, path)
    assert out.status == "imported", out.problems
    with session_scope(make_engine(home.db_url)) as s:
        assert [d["kind"] for d in ddex_disputes.list_disputes(s)] == ["release"]


def test_accepting_a_release_dispute_hands_the_release_over(home):
    assert import_file(home, DATA / "album.xml").status == "imported"
    assert import_file(home, DATA / "dispute-other-sender.xml").status == "imported"
    with session_scope(make_engine(home.db_url)) as s:
        [rel] = [d for d in ddex_disputes.list_disputes(s) if d["kind"] == "release"]
        ddex_disputes.resolve(s, rel["id"], "accept", audit.AuditLog(s, "admin-test"))
    with session_scope(make_engine(home.db_url)) as s:
        shown = ddex_browse.release(s, ALBUM)
        assert shown["sender"] == "PADPIDA2026080808G"
        assert [t["recording"] for t in shown["tracks"]] == [LOW_TIDE, "rec-ddex-xdgry2600009"]
        assert shown["labels"][0]["name"] == "Greyline Digital (test distributor)"


def test_cli_disputes_and_resolve(tmp_path):
    runner = CliRunner()
    h = ["--home", str(tmp_path / "h")]
    assert runner.invoke(app, [*h, "init"]).exit_code == 0
    r = runner.invoke(app, [*h, "catalog", "import-ddex", str(DATA / "album.xml"),
                            str(DATA / "dispute-other-sender.xml")])
    assert r.exit_code == 0 and "dispute dsp-" in r.output, r.output
    r = runner.invoke(app, [*h, "catalog", "disputes", "--json"])
    found = json.loads(r.stdout)
    assert len(found) == 3
    rec = next(d for d in found if d["kind"] == "recording")
    r = runner.invoke(app, [*h, "catalog", "disputes", "resolve", rec["id"], "keep",
                            "--note", "checked with the label", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["status"] == "kept"
    r = runner.invoke(app, [*h, "catalog", "disputes", "resolve", rec["id"], "maybe"])
    assert r.exit_code == 2 and "resolution 'maybe' is not one of keep, accept" in r.output
    r = runner.invoke(app, [*h, "catalog", "disputes", "--status", "all", "--json"])
    assert sorted(d["status"] for d in json.loads(r.stdout)) == ["kept", "open", "open"]
