"""The app factory. `create_app(settings)` is all a server or a test needs."""

from __future__ import annotations

from fastapi import FastAPI

from accord.accounts.shared_state import open_state
from accord.api import docs, errors
from accord.api.audit_jobs import audit_handler
from accord.api.deps import AppContext
from accord.api.dj_jobs import dj_handler
from accord.api.headers import SecurityHeaders
from accord.api.jobs import CreationJobs, creation_handler, sweep_outputs
from accord.api.limits import BodyLimit
from accord.api.ratelimit import TokenBucket
from accord.api.routes import (
    agreements,
    audit,
    auth,
    catalogue,
    consents,
    creations,
    parties,
    permissions,
    rights,
    royalties,
    screenings,
    training,
)
from accord.api.routes import dj as dj_routes
from accord.api.screening_jobs import screening_handler
from accord.api.settings import ApiSettings, token_secret
from accord.config import Settings
from accord.db.engine import create_schema, make_engine
from accord.workflows import hooks as _hooks  # noqa: F401  (cross-context wiring)


def create_app(settings: Settings, api: ApiSettings | None = None) -> FastAPI:
    """Build the app over the home in `settings` (created and migrated if needed)."""
    api = api or ApiSettings()
    secret = token_secret(settings, api)  # refuses a missing/default secret in production
    settings.ensure_home()
    create_schema(settings.db_url)
    app = FastAPI(title="Accord API", version="0.1.0",
                  description="Consent-first generative music: the rights registry and creation "
                              "over HTTP.",
                  docs_url=None, redoc_url=None,  # accord.api.docs: vendored, no CDN
                  openapi_url="/openapi.json" if api.docs_enabled else None)
    engine = make_engine(settings.db_url)
    state = open_state(engine, api.redis_url, api.redis_prefix)  # database, or Redis when set
    app.state.accord = AppContext(settings=settings, api=api, secret=secret, engine=engine,
                                  state=state,
                                  limiter=state.bucket("api", api.api_rate_per_minute,
                                                       api.api_rate_burst),
                                  creation_limiter=state.bucket(
                                      "creation", api.api_creation_per_minute,
                                      api.api_creation_burst),
                                  signin_limiter=TokenBucket(
                                      api.api_signin_failures_per_minute,
                                      api.api_signin_failures_burst),
                                  jobs=CreationJobs(settings, engine))
    errors.install(app)
    from accord import web  # the pages

    # The hot routes first: a request's path is matched against the routers in the order they
    # were included (a few regular expressions each), so the permission check and the public
    # credits page are found at the first try. Neither path is matched by any other route
    # (tests/test_api_hotpath.py), so the order changes nothing else.
    app.include_router(permissions.router, prefix="/v1")
    web.install_hot(app)
    for module in (auth, parties, catalogue, agreements, consents, rights, audit, training,
                   royalties, creations, screenings, dj_routes):
        app.include_router(module.router, prefix="/v1")
    web.install(app)  # after errors.install, whose handler it extends
    if api.docs_enabled:
        docs.install(app)
    # limits before work: the body is counted while it streams, before parsing and auth; the
    # security headers wrap everything (added last: outermost), refusals included
    app.add_middleware(BodyLimit, limits={"upload": api.api_max_upload_bytes,
                                          "screening": api.api_max_screening_bytes,
                                          "json": api.api_max_json_bytes,
                                          "form": api.api_max_form_bytes})
    app.add_middleware(SecurityHeaders)
    if api.api_inprocess_worker:
        app.state.worker = job_worker(settings, api, engine).start()
        app.state.accord.jobs.notify = app.state.worker.wake
    return app


def job_worker(settings: Settings, api: ApiSettings, engine=None):
    """A job worker with every kind of job the app queues (`accord worker`, or in process)."""
    from accord.jobs.worker import Worker

    engine = engine or make_engine(settings.db_url)
    return Worker(engine, {"creation": creation_handler(settings, engine),
                           "audit": audit_handler(engine),
                           "screening": screening_handler(settings, engine),
                           "dj_set": dj_handler(settings, engine)},
                  stale_s=api.jobs_stale_seconds, status_for=errors.status_for,
                  sweep=lambda: sweep_outputs(settings, engine, api.jobs_stale_seconds))
