"""A real set, end to end (slow: renders a few corpus pieces with FluidSynth): candidates
from the registry, order, commentary, espeak-ng, the mix at -14 LUFS, FLAC + MP3 with the C2PA
credential, cue sheet, track list, and the plays appended to the royalty log."""

from __future__ import annotations

import json

import pytest
import soundfile as sf

from accord.config import Settings
from accord.demo.dj_stage import LISTENER, prepare
from accord.dj import credential, listens, mix, service
from accord.royalties import eventlog


@pytest.mark.slow
def test_cli_set_is_listenable_signed_and_recorded(tmp_path):
    from typer.testing import CliRunner

    from accord.cli.main import app

    s = Settings(home=tmp_path / "home")
    prep = prepare(s, render=(("bach", 3), ("airdsAirs", 2), ("ryansMammoth", 1)))
    assert len(prep["recordings"]) >= 4
    out = tmp_path / "out" / "set.flac"
    r = CliRunner().invoke(app, ["--home", str(s.home), "dj", "set", "--listener", LISTENER,
                                 "--minutes", "2", "--out", str(out), "--at",
                                 "2026-12-05T18:00:00Z", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output[r.output.index("{"):])
    ids = [t["recording_id"] for t in d["tracks"]]
    # Ryan's writer never opted in: its rendering is counted out, never played
    assert d["candidates"] + d["dropped"].get("not permitted for dj", 0) == \
        len(prep["recordings"])
    assert d["duration_s"] >= 120
    assert all(a != b for a, b in zip(ids, ids[1:], strict=False))
    y, rate = sf.read(str(out), always_2d=True)
    assert rate == 44100 and abs(len(y) / rate - d["duration_s"]) < 0.1
    assert abs(mix.loudness(y) - (-14.0)) < 0.5
    for f in (out, out.with_suffix(".mp3")):
        facts = credential.read(f)
        assert facts["voice"]["generated"] is True
        assert facts["voice"]["engine"] == "espeak-ng"
        assert [x["recording_id"] for x in facts["recordings"]] == ids
        assert all(x["human"] for x in facts["recordings"])
    cue = out.with_suffix(".cue").read_text()
    assert cue.count("TRACK ") == len(ids) and 'FILE "set.flac" WAVE' in cue
    assert d["commentary"][0]["text"].startswith("Hello, this is the Accord DJ, a generated")
    assert sum(t["charged_ms"] for t in d["tracks"]) + d["voice_ms"] == \
        round(d["duration_s"] * 1000)
    # the plays: usage events in the royalty log, the trail with the charged milliseconds
    usage = eventlog.read_table(s.events_dir, "usage").to_pylist()
    mine = sorted((u for u in usage if u["key"].startswith(f"dj-{d['set_id']}")),
                  key=lambda u: u["key"])
    assert [u["recording_id"] for u in mine] == ids
    trail = [x for x in listens.read_table(s).to_pylist() if x["set_id"] == d["set_id"]]
    assert sorted(x["seconds_ms"] for x in trail) == sorted(t["charged_ms"] for t in d["tracks"])
    # the listener's page finds the set
    assert service.latest_set(s, LISTENER)["set_id"] == d["set_id"]
