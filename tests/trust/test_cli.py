"""`accord screen` end to end through the CLI, and every kind of bad input: a clear error,
exit code 2, nothing stored (SQLite home under tmp_path)."""

from __future__ import annotations

import json
import struct

import pytest
import soundfile as sf
from typer.testing import CliRunner

from accord.cli.main import app
from tests.trust.conftest import SR, metadata, tune, write_tune

runner = CliRunner()


@pytest.fixture
def cli(tmp_path):
    home = tmp_path / "home"
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0

    def run(*args):
        return runner.invoke(app, ["--home", str(home), *map(str, args)])
    run.home = home
    return run


def stored(cli) -> list:
    r = cli("screen", "list", "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_screen_a_file_list_show_appeal_and_review(cli, tmp_path):
    wav = write_tune(tmp_path / "a.wav", 5, seconds=8)
    r = cli("screen", wav, "--uploader", "u1", "--json")
    assert r.exit_code == 0, r.output
    first = json.loads(r.output)
    assert first["outcome"] == "accept" and first["uploader"] == "u1"
    r = cli("screen", wav, "--uploader", "u1")  # text output: the decision and its reason
    assert r.exit_code == 0 and "hold" in r.output and "duplicate" in r.output
    second = stored(cli)[0]["id"]
    r = cli("screen", "show", second, "--json")
    assert json.loads(r.output)["findings"]
    r = cli("screen", "appeal", second, "--uploader", "u1", "--statement", "a new mix",
            "--json")
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "appealed"
    r = cli("screen", "list", "--queue", "--json")
    assert [x["id"] for x in json.loads(r.output)] == [second]
    r = cli("screen", "review", second, "--outcome", "accept", "--note", "ok", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["outcome"] == "accept"
    r = cli("screen", "rules", "--json")
    assert {x["name"] for x in json.loads(r.output)} >= {"reupload", "voice", "duplicate"}
    r = cli("screen", "excluded", "--json")
    assert r.exit_code == 0 and json.loads(r.output) == []
    r = cli("audit", "verify", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["ok"]


def flac_with_block(path, length, declared=None):
    """A real FLAC whose metadata gains an APPLICATION block of `length` bytes (declaring
    `declared` bytes in its header), inserted after STREAMINFO."""
    sf.write(str(path), tune(3, 3), SR, format="FLAC")
    data = path.read_bytes()
    head = data[4:8]
    n = struct.unpack(">I", b"\0" + head[1:])[0]
    si = bytes([head[0] & 0x7F]) + head[1:] + data[8:8 + n]  # STREAMINFO, not last
    block = bytes([2]) + struct.pack(">I", declared or length)[1:] + b"\0" * length
    path.write_bytes(b"fLaC" + si + block + data[8 + n:])
    return path


def long_wav(path, seconds):
    """A real WAV of `seconds` of silence, as small as it gets (4 kHz, 8-bit)."""
    import numpy as np

    sf.write(str(path), np.zeros(int(seconds * 4000), dtype=np.float32), 4000,
             subtype="PCM_U8")
    return path


@pytest.mark.parametrize("make,message", [
    (lambda p: (p / "x.wav").write_bytes(b"this is not audio") and p / "x.wav",
     "cannot decode audio"),
    (lambda p: (p / "x.txt").write_text("hello") and p / "x.txt", "unsupported upload format"),
    (lambda p: (p / "e.wav").write_bytes(b"") or p / "e.wav", "empty"),
    (lambda p: long_wav(p / "long.wav", 21 * 60), "over the limit of 1200 s"),
    (lambda p: flac_with_block(p / "big.flac", 2 * 1024 * 1024), "over the limit of 1,048,576"),
    (lambda p: flac_with_block(p / "cut.flac", 10, declared=900_000), "truncated FLAC metadata"),
    (lambda p: (p / "m.mid").write_bytes(b"MThd\0\0\0\6junk") and p / "m.mid",
     "not a readable MIDI file"),
])
def test_bad_audio_exits_2_and_stores_nothing(cli, tmp_path, make, message):
    path = make(tmp_path)
    r = cli("screen", path, "--uploader", "u1")
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert stored(cli) == []
    assert not (cli.home / "trust" / "uploads").exists() or not any(
        (cli.home / "trust" / "uploads").iterdir())


def test_a_truncated_flac_stream_exits_2(cli, tmp_path):
    path = tmp_path / "t.flac"
    sf.write(str(path), tune(4, 6), SR, format="FLAC")
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 3])
    r = cli("screen", path)
    assert r.exit_code == 2 and stored(cli) == []


@pytest.mark.parametrize("content,message", [
    ("[1, 2]", "must be a JSON object"),
    ("{not json", "not a JSON document"),
    (json.dumps({"title": "x" * 600}), "longer than 500"),
    (json.dumps({"title": "a\u0000b"}), "control characters"),
    (json.dumps({"artists": ["a"] * 50}), "at most 20"),
    (json.dumps({"title": {"nested": 1}}), "must be text"),
    ("{" * 100_000 + "}" * 100_000, "not a JSON document"),
    (json.dumps({"pad": "x" * 300_000}), "over the limit of 262,144"),
])
def test_hostile_metadata_exits_2_and_stores_nothing(cli, tmp_path, content, message):
    meta = tmp_path / "m.json"
    meta.write_text(content)
    r = cli("screen", write_tune(tmp_path / "a.wav", 6, 3), "--metadata", meta)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert stored(cli) == []


def test_hostile_ddex_is_refused_before_expansion(cli, tmp_path):
    ern = tmp_path / "bomb.xml"
    ern.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
                   '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>')
    r = cli("screen", write_tune(tmp_path / "a.wav", 6, 3), "--ddex", ern)
    assert r.exit_code == 2 and "DOCTYPE" in r.output and stored(cli) == []


def test_metadata_and_ddex_together_are_refused(cli, tmp_path):
    meta = metadata(tmp_path / "m.json", title="x")
    r = cli("screen", write_tune(tmp_path / "a.wav", 6, 3), "--metadata", meta, "--ddex", meta)
    assert r.exit_code == 2 and "not both" in r.output
