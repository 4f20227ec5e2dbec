"""The durable job queue on SQLite and PostgreSQL: claims, fairness, a stopped worker's jobs
taken back, outcomes stored once, and a worker's handlers."""

from __future__ import annotations

import threading
from datetime import timedelta

from accord.db.engine import session_scope
from accord.errors import Refused
from accord.jobs import queue
from accord.jobs.worker import Outcome, Worker
from accord.timeutil import now


def _enqueue(engine, account, n=1, kind="k"):
    with session_scope(engine) as s:
        return [queue.enqueue(s, kind, {"n": i}, account) for i in range(n)]


def test_jobs_are_fair_across_accounts(engine):
    a = _enqueue(engine, "acct-a", 4)
    b = _enqueue(engine, "acct-b", 1)
    order = []
    for _ in range(5):
        job = queue.claim(engine, "w1", ("k",))
        order.append(job.account_id)
        queue.finish(engine, job.id, "w1", queue.DONE, {"ok": True})
    # b's one job waits for at most one of a's, not all four
    assert order.index("acct-b") <= 1, order
    with session_scope(engine) as s:
        assert {queue.get(s, j).status for j in a + b} == {queue.DONE}


def test_two_workers_never_claim_the_same_job(engine):
    ids = set(_enqueue(engine, "acct-a", 6))
    got, lock = [], threading.Lock()

    def work(name):
        while (job := queue.claim(engine, name, ("k",))) is not None:
            with lock:
                got.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)  # each exactly once


def test_a_stopped_workers_job_is_resumed_then_failed(engine):
    (jid,) = _enqueue(engine, "acct-a")
    assert queue.claim(engine, "dead", ("k",)).id == jid
    later = now() + timedelta(seconds=120)
    assert queue.recover(engine, 60, at=later) == {"resumed": [jid], "failed": []}
    again = queue.claim(engine, "w2", ("k",))
    assert again.id == jid and again.attempts == 2
    assert queue.recover(engine, 60, at=now() + timedelta(seconds=240)) == {
        "resumed": [], "failed": [jid]}
    with session_scope(engine) as s:
        row = queue.get(s, jid)
        assert row.status == queue.FAILED and "worker stopped" in row.error["detail"]
    # the dead worker wakes up: its late result is not stored over the outcome
    assert queue.finish(engine, jid, "dead", queue.DONE, {"late": True}) is False


def test_a_worker_runs_handlers_and_stores_refusals(engine):
    _enqueue(engine, "acct-a", 1, kind="ok")
    _enqueue(engine, "acct-a", 1, kind="no")
    stages = []

    def ok(job, report):
        report("halfway")
        stages.append(job.id)
        return Outcome(queue.DONE, {"n": job.payload["n"]}, bytes_out=7)

    def no(job, report):
        raise Refused("not allowed: a test")

    w = Worker(engine, {"ok": ok, "no": no}, stale_s=30, status_for=lambda e: 403)
    assert w.run(once=True) == 2
    with session_scope(engine) as s:
        rows = {r.kind: r for r in [queue.get(s, j.id) for j in
                                    queue.jobs_of(s, "ok") + queue.jobs_of(s, "no")]}
        assert rows["ok"].status == queue.DONE and rows["ok"].bytes_out == 7
        assert rows["no"].status == queue.REFUSED
        assert rows["no"].error == {"status": 403, "detail": "not allowed: a test",
                                    "problems": []}
