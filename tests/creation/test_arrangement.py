"""Arranged audio: the rule-based harmoniser, bass and rhythm by metre, instruments by style;
over a real home, the arrangement is rendered at -14 LUFS, stated in provenance (the model made
the melody, rules the rest), and changes neither the melody nor the credits."""

from decimal import Decimal
from pathlib import Path

import pytest
import soundfile as sf
import symusic

from accord.attribution import service as attribution
from accord.creation import arrange, render, service
from accord.creation.harmony import harmonise
from accord.creation.music import Key
from accord.creation.request import CreationRequest, Params
from accord.creation.styles import STYLES, style_for

Q = 480  # ticks per quarter


def _melody(bars: list[list[int]], beats=4) -> symusic.Score:
    """One note per beat, bar by bar."""
    score, track = symusic.Score(Q), symusic.Track("m", program=0)
    for b, pitches in enumerate(bars):
        for i, p in enumerate(pitches):
            track.notes.append(symusic.Note((b * beats + i) * Q, Q, p, 90))
    score.tracks.append(track)
    score.tempos.append(symusic.Tempo(0, 120.0))
    return score


def test_the_harmoniser_fits_chords_to_the_melody_and_cadences():
    notes = [(n.time, n.duration, n.pitch) for n in _melody(
        [[60, 64, 67, 64], [65, 69, 72, 69], [67, 71, 74, 71], [72, 67, 64, 60]]).tracks[0].notes]
    chords = harmonise(notes, Key(0, "major"), 4, 4 * Q)
    assert [c.name for c in chords] == ["C", "F", "G", "C"]
    assert [c.degree for c in chords] == ["I", "IV", "V", "I"]
    minor = harmonise(notes[:4], Key(9, "minor"), 2, 4 * Q)
    assert minor[-1].name == "Am" and minor[0].degree in ("V", "iv")  # cadence side, then i


@pytest.mark.parametrize("meter,bass_beats,chord_beats", [
    ((4, 4), [0, 2], [1, 3]), ((3, 4), [0], [1, 2]), ((6, 8), [0, 3], [2, 5]),
    ((2, 4), [0], [1]),
])
def test_bass_and_chords_follow_the_metre(meter, bass_beats, chord_beats):
    beat = Q * 4 // meter[1]
    score = _melody([[72] * meter[0]] * 3, beats=meter[0])
    for t in score.tracks:
        for n in t.notes:
            n.time, n.duration = n.time * beat // Q, beat
    arr = arrange.arrange(score, Key(0, "major"), meter, STYLES["irish"])
    mel, comp, bass = arr.score.tracks
    assert [t.program for t in arr.score.tracks] == [110, 25, 32]  # fiddle, guitar, bass
    assert [(n.time, n.pitch) for n in mel.notes] == [(n.time, n.pitch)
                                                      for n in score.tracks[0].notes]
    bar = beat * meter[0]
    first_bar_bass = sorted({n.time // beat for n in bass.notes if n.time < bar})
    first_bar_chords = sorted({n.time // beat for n in comp.notes if n.time < bar})
    assert first_bar_bass == bass_beats and first_bar_chords == chord_beats
    assert all(36 <= n.pitch <= 50 for n in bass.notes)
    assert all(n.pitch < 72 for n in comp.notes)           # below the tune
    last = [n for n in comp.notes if n.time >= 2 * bar]
    assert {n.pitch % 12 for n in last} == {0, 4, 7} and all(n.duration == bar for n in last)


def test_chorales_are_sustained_strings_and_styles_follow_the_collections():
    arr = arrange.arrange(_melody([[67, 69, 71, 72]] * 2), Key(7, "major"), (4, 4),
                          STYLES["chorale"])
    assert [t.program for t in arr.score.tracks] == [40, 48, 42]
    assert all(n.duration == 4 * Q for n in arr.score.tracks[1].notes)
    assert style_for(["oneills1850", "oneills1850", "essenFolksong"]) == "irish"
    assert style_for(["bach"]) == "chorale" and style_for(["essenFolksong"]) == "folk"
    assert style_for(["beethoven"]) == "piano" and style_for([]) == "piano"
    parts = {p["part"]: p["made_by"] for p in arr.summary["parts"]}
    assert parts == {"melody": "model", "chords": "rule", "bass": "rule", "rhythm": "rule"}


def test_rendering_is_in_process_deterministic_and_at_minus_14_lufs(tmp_path):
    midi = tmp_path / "a.mid"
    arr = arrange.arrange(_melody([[67, 69, 71, 72]] * 4), Key(7, "major"), (4, 4),
                          STYLES["folk"])
    midi.write_bytes(arr.score.dumps_midi())
    assert (render.synthesize(midi) == render.synthesize(midi)).all()
    out = render.render(midi, tmp_path / "o", "x", ("wav", "flac"))
    for fmt in ("wav", "flac"):
        data, rate = sf.read(str(out[fmt]["path"]), always_2d=True)
        assert abs(render.loudness(data, rate) - render.TARGET_LUFS) < 0.5
        assert 8.0 <= data.shape[0] / rate <= 9.2   # 4 bars at 120 bpm, plus the release


@pytest.mark.slow
def test_an_output_states_its_arrangement_and_keeps_its_credits(home):
    def make(arrangement):
        req = CreationRequest(home.model_id, "new", Params(
            bars=4, seed=23, key="D major", meter="6/8", arrangement=arrangement),
            formats=("wav",))
        with home.session() as s:
            out = service.create(s, home.settings, req).outputs[0]
        with home.session() as s:
            credited = attribution.credit_output(s, home.settings, out.id)
        return out, credited

    arranged, credits = make("irish")
    bare, bare_credits = make("none")
    assert arranged.token_ids == bare.token_ids          # the model's melody, unchanged
    assert arranged.files["midi"]["sha256"] == bare.files["midi"]["sha256"]
    assert [(c["item_id"], c["share"]) for c in credits["credits"]] == \
        [(c["item_id"], c["share"]) for c in bare_credits["credits"]]
    assert sum(Decimal(c["share"]) for c in credits["credits"]) == 1
    facts = service.verify(home.settings, Path(arranged.files["wav"]["path"])).facts
    assert facts["arrangement"]["style"] == "irish"
    assert {p["part"]: p["made_by"] for p in facts["arrangement"]["parts"]} == {
        "melody": "model", "chords": "rule", "bass": "rule", "rhythm": "rule"}
    assert facts["arrangement"]["parts"][0]["model"] == home.model_id
    assert len(facts["arrangement"]["chords"]) == 4 and facts["arrangement"]["meter"] == "6/8"
    assert facts["arrangement_midi_sha256"] == arranged.files["arrangement"]["sha256"]
    assert service.verify(home.settings, Path(arranged.files["arrangement"]["path"])).ok
    shaped = arranged.parameters["shaped"]
    assert shaped["bars"] == 4 and shaped["meter"] == "6/8" and shaped["key"] == "D major"
    tracks = symusic.Score(arranged.files["arrangement"]["path"]).tracks
    assert [t.program for t in tracks] == [110, 25, 32]
    assert abs(arranged.files["wav"]["loudness_lufs"] - render.TARGET_LUFS) < 0.5
    assert set(bare.files) == {"midi", "sidecar", "wav"}
    assert bare.parameters["arranged"]["style"] == "none"
