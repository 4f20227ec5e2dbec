"""`accord catalog ...`: --json output and exit code 2 on bad input."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from accord.cli.main import app
from accord.errors import AccordError

runner = CliRunner()


def _run(tmp_path, *args):
    return runner.invoke(app, ["--home", str(tmp_path / "h"), *args])


def _code(r) -> int:
    """The exit code `accord` (main()) gives: an AccordError leaves with its exit_code (2)."""
    return r.exception.exit_code if isinstance(r.exception, AccordError) else r.exit_code


def test_import_list_show_json(tmp_path):
    assert _run(tmp_path, "init").exit_code == 0
    r = _run(tmp_path, "catalog", "import-corpus", "-c", "bach,essenFolksong", "--limit", "2",
             "--workers", "1", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["imported"] == 4 and data["rejected"] == []
    listed = json.loads(_run(tmp_path, "catalog", "list", "--json").stdout)
    assert listed["total"] == 4
    first = listed["items"][0]
    shown = json.loads(_run(tmp_path, "catalog", "show", first["id"], "--json").stdout)
    assert shown["content_hash"] == first["content_hash"] and shown["writer_ids"]


def test_bad_input_exits_2(tmp_path):
    assert _run(tmp_path, "init").exit_code == 0
    assert _code(_run(tmp_path, "catalog", "show", "cat-nothing")) == 2
    r = _run(tmp_path, "catalog", "import-corpus", "-c", "no-such-collection")
    assert _code(r) == 2 and "unknown corpus collection" in r.output
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi")
    r = _run(tmp_path, "catalog", "import", str(bad), "--json")
    assert _code(r) == 2
    assert "not a readable MIDI file" in json.loads(r.stdout)["rejected"][0]["problem"]
    assert _code(_run(tmp_path, "catalog", "import", str(tmp_path / "x.txt"))) == 2
