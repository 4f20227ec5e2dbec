"""Properties of the permission rule.

1. The set-based SQL answer equals the per-item function, item by item, on SQLite and PostgreSQL.
2. Laws: revoking any one required consent disallows; an expired agreement disallows; a check is
   allowed exactly when there is positive evidence for every party and no takedown; the answer at
   T ignores events effective after T; a takedown denies and only a later reinstatement restores.
3. The generator reaches every branch of the rule, and at least a quarter of its checks are
   allowed (so the laws are not proved for denials only).

Every law is asserted for every generated check, allowed or not; `hypothesis.event` names the
branch each check went through (`pytest --hypothesis-show-statistics` shows the counts).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accord.db.engine import make_engine, session_scope
from accord.rights import repository, service
from accord.rights.audit import AuditLog
from accord.rights.permission import decide_recording, decide_work, withdrawal_state
from accord.rights.setbased import permitted_recordings, permitted_works
from tests.conftest import empty_all_tables
from tests.rights_strategies import BRANCHES, branches, day, queries, scenarios


def at_day(n: int) -> datetime:
    return datetime.fromisoformat(day(n)).replace(tzinfo=UTC)


def note(d) -> None:
    for branch in branches(d):
        event(branch)


def pure_answers(s, use, when, purpose, territory):
    doc, facts = s.document(), s.facts()
    recs = {r.id for r in doc.recordings
            if decide_recording(s.recording_rights(r.id), use, when, facts, purpose,
                                territory).allowed}
    works = {w.id for w in doc.works
             if decide_work(s.work_rights(w.id), use, when, facts, purpose, territory).allowed}
    return recs, works


def _agree(url: str, s, query) -> None:
    use, n, purpose, territory = query
    when = at_day(n)
    engine = make_engine(url)
    empty_all_tables(engine)
    with session_scope(engine) as session:
        service.import_document(session, s.document(), "generated", AuditLog(session, "test"))
    with session_scope(engine) as session:
        sql_recs = permitted_recordings(session, use, when, purpose, territory)
        sql_works = permitted_works(session, use, when, purpose, territory)
        # and the service (one statement's read of the database) decides exactly as the pure
        # function does on the document: same answer, evidence and reasons
        facts = s.facts()
        for rid in (r.id for r in s.document().recordings):
            d = service.check(session, use, recording=rid, at=when, purpose=purpose,
                              territory=territory)
            note(d)
            assert d.allowed == (rid in sql_recs)
            pure = decide_recording(s.recording_rights(rid), use, when, facts, purpose,
                                    territory)
            assert d == pure
            assert d.reasons() == pure.reasons()
        for wid in (w.id for w in s.document().works):
            d = service.check(session, use, work=wid, at=when, purpose=purpose,
                              territory=territory)
            note(d)
            assert d.allowed == (wid in sql_works)
            assert d == decide_work(s.work_rights(wid), use, when, facts, purpose, territory)
        # the whole-catalogue read (royalty runs) equals the per-item one
        works, recordings = repository.all_rights(session)
        assert works == [repository.work_rights(session, w.work_id) for w in works]
        assert recordings == [repository.recording_rights(session, r.recording_id)
                              for r in recordings]
        assert {r.recording_id for r in recordings} == {r.id for r in s.document().recordings}
    assert (sql_recs, sql_works) == pure_answers(s, use, when, purpose, territory)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=scenarios(), query=queries)
def test_set_based_sql_equals_per_item_rule_sqlite(sqlite_url, s, query):
    _agree(sqlite_url, s, query)


@pytest.mark.postgres
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=scenarios(), query=queries)
def test_set_based_sql_equals_per_item_rule_postgresql(pg_url, s, query):
    _agree(pg_url, s, query)


# --- laws (pure, many examples) ---------------------------------------------------------------

def _checks(s, use, when, purpose, territory):
    """Every per-item decision of the scenario: recordings then works."""
    facts = s.facts()
    for r in s.document().recordings:
        yield decide_recording(s.recording_rights(r.id), use, when, facts, purpose, territory)
    for w in s.document().works:
        yield decide_work(s.work_rights(w.id), use, when, facts, purpose, territory)


def test_generated_checks_reach_every_branch_and_a_quarter_are_allowed():
    """The generator is itself under test: a starved branch or too few allowed checks fails."""
    seen = dict.fromkeys(BRANCHES, 0)
    total = [0]

    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(s=scenarios(), query=queries)
    def sample(s, query):
        use, n, purpose, territory = query
        for d in _checks(s, use, at_day(n), purpose, territory):
            total[0] += 1
            for branch in branches(d):
                seen[branch] += 1

    sample()
    share = seen["allowed"] / total[0]
    print(f"\n{total[0]} checks, {share:.0%} allowed; per branch: {seen}")
    assert share >= 0.25, f"only {share:.0%} of {total[0]} generated checks are allowed"
    starved = [b for b, n in seen.items() if n < 5]
    assert not starved, f"branches never generated in {total[0]} checks: {starved}"


@settings(max_examples=300, deadline=None)
@given(s=scenarios(), query=queries, data=st.data())
def test_revoking_any_required_consent_disallows(s, query, data):
    use, n, purpose, territory = query
    when = at_day(n)
    before = {r.id: decide_recording(s.recording_rights(r.id), use, when, s.facts(), purpose,
                                     territory) for r in s.document().recordings}
    person = data.draw(st.sampled_from(sorted({p["id"] for p in s.doc["parties"]})))
    s.revoke(person, use.value, day(n))  # at T: a revocation wins a tie with an opt-in
    for rid, d in before.items():
        rec = s.recording_rights(rid)
        required = set(rec.artists) | {w.party_id for w in rec.work.writers}
        after = decide_recording(rec, use, when, s.facts(), purpose, territory)
        event(f"revoked a required consent of an {'allowed' if d.allowed else 'denied'} check"
              if person in required else "revoked a consent the check does not need")
        # a required person's revocation in force at T denies; anyone else's changes nothing
        assert after.allowed == (d.allowed and person not in required)
        if person in required:
            assert any(m.condition == 4 and m.party_id == person for m in after.missing)


@settings(max_examples=300, deadline=None)
@given(s=scenarios(), query=queries)
def test_expired_agreements_disallow(s, query):
    use, n, purpose, territory = query
    when = at_day(n)
    for a in s.doc["agreements"]:  # every agreement ends before T
        a["valid_until"] = day(n)
        if a["valid_from"] >= a["valid_until"]:
            a["valid_from"] = day(n - 1)
    for r in s.document().recordings:
        assert not decide_recording(s.recording_rights(r.id), use, when, s.facts(), purpose,
                                    territory).allowed


@settings(max_examples=300, deadline=None)
@given(s=scenarios(), query=queries)
def test_allowed_exactly_with_positive_evidence_for_every_party(s, query):
    use, n, purpose, territory = query
    when = at_day(n)
    facts = s.facts()
    for r in s.document().recordings:
        rec = s.recording_rights(r.id)
        d = decide_recording(rec, use, when, facts, purpose, territory)
        note(d)
        agreed = {e.party_id for e in d.evidence if e.kind == "agreement"}
        consented = {e.party_id for e in d.evidence if e.kind == "consent"}
        complete = (bool(rec.masters) and bool(rec.work.publishers)
                    and {m.party_id for m in rec.masters} <= agreed
                    and {p.party_id for p in rec.work.publishers} <= agreed
                    and set(rec.artists) | {w.party_id for w in rec.work.writers} <= consented)
        assert d.allowed == (complete and withdrawal_state(r.id, when, facts.withdrawals) is None)
        assert d.allowed == (not d.missing)
    empty = facts.__class__(names={})
    for r in s.document().recordings:
        assert not decide_recording(s.recording_rights(r.id), use, when, empty, purpose,
                                    territory).allowed


@settings(max_examples=300, deadline=None)
@given(s=scenarios(), query=queries, later=scenarios())
def test_answer_at_t_ignores_events_effective_after_t(s, query, later):
    use, n, purpose, territory = query
    when = at_day(n)
    before = pure_answers(s, use, when, purpose, territory)
    after_t = (when + timedelta(days=1)).date().isoformat()
    for c in later.doc["consents"]:
        s._consent(c["party"], c["use"], c["action"], after_t)
    for a in later.doc["agreements"]:
        s.agreement(a["licensor"], a["uses"], a["purpose"], "all", territories=a["territories"],
                    valid_from=after_t)
    for aid in [a["id"] for a in s.doc["agreements"]]:
        s.terminate(aid, after_t)
    for r in s.doc["recordings"]:
        s.withdraw(r["id"], after_t)
    assert pure_answers(s, use, when, purpose, territory) == before


@settings(max_examples=300, deadline=None)
@given(s=scenarios(), query=queries, data=st.data())
def test_a_takedown_in_force_denies_and_a_later_reinstatement_restores(s, query, data):
    use, n, purpose, territory = query
    when = at_day(n)
    allowed, _ = pure_answers(s, use, when, purpose, territory)
    rid = data.draw(st.sampled_from([r["id"] for r in s.doc["recordings"]]))
    event("took down an allowed recording" if rid in allowed else "took down a denied one")
    s.withdraw(rid, day(n))
    recs, works = pure_answers(s, use, when, purpose, territory)
    assert recs == allowed - {rid}  # only that recording, and works are untouched
    s.reinstate(rid, day(n))  # a tie: the takedown still wins
    assert pure_answers(s, use, when, purpose, territory)[0] == allowed - {rid}
    if n:  # an earlier reinstatement changes nothing
        s.reinstate(rid, day(n - 1))
    assert pure_answers(s, use, when, purpose, territory)[0] == allowed - {rid}
