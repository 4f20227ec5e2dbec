"""A small job queue in the registry database.

Why a table and not a library: the registry is SQLite (embedded, the default) or PostgreSQL,
and no maintained Python queue we could vendor runs on both without a broker (Celery, RQ, Dramatiq
and arq need Redis or RabbitMQ; procrastinate and PgQueuer are PostgreSQL only). One table and
four statements are enough, and the jobs commit in the same database as what they write.

- `enqueue` adds a row `queued` (inside the caller's transaction: a consent revocation and its
  audit job commit together or not at all).
- `claim` takes one queued job for a worker. On PostgreSQL the candidates are read with
  `SELECT ... FOR UPDATE SKIP LOCKED`, so workers never wait on each other; on SQLite, which
  has one writer at a time, the same conditional `UPDATE ... WHERE status = 'queued'` decides
  (a lost race updates no row and the worker takes the next). Fair across accounts: among the
  oldest queued jobs the one whose account has the fewest running jobs, then the fewest jobs
  started in the last ten minutes, goes first: one account's burst does not starve the others.
- A running job holds a **lease** that its worker renews (the heartbeat); `finish` stores the
  result. On PostgreSQL the lease is the row's `heartbeat_at` (`progress`). On SQLite a write
  from the heartbeat thread would break the handler's own transaction (one writer, WAL
  snapshots), so the lease is a file beside the database, `<db>.leases/<job id>`, whose mtime
  the heartbeat renews (`renew_lease`; one machine, as SQLite is).
- `recover` takes back jobs whose lease has not been renewed for `stale_s` (a worker killed,
  restarted, cut off from its database, or alive but hung: stopped, swapping, deadlocked): each
  goes back to `queued` until `max_attempts`, then `failed` with the reason. Only the holder
  may `finish` a job, and a worker checks it still holds its job at each reported stage
  (`holds`), so a taken-back job is completed once, by its new holder. Work is idempotent where
  it matters (creation outputs are content-addressed: a resumed job finds what an earlier
  attempt had committed), so a finished output is never lost and never made twice.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from accord.db.engine import session_scope
from accord.errors import NotFound
from accord.jobs.tables import JobRow
from accord.timeutil import fmt, now

QUEUED, RUNNING, DONE, REFUSED, FAILED = "queued", "running", "done", "refused", "failed"
FINISHED = frozenset({DONE, REFUSED, FAILED})
CANDIDATES = 64
RECENT = timedelta(minutes=10)


# --- leases on SQLite: a file per running job, its mtime the heartbeat -------------------------

def lease_dir(engine: Engine) -> Path | None:
    """Where a SQLite registry keeps its job leases (None: not SQLite, or an in-memory one)."""
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(f"{db}.leases")


def _lease(d: Path, job_id: str, attempt: int) -> Path:
    return d / f"{job_id}.{attempt}"  # one per attempt: an earlier holder never renews it


def start_lease(engine: Engine, job_id: str, attempt: int, worker: str) -> None:
    """A claimed SQLite job's lease file (atomically created)."""
    d = lease_dir(engine)
    if d is None:
        return
    d.mkdir(parents=True, exist_ok=True)
    tmp = d / f".{job_id}.{secrets.token_hex(4)}"
    tmp.write_text(worker)
    os.replace(tmp, _lease(d, job_id, attempt))


def renew_lease(engine: Engine, job_id: str, attempt: int) -> bool:
    """Renew a running SQLite job's lease (touch its file); False when it is gone (taken back:
    the worker no longer holds the job). True where there are no lease files."""
    d = lease_dir(engine)
    if d is None:
        return True
    try:
        os.utime(_lease(d, job_id, attempt))
    except FileNotFoundError:
        return False
    return True


def lease_age(engine: Engine, job_id: str, attempt: int) -> float | None:
    """Seconds since a SQLite job's lease was last renewed (None: no lease file)."""
    d = lease_dir(engine)
    if d is None:
        return None
    try:
        return max(0.0, time.time() - _lease(d, job_id, attempt).stat().st_mtime)
    except FileNotFoundError:
        return None


def drop_lease(engine: Engine, job_id: str, attempt: int | None = None) -> None:
    """Remove a job's lease file (of one attempt, or all of them)."""
    d = lease_dir(engine)
    if d is None:
        return
    paths = [_lease(d, job_id, attempt)] if attempt is not None else d.glob(f"{job_id}.*")
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def holds(engine: Engine, job_id: str, worker: str) -> bool:
    """Whether `worker` still holds the job (a read: safe beside a handler's transaction)."""
    with session_scope(engine) as session:
        row = session.execute(select(JobRow.status, JobRow.worker)
                              .where(JobRow.id == job_id)).one_or_none()
    return row is not None and row.status == RUNNING and row.worker == worker


def enqueue(session: Session, kind: str, payload: dict, account_id: str | None = None,
            max_attempts: int = 2, job_id: str | None = None) -> str:
    """A new queued job, in the caller's transaction; its id."""
    jid = job_id or f"job-{secrets.token_hex(10)}"
    session.add(JobRow(id=jid, kind=kind, account_id=account_id, payload=payload,
                       status=QUEUED, stage="", attempts=0, max_attempts=max_attempts,
                       bytes_out=0, created_at=now()))
    session.flush()
    return jid


def record(session: Session, job_id: str, kind: str, account_id: str | None, payload: dict,
           status: str, result: dict | None, error: dict | None, created_at: datetime,
           finished_at: datetime | None) -> None:
    """Store a job that did not need a worker (e.g. finished when it was asked for)."""
    session.add(JobRow(id=job_id, kind=kind, account_id=account_id, payload=payload,
                       status=status, stage="", attempts=0, max_attempts=2, bytes_out=0,
                       result=result, error=error, created_at=created_at,
                       finished_at=finished_at))
    session.flush()


def get(session: Session, job_id: str, kind: str | None = None, what: str = "job") -> JobRow:
    """The job; NotFound naming `what` when there is none (of `kind`, when given)."""
    row = session.get(JobRow, job_id)
    if row is None or (kind is not None and row.kind != kind):
        raise NotFound(f"no {what} with id {job_id!r}")
    return row


def to_json(row: JobRow) -> dict:
    return {"id": row.id, "kind": row.kind, "account": row.account_id, "status": row.status,
            "stage": row.stage, "attempts": row.attempts, "result": row.result,
            "error": row.error, "bytes_out": row.bytes_out,
            "created_at": fmt(row.created_at),
            "started_at": fmt(row.started_at) if row.started_at else None,
            "finished_at": fmt(row.finished_at) if row.finished_at else None}


def _pick(session: Session, candidates: list[tuple[str, str | None, datetime]]) -> list[str]:
    """The candidates in fair order (see module doc)."""
    accounts = {a for _, a, _ in candidates}
    running = Counter(dict(session.execute(
        select(JobRow.account_id, func.count()).where(JobRow.status == RUNNING,
                                                      JobRow.account_id.in_(accounts))
        .group_by(JobRow.account_id)).all()))
    recent = Counter(dict(session.execute(
        select(JobRow.account_id, func.count()).where(JobRow.started_at >= now() - RECENT,
                                                      JobRow.account_id.in_(accounts))
        .group_by(JobRow.account_id)).all()))
    ordered = sorted(candidates, key=lambda c: (running[c[1]], recent[c[1]], c[2], c[0]))
    return [jid for jid, _, _ in ordered]


def claim(engine: Engine, worker: str, kinds: tuple[str, ...]) -> JobRow | None:
    """Take one queued job of these kinds for `worker` (running, attempts + 1); None if none."""
    with session_scope(engine) as session:
        q = (select(JobRow.id, JobRow.account_id, JobRow.created_at)
             .where(JobRow.status == QUEUED, JobRow.kind.in_(kinds))
             .order_by(JobRow.created_at, JobRow.id).limit(CANDIDATES))
        if engine.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        candidates = [tuple(r) for r in session.execute(q).all()]
        if not candidates:
            return None
        t = now()
        for jid in _pick(session, candidates):
            taken = session.execute(
                update(JobRow).where(JobRow.id == jid, JobRow.status == QUEUED)
                .values(status=RUNNING, worker=worker, started_at=t, heartbeat_at=t,
                        attempts=JobRow.attempts + 1, stage="started")).rowcount
            if taken == 1:
                row = session.get(JobRow, jid)
                session.refresh(row)
                session.expunge(row)
                break
        else:
            return None
    start_lease(engine, row.id, row.attempts, worker)  # after the commit: the job is ours
    return row


def progress(engine: Engine, job_id: str, worker: str, stage: str) -> bool:
    """Report a stage (and that the worker is alive); False when the job is no longer this
    worker's (it was taken back as stale): the worker should stop."""
    with session_scope(engine) as session:
        return session.execute(
            update(JobRow).where(JobRow.id == job_id, JobRow.worker == worker,
                                 JobRow.status == RUNNING)
            .values(stage=stage[:120], heartbeat_at=now())).rowcount == 1


def finish(engine: Engine, job_id: str, worker: str, status: str, result: dict | None = None,
           error: dict | None = None, bytes_out: int = 0) -> bool:
    """Store a job's outcome, once: only the worker that holds it may."""
    assert status in FINISHED
    with session_scope(engine) as session:
        stored = session.execute(
            update(JobRow).where(JobRow.id == job_id, JobRow.worker == worker,
                                 JobRow.status == RUNNING)
            .values(status=status, result=result, error=error, bytes_out=bytes_out,
                    stage="", finished_at=now(), heartbeat_at=now())).rowcount == 1
    if stored:
        drop_lease(engine, job_id)
    return stored


def worker_alive(name: str | None) -> bool | None:
    """Whether a worker named "host:pid:..." still runs: known only on this host (else None)."""
    try:
        host, pid, _ = (name or "").split(":", 2)
        if host != socket.gethostname():
            return None
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError):
        return None
    return True


def recover(engine: Engine, stale_s: float, at: datetime | None = None) -> dict[str, list[str]]:
    """Take back running jobs whose lease has not been renewed for `stale_s`: queued again while
    attempts are left, else failed with the reason. Returns {"resumed": [...], "failed": [...]}.
    PostgreSQL: the lease is `heartbeat_at`. SQLite: the lease file's mtime (see the module
    doc); `heartbeat_at` is then the claim time. A SQLite job without a lease file (an in-memory
    database, or claimed by an older version) is taken back only once its worker's process is
    gone. `at` (tests) stands for now: a lease file counts as renewed at its mtime plus the
    time `at` is ahead of the clock."""
    t = at or now()
    ahead = max(0.0, (t - now()).total_seconds())
    out: dict[str, list[str]] = {"resumed": [], "failed": []}
    sqlite = engine.dialect.name == "sqlite"
    taken: list[tuple[str, int]] = []
    with session_scope(engine) as session:
        stale = session.execute(select(JobRow).where(
            JobRow.status == RUNNING, JobRow.heartbeat_at < t - timedelta(seconds=stale_s))
            .with_for_update()).scalars().all()
        for row in stale:
            if sqlite:
                age = lease_age(engine, row.id, row.attempts)
                if age is None and worker_alive(row.worker) is True:
                    continue
                if age is not None and age + ahead < stale_s:
                    continue  # its worker renews the lease: alive and working
            taken.append((row.id, row.attempts))
            if row.attempts < row.max_attempts:
                row.status, row.worker = QUEUED, None
                row.stage = f"resumed: its worker stopped during attempt {row.attempts}"
                out["resumed"].append(row.id)
            else:
                row.status, row.finished_at, row.stage = FAILED, t, ""
                row.error = {"status": 500, "detail": f"the job's worker stopped while it ran "
                             f"({row.attempts} attempt(s)); nothing it had not finished was "
                             "kept", "problems": []}
                out["failed"].append(row.id)
    for jid, attempt in taken:
        drop_lease(engine, jid, attempt)  # its late heartbeat finds no lease: it stops
    return out


def usage_since(session: Session, account_id: str, kind: str, since: datetime) -> tuple[int, int]:
    """(jobs, bytes written) of an account's jobs of a kind created since `since`."""
    n, b = session.execute(select(func.count(), func.coalesce(func.sum(JobRow.bytes_out), 0))
                           .where(JobRow.account_id == account_id, JobRow.kind == kind,
                                  JobRow.created_at >= since)).one()
    return int(n), int(b)


def jobs_of(session: Session, kind: str, *, status: frozenset[str] | None = None,
            limit: int = 20, account_id: str | None = None) -> list[JobRow]:
    q = select(JobRow).where(JobRow.kind == kind)
    if account_id is not None:
        q = q.where(JobRow.account_id == account_id)
    if status:
        q = q.where(JobRow.status.in_(status))
    return list(session.execute(q.order_by(JobRow.created_at.desc()).limit(limit)).scalars())
