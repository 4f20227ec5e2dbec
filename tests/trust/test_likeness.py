"""Voice (Resemblyzer, espeak-ng stand-in voices labelled demo) and style (attribution's
embedding) similarity through the service, against the registry's consent."""

from __future__ import annotations

import subprocess

import pytest
import symusic

from accord.catalog import service as catalog
from accord.catalog.importer import import_paths
from accord.db.engine import session_scope
from accord.demo import scenario
from accord.rights import service as rights_service
from accord.rights.audit import AuditLog
from accord.rights.document import parse_document
from accord.rights.model import ConsentAction, Use
from accord.timeutil import parse_instant
from accord.trust import service


def espeak(voice, text, dst):
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(dst), text], check=True)
    return dst


def reasons(d):
    return {r["rule"]: r for r in d["reasons"]}


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_voice_like_a_registered_artists_is_held_unless_she_opted_in(home, engine,
                                                                       tmp_path):
    ref = espeak("en+f3", "The lantern burns all night and the harbour lights are low, "
                 "I will carry you home across the water", tmp_path / "ref.wav")
    with session_scope(engine) as s:
        v = service.register_voice(s, scenario.SINGER, ref, AuditLog(s, "test"), demo=True)
        assert v["demo"] is True
    same = espeak("en+f3", "Night drive on the empty road, the radio is singing softly, "
                  "I remember every word you said", tmp_path / "same.wav")
    other = espeak("en+m3", "Night drive on the empty road, the radio is singing softly, "
                   "I remember every word you said", tmp_path / "other.wav")
    with session_scope(engine) as s:
        d = service.screen_upload(s, home, same, uploader="u1", audit=AuditLog(s, "t"))
    r = reasons(d)["voice"]
    assert d["outcome"] == "hold" and "not opted in to voice" in r["summary"]
    assert "(demo reference)" in r["summary"]
    with session_scope(engine) as s:
        d = service.screen_upload(s, home, other, uploader="u2", audit=AuditLog(s, "t"))
    assert "voice" not in reasons(d)
    with session_scope(engine) as s, pytest.raises(Exception, match="no performing artist"):
        service.register_voice(s, scenario.LABEL, ref, AuditLog(s, "test"))


def melody_midi(path, pitches, transpose=0):
    score = symusic.Score(480)
    track = symusic.Track()
    for i, p in enumerate(pitches):
        track.notes.append(symusic.Note(i * 480, 400, p + transpose, 90))
    score.tracks.append(track)
    score.dump_midi(str(path))
    return path


TUNE = [60, 62, 64, 65, 67, 65, 64, 62, 60, 67, 72, 71, 69, 67, 65, 64, 62, 60] * 3
#: A new tune in TUNE's style: its phrase's three-note cells in another order. Its style vector
#: is within the style threshold of TUNE's (cosine 0.978), while it shares only 13 % of its
#: melodic 8-grams with TUNE, so it is no melodic copy (the melodic_copy rule would reject
#: TUNE itself, transposed or not).
CELLS = [TUNE[i:i + 3] for i in range(0, 18, 3)]
SAME_STYLE = [p for j in (1, 2, 0, 4, 5, 3) for p in CELLS[j]] * 3


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_symbolic_upload_in_an_artists_style_needs_her_style_consent(home, engine,
                                                                       tmp_path):
    midi = melody_midi(tmp_path / "bea.mid", TUNE)
    report = import_paths(home, [midi], collection="bea")
    assert report.imported == 1
    with session_scope(engine) as s:
        item = catalog.list_items(s, collection="bea")["items"][0]
        doc = {"accord_rights_document": 1, "recordings": [{
            "id": "rec-bea-tune", "title": "Bea's tune", "work": item["work_id"],
            "artists": [scenario.SINGER], "masters": [{"party": scenario.LABEL,
                                                       "share": "100"}]}]}
        rights_service.import_document(s, parse_document(doc, "t"), "t", AuditLog(s, "t"))
    upload = melody_midi(tmp_path / "up.mid", SAME_STYLE, transpose=5)  # same style, moved up
    with session_scope(engine) as s:
        d = service.screen_upload(s, home, upload, uploader="u1", audit=AuditLog(s, "t"))
    assert d["kind"] == "symbolic" and d["outcome"] == "hold"
    r = reasons(d)["style"]
    assert "not opted in to style" in r["summary"]
    with session_scope(engine) as s:  # she opts in; her label licenses style: allowed
        rights_service.record_consent(s, scenario.SINGER, Use.STYLE, ConsentAction.OPT_IN,
                                      parse_instant("2026-01-02"), AuditLog(s, "t"))
        d = service.screen_upload(s, home, melody_midi(tmp_path / "up2.mid", SAME_STYLE, 7),
                                  uploader="u1", audit=AuditLog(s, "t"))
    assert d["outcome"] == "accept"
    f = next(f for f in d["findings"] if f["rule"] == "style")
    assert f["verdict"] == "licensed_style"
    assert next(f for f in d["findings"] if f["rule"] == "melodic_copy")["verdict"] == "clear"
