"""What an upload declares: metadata JSON, the disclosure table, C2PA reports (pure parts)."""

import pytest

from accord.errors import InvalidInput
from accord.trust.credentials import is_ai, source_types
from accord.trust.declared import disclosure_of, from_metadata


def test_metadata_keys_say_all_partly_or_none():
    human = disclosure_of([("ai_vocals", False), ("AI-Instrumentation", "no")], "m")
    assert human.ai is False and human.extent == "none"
    made = disclosure_of([("ai_generated", True)], "m")
    assert made.ai is True and made.extent == "all"
    silent = disclosure_of([("title", "x"), ("ai_generated", "maybe")], "m")
    assert silent.ai is None and silent.source == "none" and silent.extent is None
    mixed = disclosure_of([("ai_vocals", "false"), ("ai_instrumentation", "true")], "m")
    assert mixed.ai is True and mixed.extent == "partly"
    assert [n for n, _ in mixed.fields] == ["ai_vocals", "ai_instrumentation"]
    # DDEX's ContainsAI values in metadata (key matched without case or separators)
    for value, extent in (("All", "all"), ("partly", "partly"), ("None", "none")):
        d = disclosure_of([("contains_ai", value)], "m")
        assert d.extent == extent and d.ai is (extent != "none")
    # names invented before the XSD was read are not AI declarations any more
    for name in ("AiOrigin", "IsAiGenerated", "VocalsInvolveAI",
                 "ArtificialIntelligenceDisclosure"):
        assert disclosure_of([(name, "true")], "m").ai is None


def test_a_contains_ai_value_outside_the_schema_set_is_refused_naming_the_file(tmp_path):
    p = tmp_path / "m.json"
    p.write_text('{"title": "Song", "contains_ai": "yes"}')
    with pytest.raises(InvalidInput, match=r"m\.json: contains_ai: 'yes' is not one of All"):
        from_metadata(p)


def test_metadata_credits_and_a_nested_ai_section(tmp_path):
    p = tmp_path / "m.json"
    p.write_text('{"title": "Song", "artist": "A feat. B", "ai": {"vocals": true, '
                 '"ai_vocals": true}}')
    credit, disc = from_metadata(p)
    assert credit.title == "Song" and credit.artists == ("A feat. B",)
    assert disc.ai is True and disc.source == "metadata"


def test_c2pa_reports_name_their_digital_source_types():
    report = {"active_manifest": "m2", "manifests": {
        "m1": {"assertions": [{"label": "c2pa.actions", "data": {"actions": [
            {"action": "c2pa.created", "digitalSourceType":
             "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"}]}}]},
        "m2": {"claim_generator_info": [{"name": "Someone's tool"}], "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [
                {"action": "c2pa.edited", "digitalSourceType":
                 "http://cv.iptc.org/newscodes/digitalsourcetype/"
                 "compositeWithTrainedAlgorithmicMedia"}]}}]}}}
    types, gen = source_types(report)
    assert gen == "Someone's tool" and len(types) == 2 and is_ai(types)
    assert not is_ai(types[:1])
    assert source_types({}) == ([], "")
