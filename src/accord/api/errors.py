"""Accord errors to HTTP, in one place: InvalidInput 422, NotFound 404, Refused 403.
The body is {"detail": message, "problems": [{"where", "message"}, ...]}.
The registry database out of reach (refused connection, a restart, a dropped connection) is
503 with Retry-After, never a 500: the request can be sent again as it was."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from accord.errors import AccordError, InvalidInput, NotFound, Refused

STATUS = {InvalidInput: 422, NotFound: 404, Refused: 403}
RETRY_AFTER_S = 5


def status_for(exc: AccordError) -> int:
    for cls, code in STATUS.items():
        if isinstance(exc, cls):
            return code
    return 400


def body(exc: AccordError) -> dict:
    return {"detail": exc.args[0] if exc.args else str(exc),
            "problems": [{"where": p.where, "message": p.message} for p in exc.problems]}


def install(app: FastAPI) -> None:
    @app.exception_handler(AccordError)
    async def _accord_error(request: Request, exc: AccordError) -> JSONResponse:
        return JSONResponse(status_code=status_for(exc), content=body(exc))

    @app.exception_handler(DBAPIError)
    async def _database_away(request: Request, exc: DBAPIError) -> JSONResponse:
        if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
            raise exc  # a real bug: the server error handler reports it
        return unavailable()

    @app.exception_handler(PoolTimeout)
    async def _database_busy(request: Request, exc: PoolTimeout) -> JSONResponse:
        return unavailable()  # every pooled connection busy for 30 s: overloaded, not broken


    try:
        from redis.exceptions import ConnectionError as RedisDown
        from redis.exceptions import TimeoutError as RedisSlow
    except ImportError:  # pragma: no cover - redis is pinned; only ACCORD_REDIS_URL uses it
        pass
    else:
        @app.exception_handler(RedisDown)
        @app.exception_handler(RedisSlow)
        async def _redis_away(request: Request, exc: Exception) -> JSONResponse:
            return unavailable("the shared state (Redis) is unavailable for a moment; "
                               "retry shortly", "redis")

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """A request outside the schema (a field too long, a value out of range, a character
        not allowed): 422 naming each field, in the shape of every other error."""
        return JSONResponse(status_code=422, content=validation_body(exc.errors()))


def _where(loc) -> str:
    parts = [str(x) for x in loc]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts)


def validation_body(errors: list[dict]) -> dict:
    problems = [{"where": _where(e.get("loc", ())), "message": validation_message(e)}
                for e in errors]
    summary = "; ".join(f"{p['where']}: {p['message']}" for p in problems[:3])
    return {"detail": f"the request is not valid: {summary}", "problems": problems}


def validation_message(e: dict) -> str:
    """One pydantic error as a sentence (a validator's own message as it wrote it)."""
    ctx = e.get("ctx") or {}
    if e.get("type") == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if e.get("type") == "string_pattern_mismatch":
        return "contains characters that are not allowed here"
    if e.get("type") == "value_error" and ctx.get("error") is not None:
        return str(ctx["error"])  # a validator's own message, without "Value error, "
    return str(e.get("msg", "invalid"))


def unavailable(detail: str = "the registry database is unavailable for a moment; retry shortly",
                where: str = "database") -> JSONResponse:
    return JSONResponse(status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)},
                        content={"detail": detail,
                                 "problems": [{"where": where, "message": detail}]})
