"""Royalties: a payee's statement (the payee and admins), runs (admins)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel

from accord.accounts.policy import Action, Resource
from accord.api.deps import (
    ActorDep,
    ContextDep,
    CurrentAccount,
    RateLimited,
    SessionDep,
    authorize,
)
from accord.royalties import service
from accord.royalties.policy import load_policy
from accord.royalties.statement import to_csv, to_html, to_json

router = APIRouter(tags=["royalties"])


class RunCreate(BaseModel):
    """period: YYYY-MM. engine: DuckDB only over HTTP; a Spark run (a JVM, minutes) is started
    from the CLI (`accord royalties run --engine spark`), not from a request."""

    period: str
    engine: Literal["duckdb"] = "duckdb"


def statement_resource(payee: str, period: str) -> Resource:
    return Resource("statement", f"{payee} {period}", frozenset({payee}))


@router.get("/royalties/statements/{payee}/{period}",
            responses={200: {"content": {"application/json": {}, "text/html": {},
                                         "text/csv": {}}}})
def statement(payee: str, period: str, ctx: ContextDep, session: SessionDep, actor: ActorDep,
              format: Literal["json", "html", "csv"] = "json") -> Response:
    """A payee's statement for a period (`accord royalties statement`): JSON (with line
    items), HTML (with an inline SVG earnings chart) or CSV. Visible to the payee and admins."""
    authorize(actor, Action.READ_STATEMENT, statement_resource(payee, period))
    data = service.statement(session, ctx.settings, payee, period)
    if format == "html":
        return HTMLResponse(to_html(data))
    if format == "csv":
        return PlainTextResponse(to_csv(data), media_type="text/csv")
    return Response(to_json(data), media_type="application/json")


@router.get("/royalties/runs")
def list_runs(session: SessionDep, actor: ActorDep) -> list[dict]:
    authorize(actor, Action.READ_RUNS)
    return service.list_runs(session)


@router.get("/royalties/runs/{run_id}")
def get_run(run_id: str, session: SessionDep, actor: ActorDep) -> dict:
    """A run by id or by the period it closed."""
    authorize(actor, Action.READ_RUNS)
    return service.get_run(session, run_id)


@router.post("/royalties/runs", status_code=201, dependencies=[RateLimited])
def start_run(body: RunCreate, ctx: ContextDep, session: SessionDep, account: CurrentAccount,
              actor: ActorDep) -> dict:
    """Distribute a period with the shipped policy (`accord royalties run`); idempotent: the
    same inputs give the stored result with `unchanged: true`."""
    authorize(actor, Action.START_RUN)
    return service.run_period(session, ctx.settings, body.period, load_policy(None), body.engine)
