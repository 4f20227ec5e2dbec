"""Money follows permission: the part of a payee's money that is withheld, and why (pure).

A paid line is a payee's part of one item in one sub-pool of a feature. Its money is withheld
(booked to the suspense account `withheld:<payee>`, nobody else's share changes) for the usage
during which a negative fact was in force:

  - a writer (person) payee: a consent revocation of the line's use is the party's consent
    state (the rights model's `consent_state`: the latest event effective at or before the
    time decides, a revocation wins a tie);
  - a rights-holder payee (master or publisher side) with agreements naming the use for the
    item: none of them is in force then and covers the item (excluded, terminated, expired,
    not yet begun: the rights model's `in_force` and `covers_item`);
  - every payee of the item, for the revenue of a territory: a rights holder of the item has
    agreements in force covering the use and the item, and none covers that territory;
  - every payee of a recording, while it is withdrawn (taken down, e.g. by a DDEX takedown):
    the rights model's `withdrawal_state`, as in the permission rule's condition 4.

Only negative facts withhold: a payee without any consent event, or a holder without any
agreement naming the use, is paid as before (positive permission was required when the use was
made; see docs/royalties.md).

Time: a period's usage is cut into slices at the instants (to the second) where a fact
changes; the engines give each item's weight per slice, so a line's money is split by when its
usage happened and each slice is decided at its own time. The use of a line comes from its
sub-pool (USE_OF_SUBPOOL).

Rounding: the payee's amount is rounded once, by the distribution, over the payee's whole exact
quota; it is then split into paid and withheld parts by the same largest-remainder function
(ties to withheld), so no other payee's amount depends on the withholding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from fractions import Fraction

from accord.rights.model import (
    WORLDWIDE,
    Agreement,
    AgreementTermination,
    ConsentAction,
    ConsentEvent,
    Use,
    Withdrawal,
)
from accord.rights.permission import (
    consent_state,
    covers_item,
    covers_territory,
    in_force,
    withdrawal_state,
)
from accord.royalties.distribute import Distribution
from accord.royalties.model import UNALLOCATED, Holder, RevenueEvent, period_bounds
from accord.royalties.money import allocate
from accord.royalties.policy import Policy


def use_of(subpool: str) -> Use:
    """The AI use a sub-pool's money pays for."""
    if subpool.startswith("training:"):
        return Use.TRAIN
    return USE_OF_SUBPOOL[subpool]


#: training:<model> -> train (a work in a used model's snapshot); the output credits by role:
#: training -> train, conditioning -> style (a style/voice reference), source -> remix (a
#: derivative's source work); DJ plays -> dj.
USE_OF_SUBPOOL = {"output:training": Use.TRAIN, "output:conditioning": Use.STYLE,
                  "output:source": Use.REMIX, "play": Use.DJ}


@dataclass(frozen=True)
class RightsFacts:
    """The consent, agreement and withdrawal events the withholding reads (all of them, read
    once)."""

    agreements: tuple[Agreement, ...] = ()
    terminations: tuple[AgreementTermination, ...] = ()
    consents: tuple[ConsentEvent, ...] = ()
    withdrawals: tuple[Withdrawal, ...] = ()
    _index: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        by_party: dict[str, list[ConsentEvent]] = defaultdict(list)
        for e in self.consents:
            by_party[e.party_id].append(e)
        by_licensor: dict[str, list[Agreement]] = defaultdict(list)
        for a in sorted(self.agreements, key=lambda a: a.id):
            by_licensor[a.licensor_id].append(a)
        ends: dict[str, list[AgreementTermination]] = defaultdict(list)
        for t in self.terminations:
            ends[t.agreement_id].append(t)
        taken: dict[str, list[Withdrawal]] = defaultdict(list)
        for w in self.withdrawals:
            taken[w.recording_id].append(w)
        self._index.update(consents=dict(by_party), agreements=dict(by_licensor),
                           terminations=dict(ends), withdrawals=dict(taken),
                           revokers=frozenset(p for p, es in by_party.items()
                                              if any(e.action is ConsentAction.REVOKE
                                                     for e in es)))

    def consents_of(self, party: str) -> list[ConsentEvent]:
        return self._index["consents"].get(party, [])

    def agreements_of(self, licensor: str) -> list[Agreement]:
        return self._index["agreements"].get(licensor, [])

    def terminations_of(self, agreement_id: str) -> list[AgreementTermination]:
        return self._index["terminations"].get(agreement_id, [])

    def withdrawals_of(self, recording_id: str) -> list[Withdrawal]:
        return self._index["withdrawals"].get(recording_id, [])

    @property
    def revokers(self) -> frozenset[str]:
        return self._index["revokers"]


def _day(at: datetime) -> str:
    return at.date().isoformat()


# ---- what changes when -------------------------------------------------------------------

def _second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


def cut_instants(facts: RightsFacts, period: str, parties: Iterable[str] | None = None,
                 recordings: Iterable[str] | None = None) -> tuple[datetime, ...]:
    """The instants inside the period (truncated to the second) where a fact that can withhold
    money begins or ends: consent events of parties who ever revoked, their agreements' start
    and end dates and terminations, recordings' takedowns and reinstatements. Between two cuts
    every decision is constant.

    parties, recordings: only these parties' and recordings' facts (those of the items to
    slice); None: everyone's."""
    start, end = period_bounds(period)
    keep = None if parties is None else set(parties)
    times: set[datetime] = set()
    for p in facts.revokers if keep is None else facts.revokers & keep:
        times.update(e.effective_at for e in facts.consents_of(p))
    for a in facts.agreements:
        if keep is None or a.licensor_id in keep:
            times.add(a.valid_from)
            if a.valid_until is not None:
                times.add(a.valid_until)
            times.update(t.effective_at for t in facts.terminations_of(a.id))
    taken = facts.withdrawals if recordings is None else [
        w for r in set(recordings) for w in facts.withdrawals_of(r)]
    times.update(w.effective_at for w in taken)
    return tuple(sorted({_second(t) for t in times if start < t < end} - {start}))


def slice_starts(period: str, cuts: tuple[datetime, ...]) -> list[datetime]:
    """Slice k of a period begins at its start (k = 0) or at cut k - 1."""
    return [period_bounds(period)[0], *cuts]


def decision_time(start: datetime) -> datetime:
    """A slice is decided at the last instant of its first second: facts are read to the
    second, and within a second the later state (e.g. a revocation) wins."""
    return start + timedelta(seconds=1, microseconds=-1)


def _restricting(a: Agreement, facts: RightsFacts, start: datetime, end: datetime) -> bool:
    """Can this agreement make a holder's money withheld during [start, end)?"""
    return bool(a.excluded or a.valid_from > start
                or (a.valid_until is not None and a.valid_until < end)
                or any(t.effective_at < end for t in facts.terminations_of(a.id))
                or WORLDWIDE not in a.territories)


def wanted_items(holders: Iterable[Holder], facts: RightsFacts, period: str
                 ) -> set[tuple[str, str]]:
    """(item_kind, item_id) of the items whose money may be withheld in the period: a writer
    who revoked something before its end, a rights holder with an agreement that excludes,
    ends, starts late or is limited to territories, or a recording taken down before its end.
    Everything else is paid without looking."""
    start, end = period_bounds(period)
    revokers = {p for p in facts.revokers
                if any(e.effective_at < end for e in facts.consents_of(p))}
    restricted = {lic for lic in {h.payee_id for h in holders if h.side in ("master",
                                                                              "publisher")}
                  if any(_restricting(a, facts, start, end) for a in facts.agreements_of(lic))}
    out = set()
    for h in holders:
        if (h.side == "writer" and h.payee_id in revokers) or (
                h.side in ("master", "publisher") and h.payee_id in restricted) or (
                h.item_kind.value == "recording"
                and any(w.effective_at < end for w in facts.withdrawals_of(h.item_id))):
            out.add((h.item_kind.value, h.item_id))
    return out


# ---- the decision for one payee of one item at one time -----------------------------------

def item_reason(kind: str, item_id: str, at: datetime, facts: RightsFacts) -> str | None:
    """Why all of an item's money at `at` is withheld: a recording taken down (None: it is
    not)."""
    if kind != "recording":
        return None
    down = withdrawal_state(item_id, at, facts.withdrawals_of(item_id))
    return None if down is None else f"recording {item_id} withdrawn from {_day(down.effective_at)}"


def payee_reason(h: Holder, use: Use, at: datetime, facts: RightsFacts) -> str | None:
    """Why this payee's money for this use of the item at `at` is withheld (None: it is not)."""
    if h.side == "writer":
        state = consent_state(h.payee_id, use, at, facts.consents_of(h.payee_id))
        if state is not None and state.action is ConsentAction.REVOKE:
            return f"consent to {use} revoked from {_day(state.effective_at)}"
        return None
    if h.side not in ("master", "publisher"):
        return None
    named = [a for a in facts.agreements_of(h.payee_id)
             if use in a.uses and (a.catalogue_all or h.item_id in a.items)]
    if not named:
        return None
    if any(in_force(a, at, facts.terminations_of(a.id)) and covers_item(a, h.item_id)
           for a in named):
        return None
    for a in named:
        if h.item_id in a.excluded:
            return f"agreement {a.id} excludes {h.item_id}"
    for a in named:
        ends = sorted(t.effective_at for t in facts.terminations_of(a.id) if t.effective_at <= at)
        if ends:
            return f"agreement {a.id} terminated from {_day(ends[0])}"
    for a in named:
        if a.valid_until is not None and at >= a.valid_until:
            return f"agreement {a.id} expired on {_day(a.valid_until)}"
    return f"agreement {named[0].id} in force only from {_day(named[0].valid_from)}"


def unlicensed(item_holders: list[Holder], use: Use, at: datetime, territory: str,
               facts: RightsFacts) -> bool:
    """A rights holder of the item licenses this use of it at `at`, but not in `territory`."""
    for h in item_holders:
        if h.side not in ("master", "publisher"):
            continue
        live = [a for a in facts.agreements_of(h.payee_id)
                if use in a.uses and covers_item(a, h.item_id)
                and in_force(a, at, facts.terminations_of(a.id))]
        if live and not any(covers_territory(a, territory) for a in live):
            return True
    return False


# ---- from sliced item weights to withheld exact quotas ------------------------------------

@dataclass(frozen=True, order=True)
class SlicedItem:
    """An item's weight in one sub-pool from the usage in one time slice (engines' `sliced`).
    Training lines: weight = the work's weight x the model's units in the slice (so the
    slices split it by usage); units: the units in the slice."""

    feature: str
    subpool: str
    model_id: str
    item_kind: str
    item_id: str
    slice: int
    units: int
    weight: int


def item_slices(rows: Iterable[SlicedItem]) -> dict[tuple, tuple[int, dict[int, int]]]:
    """(feature, subpool, model, kind, item) -> (d, {slice: n}): the item's weight (as in the
    lines) in slice k is n_k / d. Usage lines: their integer weights, d = 1; a training line:
    the work's weight times its model's units in the slice, d = the model's units."""
    acc: dict[tuple, list[SlicedItem]] = defaultdict(list)
    for r in rows:
        acc[(r.feature, r.subpool, r.model_id, r.item_kind, r.item_id)].append(r)
    out: dict[tuple, tuple[int, dict[int, int]]] = {}
    for key, rs in acc.items():
        if key[1].startswith("training:"):
            u = sum(r.units for r in rs)
            if u and any(r.weight for r in rs):
                out[key] = (u, {r.slice: r.weight for r in rs if r.weight})
        elif any(r.weight for r in rs):
            out[key] = (1, {r.slice: r.weight for r in rs if r.weight})
    return out


def withheld_quotas(dist: Distribution, rows: Iterable[SlicedItem], holders: Iterable[Holder],
                    facts: RightsFacts, revenue: Iterable[RevenueEvent], policy: Policy,
                    period: str, cuts: tuple[datetime, ...] = ()
                    ) -> dict[tuple[str, str, str], Fraction]:
    """(currency, payee, reason) -> exact withheld money (minor units) of the period.

    A payee's line money is P_f * f_s * w_item * factor / W_s; the withheld part keeps the
    weight of the slices (and, for a territory, the revenue) it is withheld for. Weights are
    summed first as integers, the money formed once per sub-pool and reason."""
    pool_fraction = Fraction(policy.pool.fraction)
    places: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int)))  # feature -> currency -> territory
    for r in revenue:
        if r.period == period and r.amount_minor:
            places[r.feature][r.currency][r.territory] += r.amount_minor
    holders_of: dict[tuple[str, str], list[Holder]] = defaultdict(list)
    for h in holders:
        if h.payee_id != UNALLOCATED:
            holders_of[(h.item_kind.value, h.item_id)].append(h)
    at = [decision_time(s) for s in slice_starts(period, cuts)]
    person: dict[tuple[str, Use, int], str | None] = {}  # a writer's state: not per item
    #: (feature, subpool, payee, reason, territory or "" for all, d) -> withheld weight * d
    held: dict[tuple[str, str, str, str, str, int], int] = defaultdict(int)
    for (feature, subpool, _m, kind, item), (den, parts) in item_slices(rows).items():
        if not dist.fractions.get((feature, subpool)) or feature not in places:
            continue
        use = use_of(subpool)
        territories = sorted({t for by_t in places[feature].values() for t in by_t})
        hs = holders_of.get((kind, item), [])
        for k, part in parts.items():
            free = []
            down = item_reason(kind, item, at[k], facts)
            for h in hs:
                if down is not None:
                    why = down
                elif h.side == "writer":
                    key = (h.payee_id, use, k)
                    if key not in person:
                        person[key] = payee_reason(h, use, at[k], facts)
                    why = person[key]
                else:
                    why = payee_reason(h, use, at[k], facts)
                if why is None:
                    free.append(h)
                else:
                    held[(feature, subpool, h.payee_id, why, "", den)] += part * h.factor
            for t in territories if free else ():
                if unlicensed(hs, use, at[k], t, facts):
                    for h in free:
                        held[(feature, subpool, h.payee_id, f"territory {t} not licensed", t,
                              den)] += part * h.factor
    out: dict[tuple[str, str, str], Fraction] = defaultdict(Fraction)
    for (feature, subpool, payee, why, territory, den), n in held.items():
        coef = (pool_fraction * dist.fractions[(feature, subpool)]
                * Fraction(n, den * dist.totals[(feature, subpool)]))
        for currency, by_t in sorted(places[feature].items()):
            amount = by_t.get(territory, 0) if territory else sum(by_t.values())
            if amount:
                out[(currency, payee, why)] += amount * coef
    return {k: v for k, v in out.items() if v}


def apply_withholding(dist: Distribution, weights: dict[tuple[str, str], dict[str, int]],
                      quotas: dict[tuple[str, str, str], Fraction], policy: Policy
                      ) -> Distribution:
    """Split each affected payee's rounded amount into paid and withheld parts (largest
    remainder over the exact parts, ties to withheld). Other payees are untouched."""
    if not quotas:
        return dist
    pool_fraction = Fraction(policy.pool.fraction)
    mine: dict[tuple[str, str], dict[str, Fraction]] = defaultdict(dict)
    for (currency, payee, reason), q in quotas.items():
        mine[(currency, payee)][reason] = q
    withheld: dict[tuple[str, str, str], int] = {}
    for (currency, payee), reasons in sorted(mine.items()):
        total = Fraction(0)
        for (feature, subpool), w in weights.items():
            f = dist.fractions.get((feature, subpool))
            if f and payee in w:
                total += (dist.revenue.get((feature, currency), 0) * pool_fraction * f
                          * Fraction(w[payee], dist.totals[(feature, subpool)]))
        held = sum(reasons.values(), Fraction(0))
        if held > total:  # a bug: withheld lines are parts of the payee's own lines
            raise AssertionError(f"withheld {held} exceeds the quota {total} of {payee}")
        amount = dist.allocations.get((currency, payee), 0)
        if not amount:
            continue
        parts: dict[tuple[int, str], Fraction] = {(0, r): q for r, q in reasons.items()}
        parts[(1, "")] = total - held
        for (kind, reason), v in allocate(amount, parts).items():
            if kind == 0 and v:
                withheld[(currency, payee, reason)] = v
    return replace(dist, withheld=withheld)


def slices_of_lines(lines) -> list[SlicedItem]:
    """The reference path's lines as one slice per item (for the pure engine and tests)."""
    seen: dict[tuple, SlicedItem] = {}
    for ln in lines:
        key = (ln.feature, ln.subpool, ln.model_id, ln.item_kind, ln.item_id)
        if key in seen or not ln.factor:
            continue
        w = ln.weight // ln.factor
        seen[key] = SlicedItem(*key, 0, ln.units,
                               w * ln.units if ln.subpool.startswith("training:") else w)
    return list(seen.values())
