"""The permission rule, case by case (pure: no database)."""

from datetime import UTC, datetime

from accord.rights.model import Purpose, Use
from accord.rights.permission import decide_recording, decide_work
from tests.rights_language import Scenario


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def base() -> Scenario:
    """Label L and publisher P signed `train`; artists A and B on the recording; writer W."""
    s = Scenario()
    s.label("L"); s.publisher("P"); s.artist("A"); s.artist("B"); s.writer("W")  # noqa: E702
    s.work("w1", writers=["W"], publishers=["P"])
    s.recording("r1", "w1", artists=["A", "B"], masters=["L"])
    s.agreement("L", ["train"], aid="agr-L")
    s.agreement("P", ["train"], aid="agr-P")
    s.opt_in("W", "train")
    s.opt_in("A", "train")
    return s


def check(s: Scenario, day: str, use=Use.TRAIN, purpose=Purpose.COMMERCIAL, territory="WW"):
    return decide_recording(s.recording_rights("r1"), use, at(day), s.facts(), purpose, territory)


def test_one_featured_artist_never_opted_in_is_denied_naming_that_artist():
    d = check(base(), "2026-03-01")
    assert not d.allowed
    assert [m.party_id for m in d.missing] == ["B"]
    assert "'B (test)'" in d.reasons()[0] and "has not opted in to 'train'" in d.reasons()[0]


def test_all_opted_in_is_allowed_with_evidence_for_every_condition():
    s = base()
    cid = s.opt_in("B", "train", "2026-02-01")
    d = check(s, "2026-03-01")
    assert d.allowed
    refs = {(e.condition, e.party_id, e.ref) for e in d.evidence}
    assert refs >= {(1, "L", "agr-L"), (2, "P", "agr-P"), (3, "B", cid)}
    assert {e.party_id for e in d.evidence if e.kind == "consent"} == {"A", "B", "W"}


def test_revocation_from_next_month_allows_before_and_denies_after():
    s = base()
    s.opt_in("B", "train", "2026-02-01")
    s.revoke("B", "train", "2026-04-01")
    assert check(s, "2026-03-31").allowed
    after = check(s, "2026-04-01")
    assert not after.allowed
    assert after.missing[0].condition == 4 and "revoked 'train'" in after.missing[0].text


def test_revocation_wins_a_tie_and_a_later_opt_in_restores():
    s = base()
    s.opt_in("B", "train", "2026-02-01")
    s.revoke("B", "train", "2026-02-01")
    assert not check(s, "2026-03-01").allowed
    s.opt_in("B", "train", "2026-05-01")
    assert check(s, "2026-05-01").allowed


def test_non_commercial_agreement_never_permits_commercial_use():
    s = Scenario()
    s.label("L"); s.publisher("P"); s.writer("W")  # noqa: E702
    s.work("w1", writers=["W"], publishers=["P"])
    s.recording("r1", "w1", artists=[], masters=["L"])
    s.agreement("L", ["train"], purpose="non_commercial")
    s.agreement("P", ["train"])
    s.opt_in("W", "train")
    assert not check(s, "2026-03-01").allowed
    assert "non-commercial use only" in check(s, "2026-03-01").reasons()[0]
    assert check(s, "2026-03-01", purpose=Purpose.NON_COMMERCIAL).allowed


def test_agreement_term_expiry_and_termination():
    s = base()
    s.opt_in("B", "train")
    s.doc["agreements"][0]["valid_until"] = "2026-06-01"
    assert check(s, "2026-05-31").allowed
    assert not check(s, "2026-06-01").allowed
    s2 = base()
    s2.opt_in("B", "train")
    s2.terminate("agr-P", "2026-03-01")
    assert check(s2, "2026-02-28").allowed
    d = check(s2, "2026-03-01")
    assert not d.allowed and "agreement agr-P is not in force" in d.reasons()[0]


def test_exclusion_listing_and_territory():
    s = base()
    s.opt_in("B", "train")
    s.doc["agreements"][0]["exclude"] = {"recordings": ["r1"], "works": []}
    assert "excludes it" in check(s, "2026-03-01").reasons()[0]
    s.agreement("L", ["train"], catalogue={"recordings": ["r1"], "works": []},
                territories=["GB"], aid="agr-L-gb")
    assert not check(s, "2026-03-01").allowed  # worldwide use needs a worldwide licence
    assert check(s, "2026-03-01", territory="GB").allowed
    assert not check(s, "2026-03-01", territory="FR").allowed


def test_uses_are_separate():
    s = base()
    s.opt_in("B", "train")
    assert check(s, "2026-03-01").allowed
    assert not check(s, "2026-03-01", use=Use.STYLE).allowed


def test_default_deny_without_rights_holders():
    s = Scenario()
    s.writer("W")
    s.work("w1", writers=["W"], publishers=[])
    s.opt_in("W", "train")
    d = decide_work(s.work_rights("w1"), Use.TRAIN, at("2026-03-01"), s.facts())
    assert not d.allowed and "no publishing rights holder" in d.reasons()[0]


def test_score_checks_publishers_and_writers_only():
    s = base()  # B has not opted in, but a score has no performers
    d = decide_work(s.work_rights("w1"), Use.TRAIN, at("2026-03-01"), s.facts())
    assert d.allowed
    assert {e.party_id for e in d.evidence} == {"P", "W"}


def test_json_shape():
    d = check(base(), "2026-03-01").to_json()
    assert d["allowed"] is False and isinstance(d["reasons"], list) and d["reasons"]
    assert d["subject"] == "recording:r1" and d["at"] == "2026-03-01T00:00:00Z"


def test_a_takedown_denies_every_use_from_its_time_and_a_reinstatement_restores():
    s = base()
    s.opt_in("B", "train", "2026-02-01")
    wid = s.withdraw("r1", "2026-05-01")
    assert check(s, "2026-04-30").allowed
    d = check(s, "2026-05-01")
    assert not d.allowed
    assert [(m.condition, m.party_id) for m in d.missing] == [(4, None)]
    assert "recording r1 was withdrawn effective 2026-05-01" in d.reasons()[0] and wid in \
        d.reasons()[0]
    s.reinstate("r1", "2026-06-01")
    assert not check(s, "2026-05-31").allowed
    assert check(s, "2026-06-01").allowed


def test_a_takedown_wins_a_tie_with_a_reinstatement_and_leaves_the_work_alone():
    s = base()
    s.opt_in("B", "train", "2026-02-01")
    s.reinstate("r1", "2026-05-01")
    s.withdraw("r1", "2026-05-01")
    assert not check(s, "2026-05-02").allowed
    # a takedown withdraws the recording, not the composition
    assert decide_work(s.work_rights("w1"), Use.TRAIN, at("2026-05-02"), s.facts()).allowed


def test_a_takedown_is_reported_beside_the_other_missing_conditions():
    s = base()  # B never opted in
    s.withdraw("r1", "2026-01-01")
    d = check(s, "2026-03-01")
    assert {m.condition for m in d.missing} == {3, 4}
