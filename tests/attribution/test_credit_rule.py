"""The credit rule's invariants, driven by hypothesis, and its documented examples."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.attribution.rule import CreditPolicy, NoCredit, allocate_ppm, credit_shares

work_ids = st.text(alphabet="abcdefgh", min_size=1, max_size=4)
score_values = st.one_of(st.floats(min_value=-5, max_value=100, allow_nan=False),
                         st.sampled_from([0.0, 1.0, 1.0, 2.5]))  # ties are common
scores = st.dictionaries(work_ids, score_values, max_size=25).map(lambda d: sorted(d.items()))
ppm_fraction = st.integers(min_value=0, max_value=500_000).map(lambda n: Decimal(n) / 10**6)
policies = st.builds(CreditPolicy, conditioning_share=ppm_fraction, source_share=ppm_fraction,
                     max_credits=st.integers(1, 12),
                     min_relative_score=st.sampled_from([Decimal("0"), Decimal("0.1"),
                                                         Decimal("0.5"), Decimal("1")]))


@given(scores, policies, st.lists(work_ids, max_size=3), st.one_of(st.none(), work_ids),
       st.randoms(use_true_random=False))
def test_invariants(sc, policy, cond, source, rnd):
    try:
        out = credit_shares(sc, policy, cond, source)
    except NoCredit:
        assert not any(s > 0 for _, s in sc)
        assert not (cond and policy.conditioning_share) and not (source and policy.source_share)
        return
    # exactly 1, nothing zero or negative, six decimals
    assert sum(c.share for c in out) == Decimal(1)
    assert all(c.share > 0 and c.share == c.share.quantize(Decimal("0.000001")) for c in out)
    training = [c for c in out if c.role == "training"]
    assert len(training) <= policy.max_credits
    has_training = any(s > 0 for _, s in sc)
    # reserved shares honoured exactly when there is training credit beside them
    if has_training:
        if cond:
            assert sum(c.share for c in out if c.role == "conditioning") == \
                policy.conditioning_share
        if source:
            assert sum(c.share for c in out if c.role == "source") == policy.source_share
    else:
        assert not training
    # a higher score never gets a smaller share; the threshold holds
    best = max((s for _, s in sc), default=0)
    for a in training:
        assert a.score >= best * float(policy.min_relative_score)
        for b in training:
            if a.score > b.score:
                assert a.share >= b.share
    # deterministic: input order does not matter
    shuffled = list(sc)
    rnd.shuffle(shuffled)
    assert credit_shares(shuffled, policy, list(reversed(cond)), source) == out


def test_example_from_the_docs():
    out = credit_shares([("w-a", 3.0), ("w-b", 1.0), ("w-c", 0.05), ("w-d", -2.0)],
                        CreditPolicy(), conditioning_works=["w-x", "w-y", "w-z"],
                        source_work="w-s")
    got = {(c.role, c.item_id): str(c.share) for c in out}
    assert got == {("source", "w-s"): "0.250000",
                   ("conditioning", "w-x"): "0.083334", ("conditioning", "w-y"): "0.083333",
                   ("conditioning", "w-z"): "0.083333",
                   ("training", "w-a"): "0.375000", ("training", "w-b"): "0.125000"}


def test_ties_go_to_the_smaller_id_and_the_cap_is_kept():
    out = credit_shares([("b", 1.0), ("a", 1.0), ("c", 1.0)], CreditPolicy(max_credits=2))
    assert [(c.item_id, str(c.share)) for c in out] == [("a", "0.500000"), ("b", "0.500000")]
    three = credit_shares([("b", 1.0), ("a", 1.0), ("c", 1.0)])
    assert [str(c.share) for c in three] == ["0.333334", "0.333333", "0.333333"]


def test_without_any_positive_score_the_reservations_take_all():
    out = credit_shares([("a", -1.0)], CreditPolicy(), source_work="s")
    assert [(c.role, c.share) for c in out] == [("source", Decimal(1))]
    with pytest.raises(NoCredit, match="cannot be credited"):
        credit_shares([("a", 0.0)], CreditPolicy())


def test_without_any_measured_influence_every_training_work_shares_equally():
    works = ["w3", "w1", "w2"]
    out = credit_shares([(w, 0.0) for w in works], CreditPolicy(), training_works=works)
    assert [(c.role, c.item_id, str(c.share), c.score) for c in out] == [
        ("training", "w1", "0.333334", 0.0), ("training", "w2", "0.333333", 0.0),
        ("training", "w3", "0.333333", 0.0)]
    assert sum(c.share for c in out) == 1
    # a measured influence or a reservation always wins over the equal split
    assert [c.item_id for c in credit_shares([("w1", 0.0), ("w2", 0.5)], CreditPolicy(),
                                             training_works=works)] == ["w2"]
    assert [c.role for c in credit_shares([("w1", 0.0)], CreditPolicy(), source_work="s",
                                          training_works=works)] == ["source"]


def test_bad_policies_are_refused():
    with pytest.raises(ValueError, match="must not exceed 1"):
        CreditPolicy(conditioning_share=Decimal("0.6"), source_share=Decimal("0.5"))
    with pytest.raises(ValueError, match="6 decimals"):
        CreditPolicy(source_share=Decimal("0.1234567"))
    with pytest.raises(ValueError, match="float"):
        CreditPolicy.from_json({"source_share": 0.2})


def test_allocate_is_exact():
    assert allocate_ppm(10, [("a", 1), ("b", 1), ("c", 1)]) == {"a": 4, "b": 3, "c": 3}
