"""The app factory. `create_app(settings)` is all a server or a test needs."""

from __future__ import annotations

from fastapi import FastAPI

from accord.api import errors
from accord.api.deps import AppContext
from accord.api.jobs import CreationJobs
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
    training,
)
from accord.api.routes import dj as dj_routes
from accord.api.settings import ApiSettings, token_secret
from accord.config import Settings
from accord.db.engine import create_schema, make_engine


def create_app(settings: Settings, api: ApiSettings | None = None) -> FastAPI:
    """Build the app over the home in `settings` (created and migrated if needed)."""
    api = api or ApiSettings()
    secret = token_secret(settings, api)  # refuses a missing/default secret in production
    settings.ensure_home()
    create_schema(settings.db_url)
    app = FastAPI(title="Accord API", version="0.1.0",
                  description="Consent-first generative music: the rights registry and creation "
                              "over HTTP.")
    engine = make_engine(settings.db_url)
    app.state.accord = AppContext(settings=settings, api=api, secret=secret, engine=engine,
                                  limiter=TokenBucket(api.api_rate_per_minute,
                                                      api.api_rate_burst),
                                  creation_limiter=TokenBucket(api.api_creation_per_minute,
                                                               api.api_creation_burst),
                                  signin_limiter=TokenBucket(
                                      api.api_signin_failures_per_minute,
                                      api.api_signin_failures_burst),
                                  jobs=CreationJobs(settings, engine))
    errors.install(app)
    for module in (auth, parties, catalogue, agreements, consents, permissions, rights, audit,
                   training, royalties, creations):
        app.include_router(module.router, prefix="/v1")
    app.include_router(dj_routes.router, prefix="/v1")
    from accord import web  # the pages; after errors.install, whose handler it extends

    web.install(app)
    return app
