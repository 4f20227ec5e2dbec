"""Hypothesis strategies: registries that start fully licensed and opted in, then are perturbed.

A generator that draws every agreement and consent at random almost never produces an allowed
check (1,800 samples of the old one gave no allowed recording), so the laws it was meant to prove
were proved for denials only. Here every scenario starts from the allowed case: every master and
publisher licenses every use of its whole catalogue, worldwide, commercially, from day 0 with no
end, and every person opts in to every use on day 0. Then up to four perturbations, each one
branch of the rule (`PERTURBATIONS`), are applied to a drawn agreement, person, work or
recording. A check therefore lands on the allowed case often, and on each way of being denied.

`branches(decision)` names the branches a decision went through, for `hypothesis.event`; the
property tests count them and fail when a branch is starved or fewer than a quarter of the checks
are allowed.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from accord.rights.model import Purpose, Use
from accord.rights.permission import Decision
from tests.rights_language import Scenario

LABELS = ["L1", "L2", "L3"]
PUBLISHERS = ["P1", "P2"]
PEOPLE = ["A1", "A2", "A3", "W1"]
USES = [Use.TRAIN, Use.STYLE]
TERRITORIES = ["WW", "GB", "FR"]
BASE = date(2026, 1, 1)
LAST_DAY = 12

# Each perturbation moves a licensed-and-opted-in scenario towards one branch of the rule.
PERTURBATIONS = [
    "no_masters",  # condition 1: a recording with no master rights holder on record
    "no_publishers",  # condition 2: a work with no publishing rights holder on record
    "one_use_only",  # an agreement covers the other use only
    "non_commercial",  # an agreement for non-commercial purposes only
    "territory",  # an agreement limited to one territory
    "listed_catalogue",  # an agreement that lists some items instead of "all"
    "exclude",  # an agreement that excludes an item
    "window",  # an agreement that starts late or ends early
    "terminate",  # a termination effective on a drawn day
    "never_opted_in",  # a person who never opted in to a use
    "revoke",  # a person revokes a use (sometimes opting in again later)
    "takedown",  # a recording withdrawn (sometimes reinstated later)
    "second_agreement",  # a harmless duplicate licence (evidence from two agreements)
]

# The branches of the rule a decision can go through (see `branches`).
BRANCHES = [
    "allowed",
    "condition 1: no master rights holder",
    "condition 1/2: no agreement (excluded)",
    "condition 1/2: no agreement (not in force)",
    "condition 1/2: no agreement (non-commercial only)",
    "condition 1/2: no agreement (territory)",
    "condition 1/2: no agreement covering it",
    "condition 2: no publishing rights holder",
    "condition 3: not opted in",
    "condition 4: revoked",
    "condition 4: withdrawn",
]


def day(n: int) -> str:
    return (BASE + timedelta(days=n)).isoformat()


days = st.integers(min_value=0, max_value=LAST_DAY)


@st.composite
def scenarios(draw, max_perturbations: int = 4) -> Scenario:
    s = Scenario()
    for p in LABELS:
        s.label(p)
    for p in PUBLISHERS:
        s.publisher(p)
    for p in PEOPLE[:3]:
        s.artist(p)
    s.party("W1", "songwriter", "performing_artist")
    people = st.lists(st.sampled_from(PEOPLE), unique=True, max_size=2)
    works = [f"w{i}" for i in range(draw(st.integers(1, 3)))]
    for w in works:
        s.work(w, writers=draw(people),
               publishers=draw(st.lists(st.sampled_from(PUBLISHERS), unique=True, min_size=1,
                                        max_size=2)))
    recordings = [f"r{i}" for i in range(draw(st.integers(1, 4)))]
    for r in recordings:
        s.recording(r, draw(st.sampled_from(works)), artists=draw(people),
                    masters=draw(st.lists(st.sampled_from(LABELS), unique=True, min_size=1,
                                          max_size=2)))
    # the allowed case: every holder licenses everything, every person opts in, from day 0
    for holder in LABELS + PUBLISHERS:
        s.agreement(holder, [u.value for u in USES], valid_from=day(0))
    for person in PEOPLE:
        for use in USES:
            s.opt_in(person, use.value, day(0))
    for kind in draw(st.lists(st.sampled_from(PERTURBATIONS), max_size=max_perturbations)):
        _perturb(draw, s, kind, works, recordings)
    return s


def _perturb(draw, s: Scenario, kind: str, works: list[str], recordings: list[str]) -> None:
    doc = s.doc
    # aim at parties the catalogue names, so that most perturbations change some check
    holders = {h["party"] for r in doc["recordings"] for h in r["masters"]} | {
        h["party"] for w in doc["works"] for h in w["publishers"]}
    people = sorted({p for r in doc["recordings"] for p in r["artists"]} | {
        h["party"] for w in doc["works"] for h in w["writers"]} or PEOPLE)
    agreement = draw(st.sampled_from([a for a in doc["agreements"] if a["licensor"] in holders]
                                     or doc["agreements"]))
    if kind == "no_masters":
        rec = draw(st.sampled_from(doc["recordings"]))
        rec["masters"] = []
    elif kind == "no_publishers":
        work = draw(st.sampled_from(doc["works"]))
        work["publishers"] = []
    elif kind == "one_use_only":
        agreement["uses"] = [draw(st.sampled_from([u.value for u in USES]))]
    elif kind == "non_commercial":
        agreement["purpose"] = Purpose.NON_COMMERCIAL.value
    elif kind == "territory":
        agreement["territories"] = [draw(st.sampled_from(TERRITORIES[1:]))]
    elif kind == "listed_catalogue":
        listed = {"recordings": draw(st.lists(st.sampled_from(recordings), unique=True,
                                              max_size=2)),
                  "works": draw(st.lists(st.sampled_from(works), unique=True, max_size=2))}
        if listed["recordings"] or listed["works"]:
            agreement["catalogue"] = listed
            agreement["exclude"] = {k: [i for i in v if i not in listed[k]]
                                    for k, v in agreement["exclude"].items()}
    elif kind == "exclude":  # one of the item's own holders excludes it from its licences
        if draw(st.booleans()):
            item = draw(st.sampled_from(doc["recordings"]))
            key, holders = "recordings", item["masters"]
        else:
            item = draw(st.sampled_from(doc["works"]))
            key, holders = "works", item["publishers"]
        if holders:
            holder = draw(st.sampled_from(holders))["party"]
            for a in doc["agreements"]:
                if a["licensor"] == holder and (a["catalogue"] == "all"
                                                or item["id"] not in a["catalogue"][key]):
                    a["exclude"][key] = sorted({*a["exclude"][key], item["id"]})
    elif kind == "window":
        start = draw(days)
        agreement["valid_from"] = day(start)
        agreement["valid_until"] = draw(st.none() | st.integers(start + 1, LAST_DAY + 2).map(day))
    elif kind == "terminate":
        s.terminate(agreement["id"], day(draw(days)))
    elif kind == "never_opted_in":
        who, use = draw(st.sampled_from(people)), draw(st.sampled_from(USES)).value
        doc["consents"] = [c for c in doc["consents"]
                           if not (c["party"] == who and c["use"] == use)]
    elif kind == "revoke":
        who, use = draw(st.sampled_from(people)), draw(st.sampled_from(USES)).value
        when = draw(st.integers(0, LAST_DAY // 2))
        s.revoke(who, use, day(when))
        if draw(st.booleans()):
            s.opt_in(who, use, day(draw(st.integers(when, LAST_DAY))))
    elif kind == "takedown":
        rid, when = draw(st.sampled_from(recordings)), draw(st.integers(0, LAST_DAY // 2))
        s.withdraw(rid, day(when))
        if not draw(st.integers(0, 2)):
            s.reinstate(rid, day(draw(st.integers(when, LAST_DAY))))
    elif kind == "second_agreement":
        s.agreement(agreement["licensor"], [u.value for u in USES],
                    valid_from=day(draw(days)))
    else:  # pragma: no cover - a typo in PERTURBATIONS
        raise AssertionError(kind)


queries = st.tuples(st.sampled_from(USES), days, st.sampled_from(list(Purpose)),
                    st.sampled_from(TERRITORIES))


# A reason's words -> the branch it reports (the first that matches; order matters: a
# withdrawal or revocation is checked before the agreement reasons).
_REASONS = [
    ("was withdrawn", "condition 4: withdrawn"),
    ("revoked", "condition 4: revoked"),
    ("has not opted in", "condition 3: not opted in"),
    ("no master rights holder", "condition 1: no master rights holder"),
    ("no publishing rights holder", "condition 2: no publishing rights holder"),
    ("excludes it", "condition 1/2: no agreement (excluded)"),
    ("is not in force", "condition 1/2: no agreement (not in force)"),
    ("non-commercial use only", "condition 1/2: no agreement (non-commercial only)"),
    ("does not cover territory", "condition 1/2: no agreement (territory)"),
    ("has no agreement in force", "condition 1/2: no agreement covering it"),
]


def branches(d: Decision) -> list[str]:
    """The branches of the rule this decision went through, named as in `BRANCHES`."""
    if d.allowed:
        return ["allowed"]
    found = set()
    for m in d.missing:
        branch = next((b for words, b in _REASONS if words in m.text), None)
        if branch is None:  # a new kind of reason: name it in _REASONS and BRANCHES
            raise AssertionError(f"unclassified reason: {m.text}")
        found.add(branch)
    return sorted(found)
