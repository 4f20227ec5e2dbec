"""DDEX AI disclosure in screening: messages in ERN 4.3.1's own shape (SoundRecording/ContainsAI
and Contributor/AiContribution where the XSD puts them; names from the catalogue's one table,
accord.catalog.ddex_names.ERN4_AI_*), read by trust through the catalogue's service, and the
decision the policy gives each extent."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.db.engine import session_scope
from accord.errors import InvalidInput
from accord.rights.audit import AuditLog
from accord.trust import service
from accord.trust.declared import from_ddex
from accord.trust.policy import DEFAULT_POLICY, parse_policy
from tests.trust.conftest import write_tune

ERN431 = Path(__file__).parents[1] / "data" / "ddex" / "single-ern431-ai.xml"
CONTAINS = "      <ContainsAI>Partly</ContainsAI>\n"
CONTRIBUTION = "        <AiContribution>Partly</AiContribution>\n"


def message(tmp_path: Path, contains: str | None, contribution: bool = True) -> Path:
    """The 4.3.1 test message with ContainsAI set to `contains` (None: no element) and the
    arranger's AiContribution Partly kept or dropped."""
    text = ERN431.read_text()
    assert CONTAINS in text and CONTRIBUTION in text
    text = text.replace(CONTAINS, f"      <ContainsAI>{contains}</ContainsAI>\n"
                        if contains else "")
    if not contribution:
        text = text.replace(CONTRIBUTION, "")
    path = tmp_path / f"ern-{contains}-{contribution}.xml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("contains, contribution, ai, extent", [
    ("All", True, True, "all"),
    ("None", False, False, "none"),
    ("Partly", True, True, "partly"),
    (None, False, None, None),          # nothing declared: unknown
    (None, True, True, "partly"),       # only a contributor's AiContribution
])
def test_contains_ai_values_become_the_disclosure(tmp_path, contains, contribution, ai, extent):
    credit, disc, isrc = from_ddex(message(tmp_path, contains, contribution))
    assert credit.title == "Paper Kites" and credit.artists == ("Ren Aalto",)
    assert isrc == "XDKTE2600431"
    assert disc.ai is ai and disc.extent == extent
    assert disc.source == ("ddex" if extent else "none")
    fields = dict(disc.fields)
    assert fields.get("ContainsAI") == contains
    assert fields.get("Contributor[PArrangerMo]/AiContribution") == (
        "Partly" if contribution else None)


def test_a_contains_ai_value_outside_the_schema_set_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match=r"SoundRecording/ContainsAI: 'true' is not one of "
                                           r"All, Partly, None"):
        from_ddex(message(tmp_path, "true"))


def screen(engine, home, tmp_path, ddex, seed, policy=None):
    wav = write_tune(tmp_path / f"up-{seed}.wav", seed=seed, seconds=8)
    with session_scope(engine) as s:
        return service.screen_upload(s, home, wav, uploader=f"u{seed}", ddex=ddex,
                                     audit=AuditLog(s, "test"), policy=policy)


@pytest.mark.parametrize("contains, contribution, outcome, verdict", [
    ("All", True, "accept_labelled_ai", "disclosed_ai"),
    ("Partly", True, "accept_labelled_ai", "disclosed_partly_ai"),
    ("None", False, "accept", None),
    (None, False, "accept", None),
])
def test_the_screening_decision_follows_the_default_policy(home, engine, tmp_path, contains,
                                                          contribution, outcome, verdict):
    seed = 40 + ["All", "Partly", "None", None].index(contains)
    d = screen(engine, home, tmp_path, message(tmp_path, contains, contribution), seed)
    assert d["outcome"] == outcome, d["reasons"]
    disclosure = [r for r in d["reasons"] if r["rule"] == "disclosure"]
    assert [r["verdict"] for r in disclosure] == ([verdict] if verdict else [])
    assert d["ai_label"] is (verdict is not None)
    assert d["disclosure"]["extent"] == {"All": "all", "Partly": "partly",
                                         "None": "none"}.get(contains)


def test_a_policy_may_hold_partly_ai_uploads(home, engine, tmp_path):
    text = DEFAULT_POLICY.read_text().replace(
        'disclosed_partly_ai = "accept_labelled_ai"', 'disclosed_partly_ai = "hold"')
    assert 'disclosed_partly_ai = "hold"' in text
    policy = parse_policy(text, "strict.toml")
    partly = screen(engine, home, tmp_path, message(tmp_path, "Partly"), 50, policy)
    assert partly["outcome"] == "hold" and partly["flagged"]
    whole = screen(engine, home, tmp_path, message(tmp_path, "All"), 51, policy)
    assert whole["outcome"] == "accept_labelled_ai"
