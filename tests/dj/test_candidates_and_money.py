"""On SQLite and PostgreSQL: candidates are exactly the recordings permitted for `dj` at play
time (a revocation removes one from the next set), the event trail, and a royalty run that pays
the played recordings' holders exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from accord.config import Settings
from accord.db.engine import session_scope
from accord.dj import candidates, listener, listens, plays, service, timeline
from accord.dj.model import ListenKind
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import ConsentAction, Use
from accord.royalties import eventlog
from accord.royalties import service as royalties
from accord.royalties.policy import load_policy
from tests.rights_language import Scenario

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
T_REVOKE = datetime(2026, 11, 10, tzinfo=UTC)
T1 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def registry() -> Scenario:
    s = Scenario()
    s.label("L")
    s.publisher("P")
    for a in ("A1", "A2", "A3"):
        s.artist(a)
    s.writer("W")
    s.work("w1", writers=["W"], publishers=["P"])
    s.recording("r1", "w1", artists=["A1"], masters=["L"])
    s.recording("r2", "w1", artists=["A2"], masters=["L"])
    s.recording("r3", "w1", artists=["A3"], masters=["L"])
    s.agreement("L", uses=["dj"])
    s.agreement("P", uses=["dj"])
    for p in ("A1", "A2", "W"):
        s.opt_in(p, "dj", "2026-01-01")
    s.opt_in("A3", "train", "2026-01-01")  # A3 never opted in to dj
    return s


@pytest.fixture
def home(tmp_path, engine, db_url):
    s = Settings(home=tmp_path / "home", database_url=db_url)
    s.ensure_home()
    with session_scope(engine) as session:
        rights.import_document(session, parse_document(registry().doc, "test"), "test",
                               AuditLog(session, "test"))
    return s


def plan(engine, s, at, **kw):
    with session_scope(engine) as session:
        return service.plan_set(session, s, "L-1", 12, at, audio=False, **kw)


def test_a_revoked_dj_consent_removes_the_recording_from_the_next_set(home, engine):
    first = plan(engine, home, T0)
    ids = {p.track.recording_id for p in first["placed"]}
    assert ids == {"r1", "r2"}  # r3: its artist never opted in to dj
    assert first["dropped"]["not permitted for dj"] == 1
    with session_scope(engine) as session:
        rights.record_consent(session, "A2", Use.DJ, ConsentAction.REVOKE, T_REVOKE,
                              AuditLog(session, "test"), "no more radio")
    after = plan(engine, home, T1)
    assert {p.track.recording_id for p in after["placed"]} == {"r1"}
    assert after["dropped"]["not permitted for dj"] == 2
    spoken = " ".join(ln.text for ln in after["lines"])
    assert "A2 (test)" not in spoken
    # the same question at the earlier time still includes r2 (permission at play time)
    assert {p.track.recording_id for p in plan(engine, home, T0)["placed"]} == {"r1", "r2"}


def test_trust_exclusions_ai_setting_and_requests_filter_candidates(home, engine):
    with session_scope(engine) as session:
        assert listener.no_ai(session, "L-1") is True  # default on
        listener.set_no_ai(session, "L-1", False)
        assert listener.no_ai(session, "L-1") is False
    got = plan(engine, home, T0, request="no A1 today")
    assert {p.track.recording_id for p in got["placed"]} == {"r2"}
    assert got["dropped"]["excluded by request"] == 1
    from accord.dj.model import Features, Person, Track

    def t(rid, ai=False):
        return Track(rid, rid, 100.0, Features(rid, "8B", 100, 0.5, "x"),
                     performers=(Person("p", "p", True),), audio_path="x.wav", ai_generated=ai)
    pool, dropped = candidates.select({"a": t("a"), "b": t("b"), "c": t("c", ai=True)},
                                      permitted={"a", "b", "c"}, excluded={"b"}, no_ai=True)
    assert [x.recording_id for x in pool] == ["a"]
    assert dropped == {"flagged by trust": 1, "AI-generated (listener setting)": 1}


def test_the_play_trail_and_a_royalty_run_that_pays_the_plays_exactly(home, engine):
    # a set of three plays r1, r2, r1 with crossfades and voice (positions from the timeline)
    slots, voices, total = timeline.plan([60000, 61000, 59000], [120.0, 120.0, 120.0],
                                         [True, True, True], ["r1", "r2", "r1"],
                                         {0: 4000, 2: 3000, 3: 2000})
    ch = timeline.charges(slots, voices)
    assert sum(c.charged_ms for c in ch) + 9000 == total
    set_at = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
    usage = plays.usage_records("s1", set_at, ch)
    assert [u["recording_id"] for u in usage] == ["r1", "r2", "r1"]
    assert all(u["kind"] == "played" and u["feature"] == "dj" for u in usage)
    r = eventlog.ingest_records(home.events_dir, list(enumerate(usage, 1)), "dj")
    assert r.to_json()["accepted"] == {"usage": 3}
    again = eventlog.ingest_records(home.events_dir, list(enumerate(usage, 1)), "dj")
    assert again.duplicates == 3  # a set recorded twice counts once
    listens.append(home, plays.trail("s1", "L-1", set_at, ch), "test")
    trail = [r for r in listens.read_table(home).to_pylist() if r["kind"] == "dj_play"]
    assert [r["seconds_ms"] for r in trail] == [c.charged_ms for c in ch]
    assert {r["set_id"] for r in trail} == {"s1"}
    eventlog.ingest_records(home.events_dir, [(1, {
        "type": "revenue", "id": "rev-dj", "feature": "dj", "period": "2026-11",
        "territory": "WW", "currency": "EUR", "amount": "30.00"})], "test")
    with session_scope(engine) as session:
        summary = royalties.run_period(session, home, "2026-11", load_policy())
    # pool 15.00 (half of 30.00); r1 two plays, r2 one: 10.00 and 5.00; each half to the
    # master holder L, the other half to the work: writer W half, publisher P half.
    paid = {p: Decimal(v["EUR"]["paid"]) for p, v in summary["payees"].items()}
    assert paid == {"L": Decimal("7.50"), "W": Decimal("3.75"), "P": Decimal("3.75")}
    assert summary["pools"] == {"EUR": "15.00"}


def test_plays_carry_their_charged_seconds_and_a_per_second_policy_pays_by_them(home, engine):
    """The usage events carry the charged seconds (the crossfade overlap split between the two
    tracks, the voice's time charged to nobody); with units.played_per = "second" the run pays
    the recordings in proportion to them, exactly."""
    # r1 60 s then r2 60 s: a 3 s plain crossfade (not compatible), voice 4 s at the start and
    # 2 s over r2's intro, 5 s outro after the set
    slots, voices, total = timeline.plan([60000, 60000], [120.0, 90.0], [True, False],
                                         ["r1", "r2"], {0: 4000, 1: 2000, 2: 5000})
    ch = timeline.charges(slots, voices)
    assert slots[1].fade_in_ms == 3000
    # r1 owns [0, 58.5 s): the first half of the overlap; less the 4 s of voice over it
    # r2 owns [58.5 s, 117 s): the second half; less the 2 s of voice over its intro
    assert [c.charged_ms for c in ch] == [58500 - 4000, 58500 - 2000]
    assert sum(c.charged_ms for c in ch) + 11000 == total
    at = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    usage = plays.usage_records("s3", at, ch)
    assert [u["seconds"] for u in usage] == ["54.500", "56.500"]
    eventlog.ingest_records(home.events_dir, list(enumerate(usage, 1)), "dj")
    assert [e.seconds_ms for e in eventlog.usage_events(home.events_dir)] == [54500, 56500]
    eventlog.ingest_records(home.events_dir, [(1, {
        "type": "revenue", "id": "rev-dj", "feature": "dj", "period": "2026-11",
        "territory": "WW", "currency": "EUR", "amount": "222.00"})], "test")
    text = load_policy().canonical()  # the shipped policy, counting a play by its seconds
    policy_file = home.home / "per-second.toml"
    src = Path(eventlog.__file__).with_name("default_policy.toml").read_text()
    policy_file.write_text(src.replace('played_per = "play"', 'played_per = "second"'))
    per_second = load_policy(policy_file)
    assert per_second.units.played_per == "second" and per_second.canonical() != text
    with session_scope(engine) as session:
        summary = royalties.run_period(session, home, "2026-11", per_second)
    # pool 111.00 split 54.5 : 56.5 (109 : 113): r1 54.50, r2 56.50; both recordings of work
    # w1 with master L: L gets half of each, the writer W and publisher P a quarter each
    paid = {p: Decimal(v["EUR"]["paid"]) for p, v in summary["payees"].items()}
    assert paid == {"L": Decimal("55.50"), "W": Decimal("27.75"), "P": Decimal("27.75")}
    assert summary["pools"] == {"EUR": "111.00"}
    with session_scope(engine) as session:
        st = royalties.statement(session, home, "L", "2026-11")
    by_item = {ln["item_id"]: (str(ln["units"]), Decimal(ln["amount"]))
               for ln in st["currencies"]["EUR"]["lines"]}
    # the master halves of r1 and r2, in proportion to the seconds charged (109 : 113)
    assert by_item == {"r1": ("54500", Decimal("27.25")), "r2": ("56500", Decimal("28.25"))}


def test_cli_ingest_refuses_a_bad_file_whole_and_counts_duplicates(home, tmp_path):
    from typer.testing import CliRunner

    from accord.cli.main import app

    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps(r) for r in [
        {"id": "e1", "listener": "L-1", "recording": "r1", "kind": "full", "seconds": "61.5",
         "at": "2026-11-01T10:00:00Z"},
        {"id": "e2", "listener": "L-1", "recording": "r2", "kind": "skip", "seconds": 12,
         "at": "2026-11-01T10:01:00Z"}]) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "e3", "listener": "L-1", "recording": "r1",
                               "kind": "play", "seconds": 1.5, "at": "2026-11-01"}) + "\n"
                   + "{not json\n")
    runner = CliRunner()
    base = ["--home", str(home.home), "--database-url", home.database_url]
    r = runner.invoke(app, base + ["dj", "ingest", str(good), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"accepted": 2, "duplicates": 0}
    r = runner.invoke(app, base + ["dj", "ingest", str(good), "--json"])
    assert json.loads(r.output) == {"accepted": 0, "duplicates": 2}
    r = runner.invoke(app, base + ["dj", "ingest", str(bad)])
    assert r.exit_code == 2
    assert "bad.jsonl:1" in r.output and "seconds must be" in r.output
    assert "bad.jsonl:2" in r.output and "not JSON" in r.output
    assert len(listens.read_table(home)) == 2  # nothing of the bad file was written
    assert {e[2] for e in listens.history(home, "L-1")} == {ListenKind.FULL.value, "skip"}
    r = runner.invoke(app, base + ["dj", "set", "--listener", "L-1", "--minutes", "0",
                                   "--out", str(tmp_path / "x.flac")])
    assert r.exit_code == 2 and "minutes must be between 1 and 120" in r.output


def test_plays_after_a_lapsed_dj_consent_are_withheld_not_paid(home, engine):
    """The royalty run's safety net: a play recorded while the writer's dj consent was revoked
    pays nothing to that writer (withheld, with the reason); the others are paid as before."""
    with session_scope(engine) as session:
        rights.record_consent(session, "W", Use.DJ, ConsentAction.REVOKE, T_REVOKE,
                              AuditLog(session, "test"), "no more radio")
    slots, voices, _ = timeline.plan([60000], [120.0], [True], ["r1"], {})
    usage = plays.usage_records("s2", datetime(2026, 11, 21, tzinfo=UTC),
                                timeline.charges(slots, voices))
    eventlog.ingest_records(home.events_dir, list(enumerate(usage, 1)), "dj")
    eventlog.ingest_records(home.events_dir, [(1, {
        "type": "revenue", "id": "rev-dj", "feature": "dj", "period": "2026-11",
        "territory": "WW", "currency": "EUR", "amount": "30.00"})], "test")
    with session_scope(engine) as session:
        summary = royalties.run_period(session, home, "2026-11", load_policy())
    assert "W" not in summary["payees"]
    held = summary["withheld"]["W"]["EUR"]
    assert Decimal(held["amount"]) == Decimal("3.75")
    assert any("dj revoked" in why for why in held["reasons"])
    assert Decimal(summary["payees"]["L"]["EUR"]["paid"]) == Decimal("7.50")
