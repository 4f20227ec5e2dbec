"""Fault test (slow): a worker killed (SIGKILL) in the middle of a creation, then restarted.
The job is taken back and finished by the new worker; its output is whole, nothing partial
is left under the outputs directory, and a finished output is never lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import accord
from accord.creation.request import CreationRequest, Params
from accord.jobs import queue
from tests.creation.conftest import home  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.slow


def _worker(h, stale: float) -> subprocess.Popen:
    src = str(Path(accord.__file__).resolve().parents[1])  # this checkout's source first
    env = {**os.environ, "ACCORD_JOBS_STALE_SECONDS": str(stale),
           "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", "from accord.cli.main import main; main()",
                             "--home", str(h.settings.home), "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _status(h, jid: str):
    with h.session() as s:
        row = queue.get(s, jid)
        return row.status, row.stage, row.attempts, row.result, row.error


def test_a_worker_killed_mid_creation_is_resumed_cleanly(home):  # noqa: F811
    request = CreationRequest(model_id=home.model_id, kind="new",
                              params=Params(bars=4, seed=4242), formats=("wav",))
    with home.session() as s:
        jid = queue.enqueue(s, "creation", {"request": request.to_json()}, "acct-fault",
                            max_attempts=3)
    first = _worker(home, stale=2.0)
    try:
        deadline = time.monotonic() + 120
        while _status(home, jid)[0] != queue.RUNNING:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        time.sleep(0.5)  # somewhere inside the creation
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert _status(home, jid)[0] == queue.RUNNING  # as the killed worker left it
    second = _worker(home, stale=2.0)
    try:
        deadline = time.monotonic() + 240
        while _status(home, jid)[0] not in queue.FINISHED:
            assert time.monotonic() < deadline, _status(home, jid)
            assert second.poll() is None, second.stderr.read().decode()[-2000:]
            time.sleep(0.3)
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:
            second.kill()
    status, _, attempts, result, error = _status(home, jid)
    assert status == queue.DONE, error
    assert attempts >= 2  # taken back from the killed worker and run again
    (oid,) = result["output_ids"]
    out = home.settings.outputs_dir
    assert (out / oid / "output.wav").stat().st_size > 44
    assert not [d.name for d in out.iterdir() if d.name.startswith(".out-")]
