"""The screening rules and the policy, path by path, on records built by hand (pure)."""

import pytest

from accord.errors import InvalidInput
from accord.trust.model import Credit, Disclosure, Finding, Outcome, Upload
from accord.trust.policy import DEFAULT_POLICY, decide, load_policy, parse_policy
from accord.trust.rules import RULES, run_rules
from accord.trust.signals import (
    C2paClaim,
    CopyMatch,
    History,
    Likeness,
    MelodyMatch,
    NameMatch,
    Permission,
    Signals,
)

POLICY = load_policy()
NO = Permission("voice", False, "the artist has not opted in to voice")
YES = Permission("voice", True, "permitted for recording R")


def upload(duration=180.0, title="", artists=(), ai=None, kind="audio"):
    return Upload("x.wav", "h" * 64, kind, duration, 1000, "u1", Credit(title, tuple(artists)),
                  Disclosure(ai, (("ai_generated", str(ai)),) if ai is not None else (),
                             "metadata" if ai is not None else "none"))


def screen(**kw):
    sig = Signals(kw.pop("upload", upload()), **kw)
    findings = run_rules(sig, POLICY.params)
    return decide(findings, POLICY), {f.rule: f for f in findings}


def test_a_clean_upload_is_accepted_with_no_reasons():
    d, f = screen()
    assert d.outcome is Outcome.ACCEPT and d.reasons == () and not d.flagged
    assert all(x.clear for x in f.values()) and set(f) == set(RULES)


def test_a_chromaprint_copy_is_rejected_with_its_offset():
    m = CopyMatch("recording:R", "chromaprint", 0.93, 12.5, bit_error_rate=0.07)
    d, f = screen(copies=(m,))
    assert d.outcome is Outcome.REJECT and d.flagged
    assert f["reupload"].verdict == "copy"
    assert f["reupload"].evidence["matches"][0]["offset_s"] == 12.5
    assert "recording:R" in d.reasons[0].summary


def test_a_pitch_shifted_index_match_names_the_change_and_a_weaker_one_holds():
    strong = CopyMatch("recording:R", "index", 0.62, 3.0, pitch_ratio=1.122, time_ratio=1.0)
    d, f = screen(copies=(strong,))
    assert d.outcome is Outcome.REJECT and "pitch x1.122" in f["reupload"].summary
    weak = CopyMatch("recording:R", "index", 0.3, 3.0)
    d, f = screen(copies=(weak,))
    assert d.outcome is Outcome.HOLD and f["reupload"].verdict == "near_copy"
    d, _ = screen(copies=(CopyMatch("recording:R", "index", 0.1),))
    assert d.outcome is Outcome.ACCEPT


def test_a_chromaprint_match_over_the_bit_error_limit_is_not_a_copy():
    d, _ = screen(copies=(CopyMatch("recording:R", "chromaprint", 0.7, 0, 0.3),))
    assert d.outcome is Outcome.ACCEPT
    # 0.15: where Chromaprint named a different one-line tune on the rendered corpus
    # (bench/RESULTS.md); a re-encoded copy measures below 0.08
    d, _ = screen(copies=(CopyMatch("recording:R", "chromaprint", 0.85, 0, 0.15),))
    assert d.outcome is Outcome.ACCEPT
    d, _ = screen(copies=(CopyMatch("recording:R", "chromaprint", 0.92, 0, 0.08),))
    assert d.outcome is Outcome.REJECT


def test_a_copy_of_ones_own_upload_is_a_duplicate_not_a_reupload():
    own = CopyMatch("upload:s1", "index", 0.9, same_uploader=True)
    d, f = screen(copies=(own,))
    assert f["reupload"].clear and f["duplicate"].verdict == "duplicate"
    assert d.outcome is Outcome.HOLD
    d, f = screen(history=History(2, 3600, ("s0",)))
    assert f["duplicate"].verdict == "duplicate" and "upload:s0" in f["duplicate"].summary


def test_disclosed_ai_is_labelled_and_undisclosed_c2pa_ai_is_held():
    d, _ = screen(upload=upload(ai=True))
    assert d.outcome is Outcome.ACCEPT_LABELLED_AI and d.ai_label and not d.flagged
    claim = C2paClaim(True, ("trainedAlgorithmicMedia",), "Accord")
    for said in (False, None):  # the credential wins over metadata that says human or nothing
        d, f = screen(upload=upload(ai=said), c2pa=claim)
        assert d.outcome is Outcome.HOLD and f["disclosure"].verdict == "undisclosed_ai"
        assert f["disclosure"].evidence["c2pa"]["digital_source_types"] == [
            "trainedAlgorithmicMedia"]
    d, _ = screen(upload=upload(ai=True), c2pa=claim)
    assert d.outcome is Outcome.ACCEPT_LABELLED_AI
    d, _ = screen(c2pa=C2paClaim(False, ("digitalCapture",)))
    assert d.outcome is Outcome.ACCEPT


def test_undisclosed_ai_can_be_labelled_instead_of_held_by_policy():
    src = DEFAULT_POLICY.read_text().replace('undisclosed_ai = "hold"',
                                             'undisclosed_ai = "accept_labelled_ai"')
    p = parse_policy(src, "edited")
    sig = Signals(upload(), c2pa=C2paClaim(True, ("trainedAlgorithmicMedia",)))
    d = decide(run_rules(sig, p.params), p)
    assert d.outcome is Outcome.ACCEPT_LABELLED_AI and d.ai_label


def test_the_artefact_signal_holds_undisclosed_audio_and_labels_disclosed():
    d, f = screen(artefact_score=0.97, artefact_evidence={"spacing_hz": 93.75})
    assert d.outcome is Outcome.HOLD and f["ai_artefact"].verdict == "ai_signal"
    assert "evidence, not proof" in f["ai_artefact"].summary
    d, f = screen(upload=upload(ai=True), artefact_score=0.97)
    assert d.outcome is Outcome.ACCEPT_LABELLED_AI
    d, _ = screen(artefact_score=0.5)
    assert d.outcome is Outcome.ACCEPT


def name(permission, similarity=1.0, party="bea", fld="artist"):
    return NameMatch(party, "Bea", fld, "Bеa", similarity, "normalised", permission)


def test_a_credit_to_an_artist_who_did_not_opt_in_is_held_as_similarity_evidence():
    d, f = screen(names=(name(NO),))
    assert d.outcome is Outcome.HOLD and f["impersonation_name"].verdict == "unlicensed_credit"
    assert d.similarity_only and "never sole proof" in d.to_json()["note"]
    d, f = screen(names=(name(YES),))
    assert d.outcome is Outcome.ACCEPT and f["impersonation_name"].verdict == "licensed_credit"
    d, _ = screen(names=(name(NO, 0.5),))  # below the threshold: not a match
    assert d.outcome is Outcome.ACCEPT
    d, _ = screen(names=(name(NO),), uploader_party="bea")  # the artist uploading
    assert d.outcome is Outcome.ACCEPT


def test_voice_and_style_likeness_need_the_matching_permission():
    v = Likeness("bea", "Bea", 0.91, NO, demo=True)
    d, f = screen(voices=(v,))
    assert d.outcome is Outcome.HOLD and f["voice"].verdict == "unlicensed_voice"
    assert "(demo reference)" in f["voice"].summary and d.similarity_only
    d, _ = screen(voices=(Likeness("bea", "Bea", 0.91, YES),))
    assert d.outcome is Outcome.ACCEPT
    d, _ = screen(voices=(Likeness("bea", "Bea", 0.5, NO),))
    assert d.outcome is Outcome.ACCEPT
    s = Likeness("bea", "Bea", 0.99, Permission("style", False, "not opted in to style"))
    d, f = screen(upload=upload(kind="symbolic"), styles=(s,))
    assert d.outcome is Outcome.HOLD and f["style"].verdict == "unlicensed_style"


@pytest.mark.parametrize("coverage, verdict, outcome", [
    (1.0, "copy", Outcome.REJECT), (0.9, "copy", Outcome.REJECT),
    (0.89, "near_copy", Outcome.HOLD), (0.5, "near_copy", Outcome.HOLD),
    (0.49, "clear", Outcome.ACCEPT)])
def test_melodic_copy_thresholds(coverage, verdict, outcome):
    m = MelodyMatch("work-x", "Tune", ("rec-x",), coverage, 20, 40, 44, 8)
    d, f = screen(upload=upload(kind="symbolic"), melodies=(m,))
    assert f["melodic_copy"].verdict == verdict and d.outcome is outcome
    if verdict != "clear":
        assert "work-x 'Tune' (recording rec-x)" in f["melodic_copy"].summary
    # an audio upload is not compared by melody (its copies are the reupload rule's)
    _, f = screen(upload=upload(kind="audio"), melodies=(m,))
    assert f["melodic_copy"].clear


def test_a_hold_from_a_copy_and_a_similarity_is_not_similarity_only():
    d, _ = screen(names=(name(NO),), copies=(CopyMatch("recording:R", "index", 0.3),))
    assert d.outcome is Outcome.HOLD and not d.similarity_only


def test_spam_signals():
    d, f = screen(history=History(21, 3600))
    assert d.outcome is Outcome.HOLD and f["mass_upload"].evidence["uploads_in_window"] == 21
    d, f = screen(upload=upload(duration=31.0))  # alone: noted, accepted
    assert d.outcome is Outcome.ACCEPT and f["royalty_length"].verdict != "clear"
    assert d.reasons[0].rule == "royalty_length"
    d, f = screen(upload=upload(duration=29.0))
    assert f["royalty_length"].clear
    stuffed = "Rain Sleep Relax Study Lofi Chill Beats"
    d, f = screen(upload=upload(title=stuffed))
    assert d.outcome is Outcome.HOLD and "bait" in f["keyword_stuffing"].evidence["title"]["over"]
    d, f = screen(upload=upload(artists=["A, B, C, D, E, F"]))
    assert f["keyword_stuffing"].evidence["artists"]["over"] == ["separators"]


def test_two_weak_spam_signals_together_hold():
    p = parse_policy(DEFAULT_POLICY.read_text().replace(
        'mass_upload = "hold"', 'mass_upload = "accept"'), "edited")
    sig = Signals(upload(duration=31.0), history=History(25, 3600))
    d = decide(run_rules(sig, p.params), p)
    assert d.outcome is Outcome.HOLD
    assert d.reasons[0].rule == "combine.spam" and "2 spam signals" in d.reasons[0].summary


def test_an_unmapped_verdict_holds_by_default():
    d = decide([Finding("voice", "something_new", 0.5, {}, "new")], POLICY)
    assert d.outcome is Outcome.HOLD


@pytest.mark.parametrize("text,where", [
    ('[outcomes.nope]\nx = "hold"\n', "outcomes.nope"),
    ('[outcomes.reupload]\ncopy = "delete"\n', "outcomes.reupload.copy"),
    ('[rules.voice]\nthreshhold = 0.5\n', "rules.voice.threshhold"),
    ('[rules.voice]\nthreshold = "high"\n', "rules.voice.threshold"),
    ('[combine.spam]\noutcome = "hold"\n', "combine.spam"),
    ('window_minutes = -1\n', "window_minutes"),
    ('not toml [', "not valid TOML"),
])
def test_a_bad_policy_names_each_problem(text, where):
    with pytest.raises(InvalidInput) as e:
        parse_policy(text, "p.toml")
    assert where in str(e.value)


def test_the_shipped_policy_maps_every_verdict_a_rule_can_give():
    for rule, verdicts in {"reupload": ["copy", "near_copy"],
                           "disclosure": ["disclosed_ai", "undisclosed_ai"],
                           "voice": ["unlicensed_voice", "licensed_voice"],
                           "style": ["unlicensed_style", "licensed_style"]}.items():
        for v in verdicts:
            assert v in POLICY.outcomes[rule]
