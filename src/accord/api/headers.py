"""What every response carries, and the Origin check of every state-changing request: one ASGI
middleware around the whole app, so JSON, files, redirects, errors, the API docs and the pages
are covered alike (a header set by a route is kept).

- `Content-Security-Policy` (scripts and styles only from this origin, never framed),
  `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`.
- `Cache-Control: no-store` on everything but the static assets: statements, account pages and
  API answers are never kept by a browser or a proxy.
- A renewed web session cookie (accord.web.session: sliding expiry) is added to the response.
- POST, PUT, PATCH and DELETE: when the browser says where the request comes from (`Origin`, or
  failing that `Referer`), it must be this host; otherwise 403 before the route runs. A request
  that sends neither (a script, curl) is left to the CSRF token (pages) or the bearer token (API).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from accord.api.limits import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
CACHEABLE = ("/static/", "/api-static/")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def same_origin(scope: Scope) -> str | None:
    """None when the request may go on; else why it may not."""
    headers = dict(scope["headers"])
    host = headers.get(b"host", b"").decode("latin-1").lower()
    origin = headers.get(b"origin")
    if origin is not None:
        sent = origin.decode("latin-1")
        if sent == "null" or urlsplit(sent).netloc.lower() != host:
            return f"cross-origin request refused (Origin {sent!r} is not this site)"
        return None
    referer = headers.get(b"referer")
    if referer is not None and urlsplit(referer.decode("latin-1")).netloc.lower() != host:
        return "cross-origin request refused (the Referer is not this site)"
    return None


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        cacheable = path.startswith(CACHEABLE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in have:
                        headers.append((name.encode(), value.encode()))
                if not cacheable and b"cache-control" not in have:
                    headers.append((b"cache-control", b"no-store"))
                for cookie in scope.get("state", {}).get("set_cookies", ()):  # a renewed session
                    headers.append((b"set-cookie", cookie))
                message["headers"] = headers
            await send(message)

        if scope["method"] in UNSAFE and (why := same_origin(scope)) is not None:
            body = json.dumps({"detail": why, "problems": [{"where": "Origin",
                                                            "message": why}]}).encode()
            await with_headers({"type": "http.response.start", "status": 403,
                                "headers": [(b"content-type", b"application/json"),
                                            (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, with_headers)
