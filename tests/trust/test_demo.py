"""The demo's screening stage on a small home: the three uploads and their decisions."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from accord.demo.run import DemoReport
from accord.demo.trust_stage import trust_stage


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_stage_accepts_rejects_and_holds(home):
    from accord.cli.common import initialise

    initialise(home)  # the demo's signing keys
    report, buf = DemoReport(), io.StringIO()
    trust_stage(home, report, Console(file=buf, width=160))
    cases = {r["case"].split(" ")[0]: r for r in report.to_json()["trust"]["screenings"]}
    assert cases["clean"]["outcome"] == "accept", cases["clean"]
    shifted = cases["pitch-shifted"]
    assert shifted["outcome"] == "reject", shifted  # a verified copy
    assert any(r.startswith(f"reupload ({shifted['outcome']})") for r in shifted["reasons"])
    held = cases["undisclosed"]
    assert held["outcome"] == "hold"
    rules = {r.split(" ")[0] for r in held["reasons"]}
    assert {"disclosure", "impersonation_name", "voice"} <= rules, held["reasons"]
    text = buf.getvalue()
    assert "accept" in text and shifted["outcome"] in text and "hold" in text
