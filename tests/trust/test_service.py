"""Screening through the service on SQLite and PostgreSQL, decision path by decision path,
with real audio, real fingerprints (Chromaprint and our index), real C2PA credentials, the
real registry and its permission rule; appeals, review, the audit chain and the DJ's view."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accord.db.engine import session_scope
from accord.demo import scenario
from accord.errors import InvalidInput, NotFound, Refused
from accord.rights import audit as audit_chain
from accord.rights.audit import AuditLog
from accord.timeutil import parse_instant
from accord.trust import gather, service
from accord.trust.tables import FindingRow, ScreeningRow
from tests.trust.conftest import metadata, sign_as_ai, sox, write_tune


def screen(engine, home, path, **kw):
    with session_scope(engine) as s:
        return service.screen_upload(s, home, path, uploader=kw.pop("uploader", "u1"),
                                     audit=AuditLog(s, "test"), **kw)


def reasons(d):
    return {r["rule"]: r for r in d["reasons"]}


def test_a_clean_new_track_is_accepted_and_stored_with_its_findings(home, engine, tmp_path):
    wav = write_tune(tmp_path / "new.wav", seed=7)
    meta = metadata(tmp_path / "m.json", title="Harbour Lights", artists=["Nobody Known"],
                    ai_generated=False)
    d = screen(engine, home, wav, metadata=meta)
    assert d["outcome"] == "accept" and d["reasons"] == [] and not d["flagged"]
    assert d["disclosure"]["declared_ai"] is False
    with session_scope(engine) as s:
        rules = {f.rule for f in s.scalars(select(FindingRow).where(
            FindingRow.screening_id == d["id"]))}
        assert rules == {f["rule"] for f in d["findings"]} and "reupload" in rules
        entry = audit_chain.entries_for(s, "trust_screenings", d["id"])
        assert [e.action for e in entry] == ["screening.decide"]
        assert audit_chain.verify(s).ok
    assert (home.trust_dir / "uploads" / f"{d['content_hash']}.wav").exists()


@pytest.mark.slow
def test_a_pitch_shifted_reupload_of_a_catalogue_recording_is_caught(home, engine, tmp_path):
    original = home.media_dir  # the catalogue audio lives where the fixture wrote it
    del original
    src = write_tune(tmp_path / "again.wav", seed=1)  # the catalogue recording's audio
    shifted = sox(src, tmp_path / "shifted.wav", "pitch", "200")
    d = screen(engine, home, shifted, uploader="u2")
    r = reasons(d)["reupload"]
    assert d["outcome"] == "reject" and d["flagged"]
    assert f"recording:{scenario.RECORDING}" in r["summary"]
    f = next(f for f in d["findings"] if f["rule"] == "reupload")
    best = f["evidence"]["matches"][0]
    assert best["layer"] == "index" and 1.09 < best["pitch_ratio"] < 1.15
    # the same audio re-encoded: Chromaprint alone finds it, with its offset
    mp3 = sox(src, tmp_path / "again.mp3", "trim", "3")
    d = screen(engine, home, mp3, uploader="u3")
    layers = {m["layer"] for f in d["findings"] if f["rule"] == "reupload"
              for m in f["evidence"]["matches"]}
    assert d["outcome"] == "reject" and "chromaprint" in layers


def test_undisclosed_ai_credited_to_an_artist_without_voice_consent_is_held(home, engine,
                                                                           tmp_path):
    ai = sign_as_ai(home, write_tune(tmp_path / "raw.wav", seed=9), tmp_path / "ai.wav")
    meta = metadata(tmp_path / "m.json", title="Night Drive", artists=["Bеa Lantern"],
                    ai_generated=False)  # a Cyrillic е, and "not AI"
    d = screen(engine, home, ai, metadata=meta, uploader="u4")
    r = reasons(d)
    assert d["outcome"] == "hold" and d["flagged"] and d["ai_label"]
    assert r["disclosure"]["summary"].startswith("C2PA credential declares AI")
    assert "Bea Lantern" in r["impersonation_name"]["summary"]
    assert "not opted in to voice" in r["impersonation_name"]["summary"]
    assert d["disclosure"]["c2pa"]["ai"] is True


def test_an_artist_uploading_under_their_own_name_is_not_impersonation(home, engine, tmp_path):
    wav = write_tune(tmp_path / "own.wav", seed=11)
    meta = metadata(tmp_path / "m.json", title="Home", artists=["Bea Lantern"])
    d = screen(engine, home, wav, metadata=meta, uploader_party=scenario.SINGER)
    assert d["outcome"] == "accept"
    other = screen(engine, home, write_tune(tmp_path / "o.wav", seed=12), metadata=meta,
                   uploader="u5")
    assert other["outcome"] == "hold"


def test_a_ddex_message_supplies_credits_disclosure_and_the_recording(home, engine, tmp_path):
    ern = tmp_path / "ern.xml"
    ern.write_text(f"""<?xml version="1.0"?>
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/431">
 <PartyList><Party><PartyReference>P1</PartyReference>
   <PartyName><FullName>Nobody Known</FullName></PartyName></Party></PartyList>
 <ResourceList><SoundRecording>
   <ResourceReference>A1</ResourceReference>
   <Type>MusicalWorkSoundRecording</Type>
   <SoundRecordingEdition><ResourceId><ISRC>{scenario.ISRC}</ISRC></ResourceId>
   </SoundRecordingEdition>
   <DisplayTitleText>Lantern Song</DisplayTitleText>
   <DisplayArtist><ArtistPartyReference>P1</ArtistPartyReference></DisplayArtist>
   <Duration>PT24S</Duration>
   <ContainsAI>All</ContainsAI>
 </SoundRecording></ResourceList>
</ern:NewReleaseMessage>""")
    d = screen(engine, home, write_tune(tmp_path / "d.wav", seed=13), ddex=ern)
    assert d["artists"] == ["Nobody Known"] and d["title"] == "Lantern Song"
    assert d["recording"] == scenario.RECORDING
    assert d["outcome"] == "accept_labelled_ai"
    assert d["disclosure"]["fields"] == [["ContainsAI", "All"]]
    assert d["disclosure"]["extent"] == "all"


def test_mass_uploads_and_duplicates_are_held(home, engine, tmp_path):
    wav = write_tune(tmp_path / "dup.wav", seed=21, seconds=6)
    first = screen(engine, home, wav, uploader="spammer")
    again = screen(engine, home, wav, uploader="spammer")
    assert first["outcome"] == "accept"
    assert again["outcome"] == "hold" and "duplicate" in reasons(again)
    other = screen(engine, home, wav, uploader="someone-else")
    assert "duplicate" not in reasons(other) and reasons(other)["reupload"]["outcome"] == \
        "reject"


def test_appeal_review_and_the_djs_view(home, engine, tmp_path):
    wav = write_tune(tmp_path / "c.wav", seed=31)
    meta = metadata(tmp_path / "m.json", title="Lights", artists=["Bea Lantern"])
    at = parse_instant("2026-11-01T00:00:00Z")
    with session_scope(engine) as s:
        d = service.screen_upload(s, home, wav, uploader="u6", audit=AuditLog(s, "test"),
                                  metadata=meta, recording=scenario.RECORDING, at=at)
    assert d["outcome"] == "hold" and d["recording"] == scenario.RECORDING
    with session_scope(engine) as s:
        assert service.excluded_recordings(s, parse_instant("2026-11-02")) == {
            scenario.RECORDING}
        assert service.excluded_recordings(s, parse_instant("2026-10-31")) == set()
        with pytest.raises(Refused, match="only the uploader"):
            service.appeal(s, d["id"], "u7", "mine", AuditLog(s, "test"))
        with pytest.raises(InvalidInput, match="statement"):
            service.appeal(s, d["id"], "u6", "  ", AuditLog(s, "test"))
    with session_scope(engine) as s:
        a = service.appeal(s, d["id"], "u6", "I am Bea's cover band; licence attached",
                           AuditLog(s, "u6"))
        assert a["status"] == "appealed" and a["appeals"][0]["status"] == "open"
        with pytest.raises(InvalidInput, match="already has an open appeal"):
            service.appeal(s, d["id"], "u6", "again", AuditLog(s, "u6"))
        queue = service.list_screenings(s, queue=True)
        assert [q["id"] for q in queue] == [d["id"]] and queue[0]["findings"]
    with session_scope(engine) as s:
        r = service.review(s, d["id"], "admin", "accept", "licence checked", AuditLog(s, "adm"),
                           parse_instant("2026-11-10"))
        assert r["outcome"] == "accept" and r["screened_outcome"] == "hold"
        assert r["appeals"][0]["review_outcome"] == "accept"
        assert service.excluded_recordings(s, parse_instant("2026-11-11")) == set()
        assert service.list_screenings(s, queue=True) == []
        actions = [e.action for e in audit_chain.entries_for(s, "trust_screenings", d["id"])]
        assert actions == ["screening.decide", "screening.appeal", "screening.review"]
        assert audit_chain.verify(s).ok
        with pytest.raises(InvalidInput, match="only a hold or a rejection"):
            service.appeal(s, d["id"], "u6", "again", AuditLog(s, "u6"))
        with pytest.raises(InvalidInput, match="use one of"):
            service.review(s, d["id"], "admin", "delete", "", AuditLog(s, "adm"))
        with pytest.raises(NotFound):
            service.show(s, "scr-nope")


def test_nothing_is_stored_for_bad_input(home, engine, tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(InvalidInput), session_scope(engine) as s:
        service.screen_upload(s, home, bad, uploader="u8", audit=AuditLog(s, "test"))
    with pytest.raises(InvalidInput, match=r"--metadata or --ddex\), not both"), \
            session_scope(engine) as s:
        service.screen_upload(s, home, write_tune(tmp_path / "x.wav", 3), uploader="u8",
                              audit=AuditLog(s, "test"), metadata=bad, ddex=bad)
    with session_scope(engine) as s:
        assert s.scalars(select(ScreeningRow)).all() == []
        assert audit_chain.entries_for(s, "trust_screenings", "u8") == []


def test_her_opt_in_is_not_enough_without_a_licence_from_her_label(home, engine, tmp_path):
    from accord.rights import service as rights_service
    from accord.rights.model import ConsentAction, Use

    with session_scope(engine) as s:  # Northwind licenses train, style and dj, not voice
        rights_service.record_consent(s, scenario.SINGER, Use.VOICE, ConsentAction.OPT_IN,
                                      parse_instant("2026-01-02"), AuditLog(s, "t"))
    meta = metadata(tmp_path / "m.json", title="Song", artists=["Bea Lantern"])
    d = screen(engine, home, write_tune(tmp_path / "v.wav", seed=51), metadata=meta)
    summary = reasons(d)["impersonation_name"]["summary"]
    assert d["outcome"] == "hold" and "opted in to voice but no recording" in summary


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_over_the_scan_limit_chromaprint_confirms_only_the_index_candidates(home, engine,
                                                                            tmp_path,
                                                                            monkeypatch):
    monkeypatch.setattr(gather, "CHROMAPRINT_SCAN_ALL", 0)
    src = write_tune(tmp_path / "again.wav", seed=1)  # the catalogue recording's audio
    d = screen(engine, home, sox(src, tmp_path / "again.flac", "trim", "2"), uploader="u9")
    f = next(f for f in d["findings"] if f["rule"] == "reupload")
    assert {m["layer"] for m in f["evidence"]["matches"]} == {"index", "chromaprint"}
    assert d["outcome"] == "reject"
    unrelated = screen(engine, home, write_tune(tmp_path / "new.wav", seed=77), uploader="u9")
    assert unrelated["outcome"] == "accept"


@pytest.mark.slow
def test_an_outdated_index_is_refused_with_its_command_and_rebuilt_from_all_the_audio(
        home, engine, tmp_path):
    """After an upgrade that changed the index's format, screening stops with the command that
    rebuilds it (nothing stored), and the rebuild re-reads the catalogue and earlier uploads."""
    import json

    from typer.testing import CliRunner

    from accord.cli.main import app

    first = screen(engine, home, write_tune(tmp_path / "first.wav", seed=7))
    path = gather.index_path(home)
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format"] -= 1  # as an index written by the previous release
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidInput, match=r"accord screen index --rebuild"):
        screen(engine, home, write_tune(tmp_path / "second.wav", seed=8))
    with session_scope(engine) as s:
        assert len(s.scalars(select(ScreeningRow)).all()) == 1
    r = CliRunner().invoke(app, ["--home", str(home.home), "--database-url", home.database_url,
                                 "screen", "index", "--rebuild", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d == {"added": 2, "skipped": 0, "indexed": 2, "rebuilt": True}
    index = gather.open_index(home)
    assert f"recording:{scenario.RECORDING}" in index and f"upload:{first['id']}" in index
    assert not path.with_name(path.name + ".rebuild").exists()
    # both tracks were written as one segment (gather.INDEX_BATCH), not one segment each
    assert len(json.loads((path / "manifest.json").read_text())["segments"]) == 1
    # the earlier upload is found again: a copy of it is now a duplicate of that upload
    again = screen(engine, home, write_tune(tmp_path / "copy.wav", seed=7), uploader="u9")
    refs = {m["reference"] for f in again["findings"] if f["rule"] == "reupload"
            for m in f["evidence"]["matches"]}
    assert f"upload:{first['id']}" in refs
