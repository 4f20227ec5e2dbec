"""Hypothesis strategies: small random registries where every branch of the rule is likely."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from accord.rights.model import Purpose, Use
from tests.rights_language import Scenario

LABELS = ["L1", "L2", "L3"]
PUBLISHERS = ["P1", "P2"]
PEOPLE = ["A1", "A2", "A3", "W1"]
USES = [Use.TRAIN, Use.STYLE]
TERRITORIES = ["WW", "GB", "FR"]
BASE = date(2026, 1, 1)


def day(n: int) -> str:
    return (BASE + timedelta(days=n)).isoformat()


days = st.integers(min_value=0, max_value=12)


@st.composite
def scenarios(draw) -> Scenario:
    s = Scenario()
    for p in LABELS:
        s.label(p)
    for p in PUBLISHERS:
        s.publisher(p)
    for p in PEOPLE[:3]:
        s.artist(p)
    s.party("W1", "songwriter", "performing_artist")
    people = st.lists(st.sampled_from(PEOPLE), unique=True, max_size=2)
    n_works = draw(st.integers(1, 3))
    works = [f"w{i}" for i in range(n_works)]
    for w in works:
        s.work(w, writers=draw(people),
               publishers=draw(st.lists(st.sampled_from(PUBLISHERS), unique=True, max_size=2)))
    recordings = [f"r{i}" for i in range(draw(st.integers(1, 4)))]
    for r in recordings:
        s.recording(r, draw(st.sampled_from(works)), artists=draw(people),
                    masters=draw(st.lists(st.sampled_from(LABELS), unique=True, max_size=2)))
    items = st.fixed_dictionaries({
        "recordings": st.lists(st.sampled_from(recordings), unique=True, max_size=2),
        "works": st.lists(st.sampled_from(works), unique=True, max_size=2)})
    agreements = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(days)
        end = draw(st.none() | st.integers(start + 1, 14))
        listed = draw(items)
        catalogue = "all" if draw(st.booleans()) or not (listed["recordings"] or listed["works"]) \
            else listed
        exclude = draw(items) if draw(st.booleans()) else None
        if exclude and catalogue != "all":  # an item cannot be listed and excluded at once
            exclude = {k: [i for i in v if i not in catalogue[k]] for k, v in exclude.items()}
        agreements.append(s.agreement(
            draw(st.sampled_from(LABELS + PUBLISHERS)),
            draw(st.lists(st.sampled_from([u.value for u in USES]), unique=True, min_size=1)),
            purpose=draw(st.sampled_from([p.value for p in Purpose])),
            catalogue=catalogue, exclude=exclude,
            territories=draw(st.lists(st.sampled_from(TERRITORIES), unique=True, min_size=1)),
            valid_from=day(start), valid_until=None if end is None else day(end)))
    if agreements:
        for _ in range(draw(st.integers(0, 2))):
            s.terminate(draw(st.sampled_from(agreements)), day(draw(days)))
    for _ in range(draw(st.integers(0, 10))):
        who, use = draw(st.sampled_from(PEOPLE)), draw(st.sampled_from(USES)).value
        if draw(st.integers(0, 2)):
            s.opt_in(who, use, day(draw(days)))
        else:
            s.revoke(who, use, day(draw(days)))
    for _ in range(draw(st.integers(0, 3))):  # takedowns and reinstatements
        r = draw(st.sampled_from(recordings))
        if draw(st.integers(0, 2)):
            s.withdraw(r, day(draw(days)))
        else:
            s.reinstate(r, day(draw(days)))
    return s


queries = st.tuples(st.sampled_from(USES), days, st.sampled_from(list(Purpose)),
                    st.sampled_from(TERRITORIES))
