"""Running the app under uvicorn: one process, or `--workers N` processes sharing nothing in
memory (rate limits, sign-in backoff, revoked sessions and jobs live in the database)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from accord.config import Settings


def app_from_env() -> FastAPI:
    """The app factory each uvicorn worker process calls (ACCORD_* variables)."""
    from accord.api import create_app

    return create_app(Settings())


def run(settings: Settings, host: str, port: int, workers: int = 1, jobs: bool = True) -> None:
    import uvicorn

    from accord.api import create_app
    from accord.api.settings import ApiSettings

    if not jobs:
        os.environ["ACCORD_API_INPROCESS_WORKER"] = "0"
    if workers <= 1:
        uvicorn.run(create_app(settings, ApiSettings()), host=host, port=port)
        return
    os.environ["ACCORD_HOME"] = str(settings.home.resolve())
    if settings.database_url:
        os.environ["ACCORD_DATABASE_URL"] = settings.database_url
    uvicorn.run("accord.api.serve:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning")


def worker(settings: Settings, once: bool = False) -> int:
    """`accord worker`: run jobs in the foreground until interrupted (or the queue is empty)."""
    from accord.api.app import job_worker
    from accord.api.settings import ApiSettings

    w = job_worker(settings, ApiSettings())
    try:
        return w.run(once=once)
    except KeyboardInterrupt:
        return 0
