"""Upload screening over HTTP: the same service as `accord screen` (accord.trust.service).

POST /v1/screenings takes multipart/form-data: `file` (audio, MIDI or MusicXML), optionally
`metadata` (JSON) or `ddex` (an ERN message), and the form field `recording` (a catalogue
recording id or ISRC the file is). The body is capped (ApiSettings.api_max_screening_bytes)
before anything is read into memory (accord.api.uploads). The uploader is the signed-in
account. The upload is checked in the request (4xx at once), kept, and screened by a job
(accord.api.screening_jobs):
202 with the job's status URL, GET /v1/screenings/jobs/{id}, whose result names the screening.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from accord.accounts.model import AccountRole
from accord.accounts.policy import Action, Resource
from accord.api import screening_jobs
from accord.api.deps import (
    ActorDep,
    ContextDep,
    CurrentAccount,
    RateLimited,
    SessionDep,
    actor_of,
    audit_for,
    authorize,
)
from accord.api.uploads import spooled_form
from accord.errors import AccordError, InvalidInput
from accord.trust import repository, service

router = APIRouter(tags=["screening"])
MAX_SCREENING_BYTES = 200 * 1024 * 1024


def screening_resource(session, screening_id: str) -> Resource:
    row = repository.screening(session, screening_id)  # NotFound for an unknown id
    return Resource("screening", screening_id, frozenset({row.uploader}))


def max_bytes(ctx) -> int:
    return getattr(ctx.api, "api_max_screening_bytes", MAX_SCREENING_BYTES)


async def screen_request(request: Request, ctx, session, account, csrf: bool = False) -> dict:
    """Spool, check, keep, queue: shared by the API route and the web upload form (csrf: the
    form's token is checked before any screening work). The queued job as JSON."""
    authorize(actor_of(account), Action.UPLOAD)
    async with spooled_form(request, max_bytes(ctx), ("file", "metadata", "ddex")) as form:
        if "file" not in form.files:
            raise InvalidInput("upload: the `file` part is empty: choose a file to upload"
                               if "file" in form.unchosen else
                               "upload: the form has no `file` part")
        path, name = form.files["file"]
        if csrf:
            from accord.web.session import check_csrf

            check_csrf(request, form.fields.get("csrf_token"))
        try:
            job_id = screening_jobs.start(
                ctx.settings, ctx.engine, session, account, path, name,
                metadata=form.files.get("metadata"), ddex=form.files.get("ddex"),
                recording=form.fields.get("recording") or None)
        except AccordError as exc:  # name the client's files, not the server's temp paths
            message = exc.args[0] if exc.args else str(exc)
            for tmp, client in form.files.values():
                message = message.replace(str(tmp), client)
            raise type(exc)(message, exc.problems) from None
    if ctx.jobs is not None:
        ctx.jobs.notify()  # wakes the in-process worker, when there is one
    return screening_jobs.get(ctx.engine, job_id)


@router.post("/screenings", status_code=202, dependencies=[RateLimited],
             openapi_extra={"requestBody": {"required": True, "content": {
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"},
                     "metadata": {"type": "string", "format": "binary"},
                     "ddex": {"type": "string", "format": "binary"},
                     "recording": {"type": "string"}}, "required": ["file"]}}}}})
async def screen(request: Request, response: Response, ctx: ContextDep, session: SessionDep,
                 account: CurrentAccount) -> dict:
    """Screen an upload (`accord screen FILE`): the checks run now (413 over the size cap, 415
    not multipart, 422 bad input: not audio, truncated, over-long, hostile metadata; 404 an
    unknown recording), then 202 with a screening job to poll (`status_url`); when it is done
    its `screening` names the decision (accept, accept_labelled_ai, hold, reject) with every
    reason and its evidence at GET /v1/screenings/{id}."""
    job = await screen_request(request, ctx, session, account)
    response.headers["Location"] = job["status_url"]
    return job


@router.get("/screenings/jobs/{job_id}")
def screening_job(job_id: str, ctx: ContextDep, actor: ActorDep) -> dict:
    """A screening job: queued, running, done (`screening` names the screening), refused or
    failed (`error`). Visible to its uploader and admins."""
    job = screening_jobs.get(ctx.engine, job_id)
    authorize(actor, Action.READ_SCREENING,
              Resource("screening job", job_id, frozenset({job["account"]})))
    return job


@router.get("/screenings")
def list_screenings(session: SessionDep, account: CurrentAccount,
                    queue: bool = False) -> list[dict]:
    """Your screenings, newest first; `queue=true`: the admin review queue."""
    if queue:
        authorize(actor_of(account), Action.REVIEW_SCREENING)
        return service.list_screenings(session, queue=True)
    return service.list_screenings(session, uploader=account.id)


@router.get("/screenings/{screening_id}")
def get_screening(screening_id: str, session: SessionDep, actor: ActorDep) -> dict:
    authorize(actor, Action.READ_SCREENING, screening_resource(session, screening_id))
    return service.show(session, screening_id)


class AppealCreate(BaseModel):
    statement: str = Field(min_length=1, max_length=service.MAX_STATEMENT)


@router.post("/screenings/{screening_id}/appeal", dependencies=[RateLimited])
def appeal(screening_id: str, body: AppealCreate, session: SessionDep,
           account: CurrentAccount) -> dict:
    """Appeal a hold or a rejection of your upload with a statement."""
    authorize(actor_of(account), Action.APPEAL_SCREENING,
              screening_resource(session, screening_id))
    return service.appeal(session, screening_id, account.id, body.statement,
                          audit_for(session, account),
                          is_admin=account.role is AccountRole.ADMIN)


class ReviewCreate(BaseModel):
    outcome: str = Field(description="accept, accept_labelled_ai, hold or reject")
    note: str = Field(default="", max_length=service.MAX_STATEMENT)


@router.post("/screenings/{screening_id}/review")
def review(screening_id: str, body: ReviewCreate, session: SessionDep,
           account: CurrentAccount) -> dict:
    """An admin's decision; a reversal releases the recording's withheld royalties."""
    authorize(actor_of(account), Action.REVIEW_SCREENING)
    return service.review(session, screening_id, account.id, body.outcome, body.note,
                          audit_for(session, account))
