from decimal import Decimal

from royalty_fixtures import agreement, policy, recording, work

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
