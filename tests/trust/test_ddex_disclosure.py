"""DDEX AI disclosure in screening: messages in ERN 4.3.1's own shape (SoundRecording/ContainsAI
and Contributor/AiContribution where the XSD puts them; names from the catalogue's one table,
accord.catalog.ddex_names.ERN4_AI_*), read by trust through the catalogue's service, and the
decision the policy gives each extent."""

from __future__ import annotations

import re
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


RELEASE_TYPE = "      <ReleaseType>Single</ReleaseType>\n"
#: A cover image in ERN 4.3.1's Image shape (ResourceReference, Type, ResourceId, ...,
#: ContainsAI after RelatedResource: miqwit/dedex src/Entity/Ern431/ImageType.php, generated
#: from the 4.3.1 XSD).
IMAGE = """    <Image>
      <ResourceReference>A2</ResourceReference>
      <Type>FrontCoverImage</Type>
      <ResourceId><ProprietaryId Namespace="PADPIDA2026030303K">KITE-COVER-1</ProprietaryId>
      </ResourceId>
      <ContainsAI>{value}</ContainsAI>
    </Image>
"""


def with_release_and_image(tmp_path: Path, recording: str | None, release: str | None,
                           image: str | None) -> Path:
    """The test message with the recording's ContainsAI `recording` (no arranger
    AiContribution), the Release's ContainsAI `release` (ERN 4.3.2; a direct child of Release,
    its exact place in the sequence not checked against an XSD) and a cover Image declaring
    `image`; None leaves an element out."""
    path = message(tmp_path, recording, contribution=False)
    text = path.read_text()
    assert RELEASE_TYPE in text and "  </ResourceList>\n" in text
    if release:
        text = text.replace(RELEASE_TYPE,
                            RELEASE_TYPE + f"      <ContainsAI>{release}</ContainsAI>\n")
    if image:
        text = text.replace("  </ResourceList>\n", IMAGE.format(value=image)
                            + "  </ResourceList>\n")
    path = tmp_path / f"ern-{recording}-{release}-{image}.xml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("recording, release, image, extent", [
    (None, "All", None, "all"),           # the release covers its silent recording
    ("None", "All", None, "all"),         # the stronger declaration wins
    ("All", "None", None, "all"),
    (None, "None", None, "none"),         # a release declared human-made
    ("None", "Partly", None, "partly"),
    ("None", None, "All", "none"),        # AI cover art says nothing of the audio
    (None, None, "All", None),            # ... and a silent recording stays unknown
])
def test_release_and_other_resources_contains_ai(tmp_path, recording, release, image, extent):
    credit, disc, _ = from_ddex(with_release_and_image(tmp_path, recording, release, image))
    assert credit.title == "Paper Kites"
    assert disc.extent == extent
    assert disc.ai is {"all": True, "partly": True, "none": False, None: None}[extent]
    fields = dict(disc.fields)
    assert fields.get("ContainsAI") == recording
    assert fields.get("Release[R0]/ContainsAI") == release
    assert fields.get("Image[A2]/ContainsAI") == image


@pytest.mark.parametrize("where, release, image", [
    ("Release[R0]", "Yes", None), ("Image[A2]", None, "true")])
def test_a_release_or_image_contains_ai_outside_the_set_is_refused(tmp_path, where, release,
                                                                  image):
    path = with_release_and_image(tmp_path, "None", release, image)
    with pytest.raises(InvalidInput, match=rf"{re.escape(where)}/ContainsAI: '(Yes|true)' is "
                                           r"not one of All, Partly, None"):
        from_ddex(path)


def test_an_undisclosed_recording_of_an_ai_release_is_labelled(home, engine, tmp_path):
    """Release ContainsAI All over a recording that says None: screened as disclosed AI, with
    both fields in the record's evidence; AI cover art alone leaves the upload accepted."""
    d = screen(engine, home, tmp_path, with_release_and_image(tmp_path, "None", "All", None), 60)
    assert d["outcome"] == "accept_labelled_ai", d["reasons"]
    assert d["disclosure"]["extent"] == "all"
    assert ["Release[R0]/ContainsAI", "All"] in d["disclosure"]["fields"]
    assert ["ContainsAI", "None"] in d["disclosure"]["fields"]
    cover = screen(engine, home, tmp_path, with_release_and_image(tmp_path, "None", None, "All"),
                   61)
    assert cover["outcome"] == "accept", cover["reasons"]
    assert cover["disclosure"]["extent"] == "none"
    assert ["Image[A2]/ContainsAI", "All"] in cover["disclosure"]["fields"]
