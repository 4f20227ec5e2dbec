"""Running the app under uvicorn: one process, or `--workers N` processes sharing nothing in
memory (rate limits, sign-in backoff and revoked sessions live in the shared state, database or
Redis; jobs in the database). `--workers 0`: one per core this process may run on. uvicorn
runs on uvloop with the httptools parser (both pinned), without an access log unless asked
(`--access-log`): at thousands of requests a second the log line is a visible share of each."""

from __future__ import annotations

import os

from fastapi import FastAPI

from accord.config import Settings


def app_from_env() -> FastAPI:
    """The app factory each uvicorn worker process calls (ACCORD_* variables)."""
    from accord.api import create_app

    return create_app(Settings())


def cores() -> int:
    """The cores this process may run on (its CPU affinity; the machine's count elsewhere)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def server_options(access_log: bool = False) -> dict:
    """uvicorn's options for every `accord serve`: uvloop, httptools, the access log."""
    return {"loop": "uvloop", "http": "httptools", "access_log": access_log}


def run(settings: Settings, host: str, port: int, workers: int = 1, jobs: bool = True,
        access_log: bool = False) -> None:
    import uvicorn

    from accord.api import create_app
    from accord.api.settings import ApiSettings

    if not jobs:
        os.environ["ACCORD_API_INPROCESS_WORKER"] = "0"
    if workers == 0:
        workers = cores()
    if workers <= 1:
        uvicorn.run(create_app(settings, ApiSettings()), host=host, port=port,
                    **server_options(access_log))
        return
    os.environ["ACCORD_HOME"] = str(settings.home.resolve())
    if settings.database_url:
        os.environ["ACCORD_DATABASE_URL"] = settings.database_url
    uvicorn.run("accord.api.serve:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning", **server_options(access_log))


def worker(settings: Settings, once: bool = False) -> int:
    """`accord worker`: run jobs in the foreground until interrupted (or the queue is empty)."""
    from accord.api.app import job_worker
    from accord.api.settings import ApiSettings

    w = job_worker(settings, ApiSettings())
    try:
        return w.run(once=once)
    except KeyboardInterrupt:
        return 0
