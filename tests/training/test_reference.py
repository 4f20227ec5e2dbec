"""The reference model: packaging (manifest round trip), registration in another home (the
permission of every item at the snapshot's time and now), retirement on revocation, refusal of a
commercial request, and reproduction from the manifest. On a tiny configuration: real corpus
pieces imported by the catalogue (Essen; O'Neill's writer revokes `train` from 2026-06-01)."""

import gzip
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.catalog.importer import import_corpus
from accord.cli.main import app
from accord.config import Settings
from accord.creation import service as creation
from accord.creation.request import CreationRequest, Params
from accord.db.engine import make_engine, session_scope
from accord.errors import InvalidInput, Refused
from accord.rights import service as rights
from accord.rights.model import Purpose, Use
from accord.training import dataset_service, reference, reference_build, service
from accord.training import snapshot as S
from accord.training.model import preset
from accord.training.reference_package import package, reproduce
from accord.training.trainer import TrainConfig, train

runner = CliRunner()
SNAPSHOT_AT = datetime(2026, 3, 1, tzinfo=UTC)
BEFORE_REVOKE = datetime(2026, 5, 1, tzinfo=UTC)
AFTER_REVOKE = datetime(2026, 7, 1, tzinfo=UTC)


def _packaging_script():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "package-reference.py"
    spec = importlib.util.spec_from_file_location("package_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _home(tmp_path_factory, name: str, limit: int) -> Path:
    home = tmp_path_factory.mktemp(name)
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0
    import_corpus(Settings(home=home), ["essenFolksong", "oneills1850"], limit=limit, workers=1)
    return home


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A home, a snapshot at 2026-03-01, the grouped split, a tiny model, its package."""
    home = _home(tmp_path_factory, "ref-src", 8)
    s = Settings(home=home)
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        snap = dataset_service.build(session, s, Use.TRAIN, SNAPSHOT_AT)
        prep = reference_build.prepare(session, s, snap.id, seed=7, fractions=(0.2, 0.2))
    run = tmp_path_factory.mktemp("run")
    cfg = TrainConfig(model=preset("tiny", prep.tokenizer.vocab_size), out_dir=str(run / "run"),
                      seed=7, batch_size=8, max_steps=12, eval_interval=4, warmup_steps=2,
                      learning_rate=1e-2, min_lr=1e-3, progress=False, threads=1)
    train(cfg, [], split=(prep.train, prep.validation))
    from accord.training import quality
    from accord.training.trainer import load_best

    metrics = quality.held_out_report(load_best(run / "run"), prep.tokenizer, prep.train,
                                      prep.validation, prep.test, orders=(3, 4))
    pkg = run / "package"
    with session_scope(engine) as session:
        package(session, s, snap.id, run / "run", prep, {**metrics, "preset": "tiny"}, pkg,
                "test")
    _packaging_script().attribution_index(s, snap.id, prep.tokenizer, pkg)
    return {"home": home, "settings": s, "snapshot": snap, "prep": prep, "package": pkg,
            "metrics": metrics}


@pytest.mark.slow
def test_manifest_round_trip(built):
    ref = reference.load(built["package"])
    s = built["settings"]
    items = reference.manifest_items(ref)
    assert items == dataset_service.items(s, built["snapshot"].id)
    assert S.merkle_root(items) == built["snapshot"].merkle_root == ref.snapshot["merkle_root"]
    assert all(i.content_hash and i.rights_holders and i.artists and i.evidence for i in items)
    works = reference.read_gz_json(ref.path / "works.json.gz")
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        for w in works:
            shown = rights.show(session, w["id"])
            shown.pop("kind")
            assert shown == w
    assert reference.read_gz_json(ref.path / "split.json.gz") == built["prep"].split_of()
    meta = ref.meta
    assert meta["split"]["threshold"] == built["prep"].report["threshold"]
    assert meta["metrics"]["test_nats_per_token"] == built["metrics"]["test_nats_per_token"]
    assert "non-commercial" in (ref.path / "card.md").read_text().lower()


@pytest.mark.slow
def test_tampered_package_is_refused(built, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(built["package"], bad)
    w = bytearray((bad / "model.safetensors").read_bytes())
    w[-1] ^= 1
    (bad / "model.safetensors").write_bytes(bytes(w))
    with pytest.raises(Refused, match="SHA-256"):
        reference.load(bad)
    shutil.rmtree(bad)
    shutil.copytree(built["package"], bad)
    lines = gzip.decompress((bad / "snapshot/manifest.jsonl.gz").read_bytes()).decode()
    (bad / "snapshot/manifest.jsonl.gz").write_bytes(gzip.compress(
        lines.replace('"note_count":', '"note_count":1', 1).encode()))
    s = built["settings"]
    with session_scope(make_engine(s.db_url)) as session, \
            pytest.raises(InvalidInput, match="does NOT verify"):
        reference.import_reference(session, Settings(home=s.home), bad, at=BEFORE_REVOKE,
                                   register_missing_works=True)


@pytest.mark.slow
def test_registration_in_another_home_then_retirement_and_commercial_refusal(
        built, tmp_path_factory):
    home = _home(tmp_path_factory, "ref-dst", 2)  # the parties and consents, a few works
    s = Settings(home=home)
    engine = make_engine(s.db_url)
    pkg = str(built["package"])
    with session_scope(engine) as session, pytest.raises(Refused, match="not works in this"):
        reference.import_reference(session, s, built["package"], at=BEFORE_REVOKE)
    result = runner.invoke(app, ["--home", str(home), "model", "import-reference", "--path", pkg,
                                 "--at", "2026-05-01", "--register-works", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["status"] == "active" and out["created"] and out["not_permitted_now"] == 0
    assert out["works_registered"] > 0 and out["items"] == built["snapshot"].items
    model_id = out["model"]["id"]
    assert (s.models_dir / model_id / "model.pt").exists()
    assert (s.models_dir / model_id / "ngram-index.npz").exists()
    with session_scope(engine) as session:
        assert service.require_active_model(session, model_id).purpose == "non_commercial"
        assert reference.reference_model_id(session) == model_id
        with pytest.raises(Refused, match="commercial request is refused"):
            creation.create(session, s, CreationRequest(model_id, "new", Params(bars=4),
                                                        purpose=Purpose.COMMERCIAL))
    # creation works without the corpus's MIDI here: the guard and attribution indexes came
    # with the package; the credits name works registered from it
    with session_scope(engine) as session:
        made = creation.create(session, s, CreationRequest(model_id, "new",
                                                           Params(bars=2, seed=3),
                                                           formats=("wav",)))
    assert made.outputs and made.outputs[0].guard["passed"]
    with session_scope(engine) as session:
        from accord.attribution import service as attribution

        credits = attribution.credit_output(session, s, made.outputs[0].id)
    assert credits["stored"] and credits["method"]["name"] == "symbolic"
    # O'Neill's writer revoked `train` from 2026-06-01: the audit retires the reference model
    with session_scope(engine) as session:
        flagged = service.audit(session, AFTER_REVOKE)
    hit = next(f for f in flagged if f["model"] == model_id)
    assert hit["status"] == "retired" and hit["rights_holders"] == ["writer-oneills1850"]
    with session_scope(engine) as session, pytest.raises(Refused, match="retired"):
        service.require_active_model(session, model_id)
    again = runner.invoke(app, ["--home", str(home), "model", "import-reference", "--path", pkg,
                                "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["status"] == "retired"
    assert not json.loads(again.stdout)["created"]


@pytest.mark.slow
def test_import_after_a_revocation_retires_at_once(built, tmp_path_factory):
    home = _home(tmp_path_factory, "ref-late", 2)
    result = runner.invoke(app, ["--home", str(home), "model", "import-reference", "--path",
                                 str(built["package"]), "--at", "2026-07-01",
                                 "--register-works", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["status"] == "retired" and out["not_permitted_now"] > 0


@pytest.mark.slow
def test_reproduce_from_the_manifest(built):
    s = built["settings"]
    with session_scope(make_engine(s.db_url)) as session:
        reference.import_reference(session, s, built["package"], at=BEFORE_REVOKE)
        out = reproduce(session, s, built["package"])
    assert out["split_moved"] == 0 and out["full_length"]
    assert out["within_tolerance"], out
    with session_scope(make_engine(s.db_url)) as session:
        partial = reproduce(session, s, built["package"], max_steps=4)
    assert partial["steps"] == 4 and not partial["within_tolerance"]
    # a partial rerun is compared with the recorded run at the same validation step
    assert partial["compared_at_step"] == 4
    assert abs(partial["difference_at_step"]) <= partial["tolerance"], partial


def test_the_shipped_reference_model():
    try:
        ref = reference.load()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"the shipped reference model does not load: {exc}")
    assert ref.meta["weights_bytes"] <= 25 * 1024 * 1024
    assert ref.snapshot["purpose"] == "non_commercial" and ref.snapshot["use"] == "train"
    items = reference.manifest_items(ref)
    assert len(items) == ref.snapshot["items"]
    assert S.merkle_root(items) == ref.snapshot["merkle_root"]
    m = ref.meta["metrics"]
    assert m["test_nats_per_token"] > 0 and m["ngram_test_nats_per_token"] > 0
