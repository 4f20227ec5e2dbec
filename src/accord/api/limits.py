"""Limits before work: the request body is counted while it streams, before anything parses it
and before authentication (an ASGI middleware around the whole app, pages included).

Each request falls in a route class with its own ceiling:

| class | routes | ceiling |
|---|---|---|
| upload | `POST /v1/rights/import` | `ACCORD_API_MAX_UPLOAD_BYTES` (1 MB) |
| screening | `POST /v1/screenings`, `POST /uploads` | `..._MAX_SCREENING_BYTES` (200 MiB) |
| json | every other `/v1/...` route | `ACCORD_API_MAX_JSON_BYTES` (64 KiB) |
| form | the pages' forms (`/login`, switches, studio) | `ACCORD_API_MAX_FORM_BYTES` (16 KiB) |

A declared `Content-Length` over the ceiling is answered 413 at once, without reading a byte of
the body; a body that streams past it (chunked, or lying about its length) is cut off at the
first chunk over the ceiling. Either way no more than the ceiling plus one chunk is ever held.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOAD_PATHS = frozenset({"/v1/rights/import"})
SCREENING_PATHS = frozenset({"/v1/screenings", "/uploads"})  # the API and the page


class BodyTooLarge(HTTPException):
    """413; an HTTPException so that FastAPI's body reader lets it through unchanged."""

    def __init__(self, limit: int, route_class: str) -> None:
        super().__init__(status_code=413,
                         detail=f"the request body is larger than {limit} bytes "
                                f"(the limit for {route_class} requests)")


def route_class(path: str) -> str:
    if path in UPLOAD_PATHS:
        return "upload"
    if path in SCREENING_PATHS:
        return "screening"
    if path.startswith("/v1/"):
        return "json"
    return "form"


class BodyLimit:
    """ASGI middleware: `limits` maps a route class to its ceiling in bytes."""

    def __init__(self, app: ASGIApp, limits: dict[str, int]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cls = route_class(scope["path"])
        limit = self.limits[cls]
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                await _refuse(send, 400, "the Content-Length header is not a number")
                return
            if size > limit:
                await _refuse(send, 413, BodyTooLarge(limit, cls).detail)
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit, cls)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge as exc:  # raised where no handler turned it into a response
            if started:
                raise
            await _refuse(send, 413, exc.detail)


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail, "problems": [{"where": "body", "message": detail}]}
                      ).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


# --- creation: per request and per account per day ------------------------------------------

def piece_seconds(bars: int | None, seconds: float | None, tempo: float,
                  meter: str | None = None) -> float:
    """How long the requested piece may last: `seconds`, or bars x the quarter notes of a bar
    of `meter` at `tempo` (quarter notes a minute); without a metre the model chooses, so the
    longest bar it may choose (6 quarter notes: 6/4, 12/8)."""
    from accord.creation.request import quarters_per_bar

    if seconds is not None:
        return float(seconds)
    return (bars or 0) * quarters_per_bar(meter) * 60.0 / tempo


def creation_limits(ctx, session, account_id: str, bars: int | None, seconds: float | None,
                    tempo: float, meter: str | None = None) -> None:
    """Before any work: 413 when one request asks for a piece that may last longer than
    `api_creation_max_seconds`; 429 (Retry-After: the next UTC midnight) when the account has
    made `api_creation_per_day` requests today, or its outputs today take
    `api_creation_bytes_per_day` bytes on disk."""
    from datetime import UTC, datetime, timedelta

    from accord.jobs import queue

    api = ctx.api
    length = piece_seconds(bars, seconds, tempo, meter)
    if length > api.api_creation_max_seconds:
        bar = (f"bars of {meter}" if meter
               else "bars of up to 6 quarter notes, the longest metre the model may choose")
        raise HTTPException(status_code=413, detail=(
            f"the piece would last {'up to ' if not meter else ''}{length:.0f} s ({bars} "
            f"{bar}, at {tempo:g} bpm)" if seconds is None
            else f"the piece would last {length:.0f} s")
            + f"; one request may ask for at most {api.api_creation_max_seconds:g} s")
    t = datetime.now(UTC)
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    retry = str(int((day + timedelta(days=1) - t).total_seconds()) + 1)
    made, written = queue.usage_since(session, account_id, "creation", day)
    if made >= api.api_creation_per_day:
        raise HTTPException(status_code=429, headers={"Retry-After": retry}, detail=(
            f"{made} creation requests today: the limit is {api.api_creation_per_day} a day "
            "per account; it resets at midnight UTC"))
    if written >= api.api_creation_bytes_per_day:
        raise HTTPException(status_code=429, headers={"Retry-After": retry}, detail=(
            f"your creations today take {written} bytes on disk: the limit is "
            f"{api.api_creation_bytes_per_day} a day per account; it resets at midnight UTC"))
