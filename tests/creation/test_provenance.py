"""Rendering at -14 LUFS, C2PA credentials in WAV/FLAC/MP3 and the signed MIDI sidecar: each
verifies against the development root, and a changed byte (or another root) does not."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import symusic

from accord.catalog.audio import _decode
from accord.config import Settings
from accord.creation import keys, provenance, render
from accord.creation.music import midi_bytes
from accord.creation.output import Output
from accord.errors import InvalidInput


@pytest.fixture(scope="module")
def material(tmp_path_factory) -> keys.SigningMaterial:
    s = Settings(home=tmp_path_factory.mktemp("keys-home"))
    s.ensure_home()
    assert keys.ensure_dev_chain(s)["created"]
    assert not keys.ensure_dev_chain(s)["created"]  # idempotent
    assert oct(s.signing_key_path.stat().st_mode & 0o777) == "0o600"
    assert b"BEGIN PRIVATE KEY" in s.signing_key_path.read_bytes()  # PKCS#8
    return keys.signing_material(s)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("render")
    score = symusic.Score(480)
    track = symusic.Track("m", program=0)
    for i, p in enumerate((60, 62, 64, 65, 67, 65, 64, 62, 60, 67, 72, 67)):
        track.notes.append(symusic.Note(i * 240, 240, p, 90))
    score.tracks.append(track)
    midi = d / "output.mid"
    midi.write_bytes(midi_bytes(score))
    return {"midi": midi, **render.render(midi, d / "unsigned", "output", ("wav", "flac", "mp3"))}


def _facts(midi: Path) -> dict:
    out = Output(id="out-test", kind="style", created_at=datetime(2026, 11, 1, tzinfo=UTC),
                 model={"id": "model-x", "preset": "tiny", "weights_sha256": "ab" * 32},
                 snapshot_id="ds-x", merkle_root="cd" * 32, purpose="non_commercial",
                 parameters={"bars": 4}, seed=1, requested_seed=1, token_ids=(1, 2),
                 generated_from=1, midi_path=midi, conditioning_party="writer-x",
                 conditioning_name="X", files={"midi": {"sha256": "00"}})
    return provenance.provenance_facts(out)


def test_render_is_normalised_to_minus_14_lufs_in_every_format(rendered):
    for fmt in ("wav", "flac", "mp3"):
        data, rate = _decode(rendered[fmt]["path"])
        assert render.loudness(data, rate) == pytest.approx(-14.0, abs=1.0), fmt
        assert abs(data).max() <= 1.0


def test_facts_carry_the_required_statements(rendered):
    f = _facts(rendered["midi"])
    assert f["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert f["model"]["id"] == "model-x" and f["dataset"]["merkle_root"] == "cd" * 32
    assert f["conditioning"]["artist"] == "writer-x" and f["credits"] == {"status": "pending"}
    assert f["training_mining"]["use"] == "notAllowed"
    labels = [a["label"] for a in provenance.c2pa_manifest(f)["assertions"]]
    assert labels == ["c2pa.actions", "c2pa.training-mining", provenance.ASSERTION]


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_c2pa_sign_verify_and_tamper(fmt, rendered, material, tmp_path):
    signed = tmp_path / f"output.{fmt}"
    provenance.sign_audio(rendered[fmt]["path"], signed, _facts(rendered["midi"]), material)
    v = provenance.verify_file(signed, material.anchors_pem)
    assert v.ok and v.trusted and v.signature_valid and v.content_matches, v.problems
    assert v.facts["output_id"] == "out-test"
    assert v.training_mining["c2pa.ai_training"]["use"] == "notAllowed"
    data = bytearray(signed.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of the audio
    tampered = tmp_path / f"tampered.{fmt}"
    tampered.write_bytes(bytes(data))
    bad = provenance.verify_file(tampered, material.anchors_pem)
    assert not bad.ok and not bad.content_matches and bad.problems


def test_c2pa_from_an_untrusted_root_does_not_verify(rendered, material, tmp_path):
    other = keys.ensure_dev_chain(Settings(home=tmp_path / "other")) and \
        (tmp_path / "other" / "keys" / "dev-root-ca.pem").read_bytes()
    signed = tmp_path / "output.wav"
    provenance.sign_audio(rendered["wav"]["path"], signed, _facts(rendered["midi"]), material)
    v = provenance.verify_file(signed, other)
    assert not v.ok and not v.trusted


def test_sidecar_sign_verify_and_tamper(rendered, material, tmp_path):
    midi = tmp_path / "output.mid"
    midi.write_bytes(rendered["midi"].read_bytes())
    side = provenance.sidecar_path(midi)
    doc = provenance.sidecar(midi, _facts(midi), material)
    side.write_text(provenance.canonical(doc).decode())
    v = provenance.verify_file(midi, material.anchors_pem)
    assert v.ok and v.facts["kind"] == "style", v.problems

    side.write_text(provenance.canonical({**doc, "facts": {**doc["facts"], "kind": "new"}})
                    .decode())
    v = provenance.verify_file(midi, material.anchors_pem)
    assert not v.ok and not v.signature_valid

    side.write_text(provenance.canonical(doc).decode())
    data = bytearray(midi.read_bytes())
    data[-5] ^= 0x01
    midi.write_bytes(bytes(data))
    v = provenance.verify_file(midi, material.anchors_pem)
    assert not v.ok and v.signature_valid and not v.content_matches
    assert "has changed" in " ".join(v.problems)


def test_production_keys_are_configured_by_path(tmp_path):
    elsewhere = Settings(home=tmp_path / "ca")
    keys.ensure_dev_chain(elsewhere)
    s = Settings(home=tmp_path / "home", signing_cert=elsewhere.signing_cert_path,
                 signing_key=elsewhere.signing_key_path,
                 trust_anchors=elsewhere.trust_anchors_path)
    assert keys.signing_material(s).key_pem == elsewhere.signing_key_path.read_bytes()
    with pytest.raises(InvalidInput, match="no signing certificate at .*accord init"):
        keys.signing_material(Settings(home=tmp_path / "home"))
