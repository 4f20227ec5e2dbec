from decimal import Decimal

from royalty_fixtures import agreement, policy, recording, replace, work

from accord.rights.model import RecordingRights, Share
from accord.royalties.holders import holder_map
from accord.royalties.model import FACTOR_SCALE, UNALLOCATED


def factors(holders, item):
    return {(h.payee_id, h.side): h.factor for h in holders if h.item_id == item}


def test_sides_splits_and_agreement_terms():
    w = work("W", writers=[("ada", "60"), ("bo", "40")], publishers=[("pub", "100")])
    solo = work("S", writers=[("zed", "100")])
    orphan = work("O")
    rec = recording("R", w, masters=[("lab", "100")])
    terms = agreement("lab", master_share_of_pool="0.7")
    hs, problems = holder_map([w, solo, orphan], [rec], [terms], policy())
    assert not problems
    q = FACTOR_SCALE
    assert factors(hs, "W") == {("ada", "writer"): q * 3 // 10, ("bo", "writer"): q // 5,
                                ("pub", "publisher"): q // 2}
    assert factors(hs, "S") == {("zed", "writer"): q}
    assert factors(hs, "O") == {(UNALLOCATED, "unowned"): q}
    # master 0.7 from the label's agreement; publishing 0.3 split writer_share 0.5
    assert factors(hs, "R")[("lab", "master")] == q * 7 // 10
    assert factors(hs, "R")[("pub", "publisher")] == q * 15 // 100
    no_terms = holder_map([], [rec], [], policy())[0]
    assert factors(no_terms, "R")[("lab", "master")] == q // 2  # the policy's master_side
    pub_terms = holder_map([], [rec], [agreement("pub", publishing_share_of_pool="0.4")],
                           policy())[0]
    assert factors(pub_terms, "R")[("lab", "master")] == q * 6 // 10


def test_bad_shares_are_collected_as_problems():
    w = work("W", writers=[("ada", "60")])
    bad = RecordingRights("R", w, (), (Share("lab", Decimal("33.33333")),))
    hs, problems = holder_map([w], [bad], [], policy())
    # every problem is collected: the work's writers sum to 60, the master share has 7 decimals
    assert [p.where for p in problems] == ["work W", "recording R"]
    assert hs == []


def test_split_terms_come_from_agreements_in_force_at_the_periods_end():
    """An agreement's revenue terms apply to a period when it is in force at the period's last
    instant (valid_from <= it < valid_until, not terminated by then); else the policy's."""
    from datetime import timedelta

    from accord.rights.model import AgreementTermination
    from accord.royalties.model import last_instant
    from accord.timeutil import parse_instant

    w = work("W", writers=[("ada", "100")], publishers=[("pub", "100")])
    rec = recording("R", w, masters=[("lab", "100")])
    terms = replace(agreement("lab", master_share_of_pool="0.7"),
                    valid_from=parse_instant("2026-03-15"),
                    valid_until=parse_instant("2026-06-01"))
    q = FACTOR_SCALE

    def master(period, terminations=()):
        hs = holder_map([], [rec], [terms], policy(), last_instant(period), terminations)[0]
        return factors(hs, "R")[("lab", "master")]

    assert master("2026-02") == q // 2  # before its term: the policy's master_side
    assert master("2026-03") == q * 7 // 10  # begins inside March: in force at its end
    assert master("2026-05") == q * 7 // 10  # inside
    assert master("2026-06") == q // 2  # valid_until is exclusive: ended before June's end
    stop = AgreementTermination("t1", terms.id, parse_instant("2026-04-10"))
    assert master("2026-03", [stop]) == q * 7 // 10
    assert master("2026-04", [stop]) == q // 2  # terminated inside April
    assert last_instant("2026-12") == parse_instant("2027-01-01") - timedelta(microseconds=1)
