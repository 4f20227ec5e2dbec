"""The web UI: server-rendered pages (Jinja2) with HTMX for in-place updates; no front-end
build. Mounted into the API app by `install(app)`; pages are not part of the OpenAPI spec."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from accord.api import errors
from accord.errors import AccordError
from accord.web import dj as dj_pages
from accord.web import studio
from accord.web import trust as trust_pages
from accord.web.routes import HERE, render, router
from accord.web.session import LoginRequired


def install_hot(app: FastAPI) -> None:
    """The pages hit hardest under load (the public credits page), to be included before any
    other router: FastAPI matches a request against the routers in the order they were
    included."""
    app.include_router(studio.public_router)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    app.include_router(studio.router)
    app.include_router(trust_pages.router)

    app.include_router(dj_pages.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("HX-Request"):  # HTMX follows this header, not a 303
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(AccordError)
    async def _accord_error(request: Request, exc: AccordError) -> Response:
        """JSON for the API (as accord.api.errors says), a page for everything else."""
        status = errors.status_for(exc)
        if request.url.path.startswith("/v1/"):
            return JSONResponse(status_code=status, content=errors.body(exc))
        return render(request, request.app.state.accord, "error.html",
                      {"status": status, "error": errors.body(exc)}, status=status)
