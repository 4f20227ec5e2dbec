"""Money follows permission (withhold.py): hand-computed cases and properties (hypothesis)."""

from collections import defaultdict
from datetime import timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.rights.model import (
    Agreement,
    AgreementTermination,
    ConsentAction,
    ConsentEvent,
    Purpose,
    Use,
    Withdrawal,
    WithdrawalAction,
)
from accord.royalties.aggregate import aggregate
from accord.royalties.distribute import distribute, payee_weights
from accord.royalties.ledger import (
    balances,
    distribution_postings,
    ensure_balanced,
    settlement_postings,
)
from accord.royalties.model import PLATFORM, UNALLOCATED, RevenueEvent, period_bounds
from accord.royalties.withhold import (
    RightsFacts,
    apply_withholding,
    cut_instants,
    slices_of_lines,
    use_of,
    wanted_items,
    withheld_quotas,
)
from accord.timeutil import parse_instant
from tests.royalty_fixtures import PERIOD, Scenario, hand_scenario, policy, recording, work
from tests.test_royalties_engine import PAYEES, scenarios

START = period_bounds(PERIOD)[0]


def revoke(party, use, at=START, n=1):
    return ConsentEvent(f"c-{party}-{use}-{n}", party, Use(use), ConsentAction.REVOKE, at)


def opt_in(party, use, at):
    return ConsentEvent(f"in-{party}-{use}", party, Use(use), ConsentAction.OPT_IN, at)


def run(sc: Scenario, facts: RightsFacts):
    """The reference path with withholding (one time slice: facts at the period's start)."""
    holders = sc.holders()
    agg = aggregate(sc.events, sc.credits, sc.contribs, holders, sc.policy, PERIOD)
    d = distribute(agg, sc.revenue, sc.policy, PERIOD)
    wanted = wanted_items(holders, facts, PERIOD)
    rows = [r for r in slices_of_lines(agg.lines) if (r.item_kind, r.item_id) in wanted]
    q = withheld_quotas(d, rows, holders, facts, sc.revenue, sc.policy, PERIOD)
    return d, apply_withholding(d, payee_weights(agg.lines), q, sc.policy), q


def test_the_use_of_each_subpool():
    assert use_of("training:m1") is Use.TRAIN and use_of("output:training") is Use.TRAIN
    assert use_of("output:conditioning") is Use.STYLE
    assert use_of("output:source") is Use.REMIX and use_of("play") is Use.DJ


def test_a_revoked_writer_is_withheld_and_nobody_else_moves():
    """hand_scenario (see test_hand_computed_case): zed (W2's only writer) revoked train before
    the period. All zed's money is train money (training:m1 and output:training): 2036.36 exact
    -> 2036 withheld, nothing paid; ada, quill, northwind keep 1312, 1311, 341."""
    before, after, q = run(hand_scenario(), RightsFacts(consents=(revoke("zed", "train"),)))
    assert after.allocations == before.allocations  # one rounding per payee, unchanged
    assert after.withheld == {("EUR", "zed", "consent to train revoked from 2026-11-01"): 2036}
    assert q[("EUR", "zed", "consent to train revoked from 2026-11-01")] == Fraction(22400, 11)
    # a style revocation touches only style money: ada's writer part of R's conditioning line,
    # 1875/11 of her exact 14425/11. Her rounded 1312 splits 1312 * 1875/14425 = 170.53
    # withheld and 1141.47 paid: floors 170 + 1141, the last unit to the larger remainder.
    _, style, _ = run(hand_scenario(), RightsFacts(consents=(revoke("ada", "style"),)))
    assert style.withheld == {("EUR", "ada", "consent to style revoked from 2026-11-01"): 171}
    assert style.allocations[("EUR", "ada")] == 1312


def test_a_later_opt_in_ends_the_revocation_and_the_future_does_not_count():
    facts = RightsFacts(consents=(revoke("zed", "train", START - timedelta(days=40)),
                                  opt_in("zed", "train", START - timedelta(days=10))))
    assert run(hand_scenario(), facts)[1].withheld == {}
    later = RightsFacts(consents=(revoke("zed", "train", START + timedelta(days=40)),))
    assert run(hand_scenario(), later)[1].withheld == {}


def test_a_withdrawn_recording_withholds_the_money_of_all_its_payees():
    """R (master northwind, publishing side ada and quill) is taken down before the period: all
    of R's money (its conditioning line) is withheld for its three payees. Ada's R money is
    exactly her style money, so she loses what the style revocation above withheld (171 of her
    1312); northwind's money is all R's (341); quill keeps its share of W's training money."""
    down = Withdrawal("wd-R", "R", WithdrawalAction.WITHDRAW, START - timedelta(days=3))
    before, d, _ = run(hand_scenario(), RightsFacts(withdrawals=(down,)))
    assert d.allocations == before.allocations
    why = f"recording R withdrawn from {(START - timedelta(days=3)).date()}"
    assert {(c, p) for c, p, r in d.withheld if r == why} == {
        ("EUR", "ada"), ("EUR", "quill"), ("EUR", "northwind")}
    assert d.withheld[("EUR", "ada", why)] == 171
    assert d.withheld[("EUR", "northwind", why)] == before.allocations[("EUR", "northwind")]
    assert 0 < d.withheld[("EUR", "quill", why)] < before.allocations[("EUR", "quill")]
    # reinstated before the period: nothing is withheld; a takedown after it changes nothing
    back = Withdrawal("wd-R2", "R", WithdrawalAction.REINSTATE, START - timedelta(days=1))
    assert run(hand_scenario(), RightsFacts(withdrawals=(down, back)))[1].withheld == {}
    later = Withdrawal("wd-R3", "R", WithdrawalAction.WITHDRAW, START + timedelta(days=40))
    assert run(hand_scenario(), RightsFacts(withdrawals=(later,)))[1].withheld == {}


def test_a_takedown_inside_the_period_is_a_cut():
    mid = START + timedelta(days=10, hours=5)
    facts = RightsFacts(withdrawals=(Withdrawal("wd", "R", WithdrawalAction.WITHDRAW, mid),
                                     Withdrawal("wd-x", "X", WithdrawalAction.WITHDRAW,
                                                START + timedelta(days=3))))
    assert cut_instants(facts, PERIOD, (), ["R"]) == (mid,)


def licence(licensor, uses=("train",), territories=("WW",), **kw):
    return Agreement(id=f"agr-{licensor}", licensor_id=licensor,
                     uses=frozenset(Use(u) for u in uses), purpose=Purpose.COMMERCIAL,
                     valid_from=kw.pop("valid_from", parse_instant("2026-01-01")),
                     territories=frozenset(territories), **kw)


def territory_scenario():
    """W: writer ada, publisher pub (writer_share 0.5). One output credited to W (training),
    model m1 trained on W. Revenue 60.00 EUR in DE and 40.00 EUR in FR: pool 5000, all of it
    train money of W: ada 2500, pub 2500."""
    sc = Scenario()
    sc.works = [work("W", writers=[("ada", "100")], publishers=[("pub", "100")])]
    sc.trained("m1", "W").use("O1").credit("O1", "work", "W", "1")
    sc.revenue = [RevenueEvent("r1", "create", PERIOD, "DE", "EUR", 6000),
                  RevenueEvent("r2", "create", PERIOD, "FR", "EUR", 4000)]
    return sc


def test_money_from_an_unlicensed_territory_is_withheld_for_all_the_items_payees():
    """pub licenses train in DE only: FR's 40% of the pool (2000) is withheld, half each."""
    sc = territory_scenario()
    sc.agreements = [licence("pub", territories=("DE",))]
    _, d, _ = run(sc, RightsFacts(agreements=tuple(sc.agreements)))
    why = "territory FR not licensed"
    assert d.withheld == {("EUR", "ada", why): 1000, ("EUR", "pub", why): 1000}
    assert d.allocations[("EUR", "ada")] == d.allocations[("EUR", "pub")] == 2500
    # worldwide: nothing withheld; and an agreement for another use only restricts nothing
    ww = [licence("pub")]
    assert run(sc, RightsFacts(agreements=tuple(ww)))[1].withheld == {}
    other = [licence("pub", uses=("dj",), territories=("DE",))]
    assert run(sc, RightsFacts(agreements=tuple(other)))[1].withheld == {}


def test_exclusion_and_termination_withhold_the_holders_money_only():
    sc = territory_scenario()
    excl = licence("pub", excluded=frozenset({"W"}))
    _, d, _ = run(sc, RightsFacts(agreements=(excl,)))
    assert d.withheld == {("EUR", "pub", "agreement agr-pub excludes W"): 2500}
    ended = licence("pub")
    stop = AgreementTermination("t1", "agr-pub", START - timedelta(days=1))
    _, d, _ = run(sc, RightsFacts(agreements=(ended,), terminations=(stop,)))
    assert d.withheld == {("EUR", "pub", "agreement agr-pub terminated from 2026-10-31"): 2500}


def test_two_currencies_are_two_pools_each_conserved():
    """No FX inside the engine: EUR and USD revenue are distributed separately, each to the
    minor unit; a revocation withholds in each currency."""
    sc = hand_scenario().earn("50.00", "USD")
    before, d, _ = run(sc, RightsFacts(consents=(revoke("zed", "train"),)))
    assert d.currencies() == ["EUR", "USD"]
    for cur, revenue in (("EUR", 10000), ("USD", 5000)):
        assert sum(v for (c, _), v in d.allocations.items() if c == cur) == revenue
        assert d.allocations[(cur, PLATFORM)] == revenue // 2
    assert d.withheld[("USD", "zed", "consent to train revoked from 2026-11-01")] == 1018
    assert d.withheld[("EUR", "zed", "consent to train revoked from 2026-11-01")] == 2036
    money = balances(ensure_balanced(distribution_postings(d, PERIOD)))
    assert money[("USD", "withheld:zed")] == 1018 and money[("USD", "revenue:create")] == -5000


def test_cuts_are_the_changes_inside_the_period():
    mid = parse_instant("2026-11-20T08:30:00.250Z")
    facts = RightsFacts(consents=(opt_in("zed", "train", parse_instant("2026-01-01")),
                                  revoke("zed", "train", mid),
                                  opt_in("ada", "train", parse_instant("2026-11-05"))),
                        agreements=(licence("pub", valid_from=parse_instant("2026-11-10")),))
    # ada never revoked: her opt-in is no cut; the revocation is cut to the second
    assert cut_instants(facts, PERIOD) == (parse_instant("2026-11-10"),
                                           parse_instant("2026-11-20T08:30:00Z"))
    # a run cuts only at the facts of the payees of the items it slices
    assert cut_instants(facts, PERIOD, {"pub"}) == (parse_instant("2026-11-10"),)
    assert cut_instants(facts, PERIOD, {"ada"}) == ()


# ---- properties -------------------------------------------------------------------------
def settle(d, pol):
    posts = distribution_postings(d, PERIOD)
    payable = defaultdict(int)
    for p in posts:
        if p.account.startswith("payable:"):
            payable[(p.currency, p.account.split(":", 1)[1])] += p.amount
    posts += settlement_postings(PERIOD, payable, {}, pol.minimum_payout_minor)
    return balances(ensure_balanced(posts))


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.sampled_from(PAYEES), st.sampled_from(["train", "style", "remix"]),
       st.sampled_from(["0.00", "1.00", "5.00"]), st.sampled_from(["0.01", "7.77", "4321.09"]))
def test_withheld_paid_carried_and_platform_make_the_revenue(sc, payee, use, minimum, usd):
    """Per currency, through the ledger: payout + carried + withheld + platform + unallocated
    == revenue, every payable settled, to the minor unit."""
    sc = sc.with_policy(policy(thresholds__minimum_item_units=sc.policy.thresholds
                               .minimum_item_units,
                               split__training=str(sc.policy.split.training),
                               split__training_weighting=sc.policy.split.training_weighting,
                               thresholds__minimum_payout={"EUR": minimum, "USD": minimum}))
    sc.earn(usd, "USD")
    _, d, _ = run(sc, RightsFacts(consents=(revoke(payee, use),)))
    bal = settle(d, sc.policy)
    for cur in ("EUR", "USD"):
        revenue = sum(r.amount_minor for r in sc.revenue if r.currency == cur)
        kinds = defaultdict(int)
        for (c, account), v in bal.items():
            if c == cur:
                kinds[account.split(":")[0]] += v
        assert kinds["payable"] == 0  # every payable is settled
        assert (kinds["payout"] + kinds["carried"] + kinds["withheld"] + bal.get(
            (cur, PLATFORM), 0) + bal.get((cur, UNALLOCATED), 0)) == revenue
        assert -kinds["revenue"] == revenue
    assert all(v >= 0 for v in d.withheld.values())
    assert all(k[1] == payee for k in d.withheld)
    for (cur, p), amount in d.allocations.items():
        assert d.withheld_of(cur, p) <= amount


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.sampled_from(PAYEES), st.sampled_from(["train", "style", "remix"]))
def test_a_revocation_never_raises_anyone_elses_payout(sc, payee, use):
    plain, _, _ = run(sc, RightsFacts())
    _, d, _ = run(sc, RightsFacts(consents=(revoke(payee, use),)))
    for (cur, p), amount in plain.allocations.items():
        paid = d.allocations.get((cur, p), 0) - d.withheld_of(cur, p)
        if p == payee:
            assert paid <= amount
        else:
            assert paid == amount  # not a minor unit more (nor less)


@settings(max_examples=30, deadline=None)
@given(scenarios())
def test_unrelated_consent_facts_change_nothing(sc):
    """Revocations of a non-payee, of a use nobody is paid for, or after the period."""
    plain, _, _ = run(sc, RightsFacts())
    facts = RightsFacts(consents=(revoke("someone-else", "train"), revoke(PAYEES[0], "dj"),
                                  revoke(PAYEES[1], "train", START + timedelta(days=31))))
    _, d, _ = run(sc, facts)
    assert d.withheld == {} and d.allocations == plain.allocations


def test_dj_plays_answer_to_the_dj_consent():
    """test_tokens_weighting_and_dj_plays' scenario: the dj pool (500) pays RA's master half
    to lab (250) and its publishing half to writer a (250); a revokes dj: those 250 are
    withheld, a's create money (450) and lab's 250 are paid as before."""
    pol = policy(split__training_weighting="tokens", split__conditioning="0", split__source="0")
    sc = Scenario(pol)
    sc.works = [work("A", writers=[("a", "100")]), work("B", writers=[("b", "100")])]
    sc.recordings = [recording("RA", sc.works[0], masters=[("lab", "100")])]
    sc.trained("m1", "A", tokens=300).trained("m1", "B", tokens=100)
    sc.use("O1").credit("O1", "work", "A", "1")
    sc.play("RA", n=4).earn("10.00", feature="dj").earn("10.00")
    _, d, _ = run(sc, RightsFacts(consents=(revoke("a", "dj"),)))
    assert d.allocations[("EUR", "a")] == 700 and d.allocations[("EUR", "lab")] == 250
    assert d.withheld == {("EUR", "a", "consent to dj revoked from 2026-11-01"): 250}
