"""The interactive API docs, served from vendored assets: Swagger UI 4.15.5 from the
`swagger-ui-bundle` package (Apache-2.0), mounted at /api-static, with the page's start-up
script in a file of its own, so the docs work offline and under the same strict CSP as every
other page (no CDN, no inline script). Off in production unless ACCORD_API_DOCS=1."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout", deepLinking: true});
});
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - docs</title>
<link rel="stylesheet" href="/api-static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api-static/swagger-ui-bundle.js"></script>
<script src="/api-static/docs-init.js"></script></body></html>
"""


def assets_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def install(app: FastAPI) -> None:
    @app.get("/api-static/docs-init.js", include_in_schema=False)
    def _init() -> Response:
        return Response(INIT, media_type="text/javascript")

    app.mount("/api-static", StaticFiles(directory=assets_dir()), name="api-static")

    @app.get("/docs", include_in_schema=False)
    def _docs() -> HTMLResponse:
        return HTMLResponse(PAGE.format(title=app.title))
