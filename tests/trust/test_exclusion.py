"""Flags as royalty exclusions: composed with the registry's takedowns, a recording is down
exactly when either holds it down; a voided flag is dropped (pure; a property test)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from accord.rights.model import Withdrawal, WithdrawalAction
from accord.rights.permission import withdrawal_state
from accord.trust.exclusion import FlagEvent, as_withdrawals, flagged_at, intervals

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def day(n):
    return T0 + timedelta(days=n)


def test_a_flag_then_a_void_stands_for_the_dj_until_the_void_but_never_for_royalties():
    f = FlagEvent("f1", "R", "flag", day(1), "hold", "s1")
    v = FlagEvent("f2", "R", "void", day(5), "accepted on review", "s1")
    assert flagged_at([f, v], day(3)) and not flagged_at([f, v], day(6))
    assert not flagged_at([f, v], day(0))
    assert as_withdrawals([f, v], []) == []
    (w,) = as_withdrawals([f], [])
    assert w.action is WithdrawalAction.WITHDRAW and w.effective_at == day(1)


def test_a_flags_end_does_not_reinstate_a_recording_its_holder_took_down():
    flag = FlagEvent("f1", "R", "flag", day(1), "", "s1")
    clear = FlagEvent("f2", "R", "clear", day(10), "", "s1")
    reg = [Withdrawal("w1", "R", WithdrawalAction.WITHDRAW, day(5)),
           Withdrawal("w2", "R", WithdrawalAction.REINSTATE, day(7)),
           Withdrawal("w3", "R", WithdrawalAction.WITHDRAW, day(9))]
    events = reg + as_withdrawals([flag, clear], reg)
    for d, down in [(0, False), (2, True), (6, True), (8, True), (11, True)]:
        assert (withdrawal_state("R", day(d), events) is not None) is down, d


times = st.integers(min_value=0, max_value=30)
reg_events = st.lists(st.tuples(times, st.booleans()), max_size=5)
flag_events = st.lists(st.tuples(times, st.sampled_from(["flag", "clear"])), max_size=5)
SEEN: Counter = Counter()


@settings(max_examples=300, deadline=None)
@given(reg_events, flag_events)
def _property(reg, flags):
    registry = [Withdrawal(f"w{i}", "R", WithdrawalAction.WITHDRAW if down
                           else WithdrawalAction.REINSTATE, day(t))
                for i, (t, down) in enumerate(reg)]
    fl = [FlagEvent(f"f{i}", "R", a, day(t), "", "s") for i, (t, a) in enumerate(flags)]
    combined = registry + as_withdrawals(fl, registry)
    for t in range(0, 32):
        at = day(t) + timedelta(hours=1)
        r = withdrawal_state("R", at, registry) is not None
        f = any(a.effective_at <= at and (b is None or at < b) for a, b in intervals(fl))
        branch = {(True, True): "both", (True, False): "registry only",
                  (False, True): "flag only", (False, False): "neither"}[(r, f)]
        event(branch)
        SEEN[branch] += 1
        assert (withdrawal_state("R", at, combined) is not None) == (r or f)


def test_combined_events_are_down_exactly_when_the_registry_or_a_flag_is():
    SEEN.clear()
    _property()
    for branch in ("both", "registry only", "flag only", "neither"):
        assert SEEN[branch] >= 20, f"branch {branch!r} starved: {dict(SEEN)}"


def test_a_flag_after_a_void_stands_again():
    events = [FlagEvent("f1", "R", "flag", day(1), "", "s1"),
              FlagEvent("f2", "R", "void", day(5), "", "s1"),
              FlagEvent("f3", "R", "flag", day(8), "", "s1")]
    assert [w.effective_at for w in as_withdrawals(events, [])] == [day(8)]
    assert flagged_at(events, day(9)) and not flagged_at(events, day(6))
