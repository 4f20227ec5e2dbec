"""What an upload declares: metadata JSON, the disclosure table, C2PA reports (pure parts)."""

from accord.trust.credentials import is_ai, source_types
from accord.trust.declared import disclosure_of, from_metadata


def test_the_disclosure_table_reads_flags_and_origins():
    assert disclosure_of([("ContainsAI", "true")], "ddex").ai is True
    assert disclosure_of([("ai_vocals", False), ("AI-Instrumentation", "no")], "m").ai is False
    assert disclosure_of([("AiOrigin", "HUMAN_WITH_AI_ASSIST")], "m").ai is True
    assert disclosure_of([("ai_origin", "FULLY_HUMAN")], "m").ai is False
    silent = disclosure_of([("title", "x"), ("ai_generated", "maybe")], "m")
    assert silent.ai is None and silent.source == "none"
    mixed = disclosure_of([("ai_vocals", "false"), ("ai_instrumentation", "true")], "m")
    assert mixed.ai is True and [n for n, _ in mixed.fields] == ["ai_vocals",
                                                                 "ai_instrumentation"]


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
