"""Job leases on SQLite and PostgreSQL: a worker that is alive but hung (SIGSTOP) stops renewing
its lease and its job is taken back by another worker, which completes it; the hung worker,
resumed, finds its job gone and stops without completing it or storing anything. A worker that
keeps beating is never taken back, however long its job runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from accord.db.engine import make_engine, session_scope
from accord.jobs import queue
from accord.jobs.tables import JobRow
from accord.jobs.worker import Outcome, Worker
from accord.timeutil import now
from tests.conftest import empty_all_tables

LEASE_S = 3.0  # long enough that a busy machine does not starve a healthy heartbeat
SLOW_WORKER = textwrap.dedent("""
    import pathlib, sys, time
    from accord.db.engine import make_engine
    from accord.jobs import queue
    from accord.jobs.worker import Outcome, Worker

    url, marks = sys.argv[1], pathlib.Path(sys.argv[2])

    def slow(job, report):
        (marks / "A-started").touch()
        for i in range(100):
            report(f"step {i}")
            time.sleep(0.1)
        (marks / "A-completed").touch()
        return Outcome(queue.DONE, {"by": "A"})

    print(Worker(make_engine(url), {"slow": slow}, stale_s=float(sys.argv[3])).run(once=True))
""")


def _wait(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if (got := predicate()):
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_hung_workers_job_is_taken_back_and_completed_once(engine, db_url, tmp_path):
    with session_scope(engine) as s:
        jid = queue.enqueue(s, "slow", {}, "acct-a")
    script = tmp_path / "slow_worker.py"
    script.write_text(SLOW_WORKER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(["src", os.environ.get("PYTHONPATH", "")])}
    a = subprocess.Popen([sys.executable, str(script), db_url, str(tmp_path), str(LEASE_S)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait(lambda: (tmp_path / "A-started").exists(), 30, "worker A to start the job")
        time.sleep(LEASE_S + 0.6)  # longer than the lease: A renews it while it works
        assert queue.recover(engine, LEASE_S) == {"resumed": [], "failed": []}
        os.kill(a.pid, signal.SIGSTOP)  # alive, but hung: no heartbeat, no progress
        ran = []

        def fast(job, report):
            report("quick")
            (tmp_path / "B-completed").touch()
            ran.append(job.id)
            return Outcome(queue.DONE, {"by": "B"})

        b = Worker(engine, {"slow": fast}, stale_s=LEASE_S, poll_s=0.05)
        _wait(lambda: b.run_once() is not None, 20, "worker B to take the job back")
        assert ran == [jid]
        with session_scope(engine) as s:
            row = queue.get(s, jid)
            assert (row.status, row.result, row.attempts) == (queue.DONE, {"by": "B"}, 2)
            assert row.worker == b.name
        os.kill(a.pid, signal.SIGCONT)
        out, err = a.communicate(timeout=30)
        assert a.returncode == 0, err
        assert "taken back" in err  # A noticed, and stopped
        assert not (tmp_path / "A-completed").exists()  # never ran to completion twice
        with session_scope(engine) as s:
            assert queue.get(s, jid).result == {"by": "B"}  # A stored nothing over it
        if (d := queue.lease_dir(engine)) is not None:
            assert list(d.glob(f"{jid}.*")) == []  # no lease left behind
    finally:
        if a.poll() is None:
            os.kill(a.pid, signal.SIGCONT)
            a.kill()
            a.wait()


def _claimed_by_a_live_process(engine) -> tuple[str, JobRow]:
    with session_scope(engine) as s:
        jid = queue.enqueue(s, "k", {}, "acct-a")
    row = queue.claim(engine, f"{socket.gethostname()}:{os.getpid()}:1", ("k",))
    with session_scope(engine) as s:  # claimed two minutes ago
        s.execute(update(JobRow).where(JobRow.id == jid)
                  .values(heartbeat_at=now() - timedelta(seconds=120)))
    return jid, row


@pytest.fixture
def sqlite_engine(sqlite_url):
    """SQLite only: PostgreSQL's lease is heartbeat_at itself (the test above)."""
    engine = make_engine(sqlite_url)
    empty_all_tables(engine)
    yield engine
    empty_all_tables(engine)


def test_sqlite_a_live_process_with_a_fresh_lease_keeps_its_job(sqlite_engine):
    engine = sqlite_engine
    jid, row = _claimed_by_a_live_process(engine)
    assert queue.renew_lease(engine, jid, row.attempts)
    assert queue.recover(engine, 60) == {"resumed": [], "failed": []}


def test_sqlite_a_live_process_with_a_stale_lease_loses_its_job(sqlite_engine):
    engine = sqlite_engine
    jid, row = _claimed_by_a_live_process(engine)
    lease: Path = queue.lease_dir(engine) / f"{jid}.{row.attempts}"
    old = time.time() - 120
    os.utime(lease, (old, old))  # alive (this very process) but silent for two minutes
    assert queue.recover(engine, 60) == {"resumed": [jid], "failed": []}
    assert not lease.exists()
    assert queue.renew_lease(engine, jid, row.attempts) is False  # the old holder learns it
