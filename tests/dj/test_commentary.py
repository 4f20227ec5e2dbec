"""Grounded commentary: only registry facts; never a sentence about a non-consenting person."""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from accord.dj import commentary
from accord.dj.model import Constraints, Features, Person, Placed, Track
from accord.dj.requests import parse_request


def mk(i, performers, writers) -> Track:
    return Track(f"r{i}", f"Song number {i}", 200.0, Features(f"r{i}", "8B", 100.0, 0.5, "x"),
                 performers=tuple(performers), writers=tuple(writers))


def test_a_non_consenting_writer_is_never_named_and_their_titles_not_said():
    yes = Person("p-yes", "Yara Yes", True)
    no = Person("p-no", "Nina No", False)
    a = mk(1, [yes], [yes])
    b = mk(2, [yes], [no])
    lines = commentary.script([Placed(a, ""), Placed(b, "")], "set1", 10,
                              because={"r1": b, "r2": b})
    text = " ".join(ln.text for ln in lines)
    assert "Nina No" not in text
    assert "Song number 2" not in text  # a recording crediting her is not spoken of
    assert "Yara Yes" in text or "Song number 1" in text
    assert "generated voice" in lines[0].text


def test_every_slot_value_is_a_fact_of_the_tracks():
    p = Person("p1", "Ada Writer", True)
    tracks = [mk(i, [p], [p]) for i in range(6)]
    lines = commentary.script([Placed(t, "") for t in tracks], "s", 20)
    facts = {t.title for t in tracks} | {"Ada Writer", "C major", "100", "20"}
    for ln in lines:
        assert set(ln.slots.values()) <= facts, ln


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=8),
       st.text(alphabet="abcdef", min_size=1, max_size=6))
def test_property_no_sentence_names_a_non_consenting_person(flags, seed):
    placed = []
    refused = set()
    for i, (perf_ok, writer_ok) in enumerate(flags):
        perf = Person(f"perf{i}", f"Performer Zq{i}x", perf_ok)
        wri = Person(f"wri{i}", f"Writer Kv{i}y", writer_ok)
        for person in (perf, wri):
            if not person.dj_opted_in:
                refused.add(person.name)
        placed.append(Placed(mk(i, [perf], [wri]), ""))
    event("some refused" if refused else "all consent")
    lines = commentary.script(placed, seed, 15)
    for ln in lines:
        for name in refused:
            assert name not in ln.text


def test_why_line_names_the_request_and_the_history():
    p = Person("p", "P", True)
    t, h = mk(1, [p], [p]), mk(2, [p], [p])
    c, _ = parse_request("something calm")
    line = commentary.why(Placed(t, "", {"key": {"note": "8B->8B"}}), h, c)
    assert "something calm" in line and "because you played Song number 2" in line
    assert "8B->8B" in line
    assert commentary.why(Placed(t, "", {}), None, Constraints()).startswith("popular")


def test_a_mood_is_said_only_of_the_tracks_that_meet_it():
    # mk() makes 100 BPM, energy 0.5 tracks: outside "calm" (<= 0.45, <= 100 BPM)
    p = Person("p", "P", True)
    c, _ = parse_request("something calm, no Bach today")
    loud = mk(1, [p], [p])
    line = commentary.why(Placed(loud, "", {}), None, c)
    assert "you asked for 'something calm'" not in line
    assert "outside 'something calm': too few licensed tracks match it" in line
    assert "you said no Bach" in line  # the other rules still hold for every track
    quiet = Track("r2", "Quiet one", 200.0, Features("r2", "8B", 80.0, 0.3, "x"),
                  performers=(p,), writers=(p,))
    line = commentary.why(Placed(quiet, "", {}), None, c)
    assert line.startswith("you asked for 'something calm'; you said no Bach")


def test_requests_become_constraints():
    c, bad = parse_request("something calm, no Bach today", last_recording="r9")
    assert c.max_energy is not None and c.exclude_terms == ("bach",) and not bad
    c, _ = parse_request("more like the last one", last_recording="r9")
    assert c.like_recording == "r9"
    c, bad = parse_request("more like the last one")
    assert c.like_recording is None and bad
    c, bad = parse_request("play it backwards")
    assert bad == ["play it backwards"]
