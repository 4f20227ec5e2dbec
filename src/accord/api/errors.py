"""Accord errors to HTTP, in one place: InvalidInput 422, NotFound 404, Refused 403.
The body is {"detail": message, "problems": [{"where", "message"}, ...]}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from accord.errors import AccordError, InvalidInput, NotFound, Refused

STATUS = {InvalidInput: 422, NotFound: 404, Refused: 403}


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
