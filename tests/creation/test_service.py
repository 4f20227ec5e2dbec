"""The creation service end to end over a real home (tiny model trained in the fixture):
outputs are recorded with their files, deterministic by seed, and every refusal says why."""

import hashlib
import random
from datetime import timedelta
from pathlib import Path

import pytest
import symusic
from creation.conftest import ESSEN, ONEILL

from accord.creation import compose, guard, service
from accord.creation.music import midi_bytes
from accord.creation.request import CreationRequest, Params
from accord.creation.tables import GuardEventRow
from accord.errors import InvalidInput, NotFound, Refused
from accord.rights import service as rights
from accord.rights.audit import AuditLog
from accord.rights.model import ConsentAction, Purpose, Use
from accord.timeutil import now
from accord.training.tables import ModelVersionRow

pytestmark = pytest.mark.slow


def _create(home, kind="new", **kw):
    params = kw.pop("params", Params(bars=4, seed=kw.pop("seed", 1)))
    at, limit = kw.pop("at", None), kw.pop("guard_threshold", None)
    req = CreationRequest(home.model_id, kind, params, formats=kw.pop("formats", ("wav",)), **kw)
    with home.session() as s:
        return service.create(s, home.settings, req, at=at, guard_threshold=limit)


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _fresh_midi(path: Path, seed: int = 3) -> Path:
    rng = random.Random(seed)
    score, track, pitch = symusic.Score(480), symusic.Track("mine", program=0), 64
    for i in range(24):
        pitch = max(55, min(79, pitch + rng.choice((-3, -2, -1, 1, 2, 4))))
        track.notes.append(symusic.Note(i * 240, 240, pitch, 80))
    score.tracks.append(track)
    path.write_bytes(midi_bytes(score))
    return path


def test_a_new_piece_is_recorded_with_verified_files_and_is_deterministic(home):
    result = _create(home, seed=7, params=Params(bars=4, seed=7, key="G major", tempo=100))
    (out,) = result.outputs
    with home.session() as s:
        stored = service.get_output(s, out.id)
        listed = [o.id for o in service.list_outputs(s, model_id=home.model_id)]
    assert stored.id in listed and stored.kind == "new" and stored.purpose == "non_commercial"
    assert stored.model_id == home.model_id and stored.guard["passed"] and stored.seed == 7
    assert stored.parameters["shaped"]["key"] == "G major" and stored.parameters["tempo"] == 100
    assert set(stored.files) == {"midi", "sidecar", "arrangement", "arrangement_sidecar", "wav"}
    for f in stored.files.values():
        assert _sha(f["path"]) == f["sha256"]
    assert stored.token_ids[stored.generated_from - 1] is not None
    for role in ("midi", "arrangement", "wav"):
        assert service.verify(home.settings, Path(stored.files[role]["path"])).ok

    again = _create(home, seed=7, params=Params(bars=4, seed=7, key="G major", tempo=100))
    assert again.existing == [out.id] and again.outputs[0].files == stored.files

    # byte-identical MIDI from the same seed and inputs, recomputed from scratch
    with home.session() as s:
        row = s.get(ModelVersionRow, home.model_id)
        model, tok = service.load_model(home.settings, row)
    p = Params(bars=4, seed=7, key="G major", tempo=100)
    plan = compose.plan(tok, "new", p)
    ((new, built),) = compose.generate(model, tok, plan, p, [7])
    assert hashlib.sha256(midi_bytes(compose.shape(tok, plan, new, p, built).score)).hexdigest() \
        == stored.files["midi"]["sha256"]
    other = _create(home, seed=8).outputs[0]
    assert other.files["midi"]["sha256"] != stored.files["midi"]["sha256"]


def test_style_of_an_opted_in_writer_and_refusals_with_reasons(home):
    (out,) = _create(home, "style", artist=ONEILL).outputs
    assert out.conditioning_party == ONEILL and out.permission["allowed"]
    with home.session() as s:
        row = s.get(ModelVersionRow, home.model_id)
        _, tok = service.load_model(home.settings, row)
    assert out.token_ids[0] == tok.artist_id(ONEILL)
    assert service.verify(home.settings, Path(out.files["wav"]["path"])).facts[
        "conditioning"]["artist"] == ONEILL

    with pytest.raises(Refused, match="style conditioning on") as exc:
        _create(home, "style", artist=ESSEN)
    assert "has not opted in to 'style'" in str(exc.value)

    # a revocation after training counts, from its effective time
    later = now() + timedelta(days=2)
    with home.session() as s:
        rights.record_consent(s, ONEILL, Use.STYLE, ConsentAction.REVOKE, later,
                              AuditLog(s, "test"), reason="test: withdraws style")
    with pytest.raises(Refused, match="revoked 'style'"):
        _create(home, "style", artist=ONEILL, at=later + timedelta(hours=1))
    with pytest.raises(NotFound):
        _create(home, "style", artist="nobody-at-all")


def test_retired_models_and_commercial_requests_are_refused(home):
    with home.session() as s:
        row = s.get(ModelVersionRow, home.model_id)
        s.add(ModelVersionRow(**{c.name: getattr(row, c.name) for c in row.__table__.columns
                                 if c.name not in ("id", "status", "retired_reason")},
                              id="model-retired-test", status="retired",
                              retired_reason="test: an item was revoked"))
    with pytest.raises(Refused, match="is retired"), home.session() as s:
        service.create(s, home.settings, CreationRequest("model-retired-test"))
    with pytest.raises(Refused, match="a commercial request is refused"):
        _create(home, purpose=Purpose.COMMERCIAL)
    with pytest.raises(InvalidInput, match="--top-p"):
        _create(home, params=Params(bars=4, top_p=1.5))


def test_derivative_needs_remix_and_records_its_source(home):
    items = home.items()
    oneill = next(i.item_id for i in items if ONEILL in i.artists)
    essen = next(i.item_id for i in items if ESSEN in i.artists)
    (out,) = _create(home, "derivative", source_work=oneill,
                     params=Params(bars=4, seed=2, prime_bars=1)).outputs
    assert out.source_work == oneill and out.permission["allowed"]
    assert out.guard["excluded"] == [oneill]  # its licensed source is not held against it
    assert out.parameters["shaped"]["bars"] == 4
    with pytest.raises(Refused, match="needs 'remix' permission") as exc:
        _create(home, "derivative", source_work=essen)
    assert "has not opted in to 'remix'" in str(exc.value)


def test_continuation_and_variation_of_the_users_own_midi(home, tmp_path):
    mine = _fresh_midi(tmp_path / "mine.mid")
    (cont,) = _create(home, "continue", input_midi=mine).outputs
    assert cont.input_sha256 == _sha(mine) and cont.generated_from > 2
    notes_mine = len(symusic.Score(str(mine)).tracks[0].notes)
    assert len(symusic.Score(str(cont.midi_path)).tracks[0].notes) > notes_mine
    (var,) = _create(home, "variation", input_midi=mine,
                     params=Params(bars=4, seed=1, prime_bars=1)).outputs
    assert var.kind == "variation" and var.parameters["shaped"]["bars"] == 4


def test_a_planted_copy_is_refused_by_the_guard_and_logged(home):
    planted = home.midi_of(home.items()[0].item_id)  # a training work passed off as "mine"
    result = _create(home, "continue", input_midi=planted)
    assert not result.outputs and "reproduces a training work" in result.refused[0]["reason"]
    assert "occur in training work" in result.refused[0]["reason"]
    with home.session() as s:
        events = s.query(GuardEventRow).filter_by(action="refused").all()
    assert any(e.work_id == home.items()[0].item_id and e.coverage > e.threshold
               for e in events)


def test_a_copying_candidate_is_regenerated_with_derived_seeds_then_refused(home, tmp_path):
    """A variation primed with 4 bars of a training work reproduces them; with the guard
    tightened to 0 every candidate is stopped: regenerated twice, then refused, all logged."""
    work = home.items()[2].item_id
    score = symusic.Score(str(home.midi_of(work)))
    notes = sorted(score.tracks[0].notes, key=lambda n: n.time)
    bar = score.ticks_per_quarter * 4
    opening = [n for n in notes if n.time < 4 * bar]
    mine, track = symusic.Score(score.ticks_per_quarter), symusic.Track("mine", program=0)
    for n in opening:
        track.notes.append(symusic.Note(n.time, n.duration, n.pitch, 80))
    rng, t = random.Random(9), 4 * bar
    for _ in range(40):  # then new material: the input as a whole is not a copy
        track.notes.append(symusic.Note(t, bar // 4, rng.randint(55, 80), 80))
        t += bar // 4
    mine.tracks.append(track)
    path = tmp_path / "mine.mid"
    path.write_bytes(midi_bytes(mine))
    result = _create(home, "variation", input_midi=path, guard_threshold=0.0,
                     params=Params(bars=6, seed=11, prime_bars=4))
    assert not result.outputs and result.refused[0]["attempts"] == 3
    oid = result.refused[0]["output_id"]
    with home.session() as s:
        events = s.query(GuardEventRow).filter_by(output_id=oid).order_by(GuardEventRow.id).all()
    assert [e.action for e in events] == ["regenerated", "regenerated", "refused"]
    assert [e.seed for e in events] == [guard.derived_seed(11, a) for a in range(3)]
    assert all(e.work_id == work and e.coverage > 0 for e in events)
