"""A job worker: claims jobs from the queue (accord.jobs.queue), runs each with the handler
registered for its kind, and stores the outcome. `accord worker` runs one in the foreground;
`accord serve` starts one in a thread of the server process (unless told not to).

A handler is `handler(job, report) -> Outcome`: `report(stage)` records progress. While it runs
a heartbeat thread renews the job's lease (accord.jobs.queue: `heartbeat_at` on PostgreSQL, the
lease file on SQLite), so a job is taken back when its worker is gone (killed, restarted), cut
off from the database, or alive but not beating (stopped, hung) for longer than the lease.
A worker that finds its job taken back stops it: `report` raises LeaseLost at the next stage
(the handler's work so far is kept only where it committed, and the new holder finds it: work
is idempotent), and its outcome is never stored over the new holder's. A handler raising
AccordError ends the job `refused` with the error; any other exception `failed` (logged).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from accord.errors import AccordError
from accord.jobs import queue
from accord.jobs.tables import JobRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: str                 # done, refused or failed
    result: dict | None = None
    error: dict | None = None
    bytes_out: int = 0


Handler = Callable[[JobRow, Callable[[str], None]], Outcome]
#: Called before a stale job is taken back (e.g. to sweep a killed creation's temporary files).
Sweeper = Callable[[], None]


class LeaseLost(Exception):
    """The job was taken back from this worker (its lease ran out): stop, store nothing."""


def error_json(exc: AccordError, status: int) -> dict:
    return {"status": status, "detail": exc.args[0] if exc.args else str(exc),
            "problems": [{"where": p.where, "message": p.message} for p in exc.problems]}


class Worker:
    def __init__(self, engine: Engine, handlers: dict[str, Handler], *, stale_s: float = 60.0,
                 poll_s: float = 0.5, sweep: Sweeper | None = None,
                 status_for: Callable[[AccordError], int] = lambda exc: 422) -> None:
        self.engine, self.handlers = engine, handlers
        self.stale_s, self.poll_s, self.sweep = stale_s, poll_s, sweep
        self.status_for = status_for
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self) % 100000}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_recover = float("-inf")

    # --- one step -----------------------------------------------------------------------------
    def recover(self) -> dict[str, list[str]]:
        taken = queue.recover(self.engine, self.stale_s)
        if (taken["resumed"] or taken["failed"]) and self.sweep is not None:
            self.sweep()
        if taken["resumed"] or taken["failed"]:
            log.warning("jobs taken back from stopped workers: %s", taken)
        return taken

    def run_once(self) -> JobRow | None:
        """Claim and run one job; the claimed row (None when the queue was empty)."""
        if time.monotonic() - self._last_recover >= max(1.0, self.stale_s / 3):
            self.recover()
            self._last_recover = time.monotonic()
        job = queue.claim(self.engine, self.name, tuple(self.handlers))
        if job is None:
            return None
        stage = {"now": "started"}
        done, changed, lost = threading.Event(), threading.Event(), threading.Event()
        sqlite = self.engine.dialect.name == "sqlite"

        def report(s: str) -> None:
            # the stage is written by the heartbeat thread, never here: on SQLite the handler's
            # own open write transaction would make a second writer in this thread wait on
            # itself. Here only a read: is the job still ours (after a pause, say)?
            if lost.is_set() or not self._holds(job.id):
                lost.set()
                raise LeaseLost(f"job {job.id} was taken back from worker {self.name}")
            stage["now"] = s
            changed.set()

        def beat() -> None:
            while not done.is_set():
                changed.wait(min(2.0, max(0.2, self.stale_s / 3)))
                changed.clear()
                if done.is_set():
                    break
                try:
                    if sqlite:
                        # a write here between the handler's reads and its own write would make
                        # the handler's transaction fail (WAL snapshot): the lease is a file
                        held = queue.renew_lease(self.engine, job.id, job.attempts)
                    else:
                        held = queue.progress(self.engine, job.id, self.name, stage["now"])
                except Exception:  # noqa: BLE001 - the database is away; try again later
                    log.warning("heartbeat of %s failed", job.id, exc_info=True)
                    continue
                if not held:
                    lost.set()
                    log.warning("job %s was taken back from %s", job.id, self.name)
                    break

        heart = threading.Thread(target=beat, daemon=True, name=f"beat-{job.id}")
        heart.start()
        try:
            outcome = self.handlers[job.kind](job, report)
        except LeaseLost:
            outcome = None
        except AccordError as exc:
            outcome = Outcome(queue.REFUSED, error=error_json(exc, self.status_for(exc)))
        except Exception as exc:  # noqa: BLE001 - reported in the job, logged in full
            log.exception("job %s (%s) failed", job.id, job.kind)
            outcome = Outcome(queue.FAILED, error={"status": 500, "problems": [],
                                                   "detail": f"the job failed: "
                                                             f"{type(exc).__name__}"})
        finally:
            done.set()
            changed.set()
            heart.join()
        if outcome is None or lost.is_set():
            log.warning("job %s: taken back while it ran here; its outcome is not stored",
                        job.id)
            return job
        queue.finish(self.engine, job.id, self.name, outcome.status, outcome.result,
                     outcome.error, outcome.bytes_out)
        return job

    def _holds(self, job_id: str) -> bool:
        try:
            return queue.holds(self.engine, job_id, self.name)
        except Exception:  # noqa: BLE001 - the database is away: finish() decides later
            return True

    # --- a loop -------------------------------------------------------------------------------
    def run(self, stop: threading.Event | None = None, once: bool = False) -> int:
        """Run jobs until `stop` is set (or, with `once`, until the queue is empty); how many."""
        stop = stop or self._stop
        n = 0
        delay = self.poll_s
        while not stop.is_set():
            try:
                job = self.run_once()
            except Exception:  # noqa: BLE001 - e.g. the database is briefly away
                log.warning("the job worker could not reach the queue", exc_info=True)
                job = None
            if job is not None:
                n += 1
                delay = self.poll_s
                continue
            if once:
                break
            self._wake.wait(delay)  # idle: poll less and less often, up to every 2 s
            self._wake.clear()
            delay = min(2.0, delay * 2)
        return n

    def wake(self) -> None:
        """A job was just queued in this process: look now."""
        self._wake.set()

    def start(self) -> Worker:
        """Run in a daemon thread of this process."""
        self._thread = threading.Thread(target=self.run, daemon=True, name="accord-jobs")
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
