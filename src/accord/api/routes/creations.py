"""Creation as a job: start one (`POST /creations`), poll it, download its files.

The route translates HTTP into a `creation.request.CreationRequest` and hands it to the job
runner (accord.api.jobs), which calls `creation.service.create`, the function `accord create`
calls. Every check (parameters, model, purpose, style / remix permission) is the service's.
A job's status and files are its account's (and admins'): `Action.READ_CREATION`. What an
output is and who is credited is public on its credits page (`/outputs/{id}`, accord.web).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy.orm import Session

from accord.accounts.model import Account
from accord.accounts.policy import Action, Actor, Resource
from accord.api.deps import (
    ActorDep,
    AppContext,
    ContextDep,
    CurrentAccount,
    SessionDep,
    actor_of,
    authorize,
    rate_limit,
)
from accord.api.jobs import Job
from accord.api.limits import creation_limits
from accord.creation import form as forms
from accord.creation.output import Output
from accord.creation.request import ARRANGEMENTS, MAX_BARS, MAX_SECONDS, METERS
from accord.errors import InvalidInput, NotFound, Problem
from accord.rights.model import Purpose
from accord.training import service as training

if TYPE_CHECKING:
    from accord.creation.request import CreationRequest

router = APIRouter(tags=["creation"])
MEDIA_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".mp3": "audio/mpeg",
               ".mid": "audio/midi", ".json": "application/json"}

ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"  # registry ids, ISRCs, ISWCs (T-123.456.789-0)


class CreationCreate(BaseModel):
    """A creation request. Length: `bars` or `seconds` (seconds wins when both are given).
    `model`: a model id; default the reference model when registered, else the newest active.
    The schema's ranges, metres, forms and arrangements are the creation service's (the options
    of `accord create new`); the whole piece may last at most ACCORD_API_CREATION_MAX_SECONDS
    (413)."""

    kind: Literal["new", "style", "derivative"] = "new"  # continue / variation: CLI only
    model: str | None = Field(default=None, max_length=64, pattern=ID)
    artist: str | None = Field(default=None, max_length=64, pattern=ID,
                               description="style: the opted-in party")
    source_work: str | None = Field(default=None, max_length=64, pattern=ID,
                                    description="derivative: work id or ISWC")
    source_recording: str | None = Field(default=None, max_length=64, pattern=ID,
                                         description="derivative: or a recording id or ISRC")
    bars: int | None = Field(default=8, ge=1, le=MAX_BARS)
    seconds: float | None = Field(default=None, ge=1.0, le=MAX_SECONDS)
    tempo: float = Field(default=120.0, ge=30.0, le=300.0)
    key: str | None = Field(default=None, max_length=32,
                            description="e.g. 'D minor', 'Bb major', 'F#m': kept while "
                                        "sampling (default: the key of the first notes)")
    temperature: float = Field(default=1.0, ge=0.05, le=3.0)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    purpose: Literal["non_commercial", "commercial"] = "non_commercial"
    formats: list[Literal["wav", "flac", "mp3"]] = Field(default_factory=lambda: ["wav"],
                                                         min_length=1, max_length=3)
    meter: Literal[METERS] | None = Field(  # type: ignore[valid-type]
        default=None, description="time signature, kept in every bar (default: the model's "
                                  "first choice, then kept)")
    form: str | None = Field(
        default=None, max_length=24,
        description="sections of equal length, e.g. AABB, ABAC, AA'BB' (letters A-H, ' for a "
                    "variation; 2 to 8 sections that divide `bars`); new and style pieces only")
    arrangement: Literal[ARRANGEMENTS] = Field(  # type: ignore[valid-type]
        default="auto", description="the accompaniment: auto (the style of the music behind "
                                    "the output), none (the bare melody), or a style")

    @field_validator("form")
    @classmethod
    def _form(cls, text: str | None, info: ValidationInfo) -> str | None:
        """The creation service's own form checks (accord.creation.form), named `form`."""
        if text is None:
            return None
        found = forms.shape_problems(text)
        if not found and "bars" in info.data:  # bars valid (else its own error says why)
            bars = None if info.data.get("seconds") is not None else info.data["bars"]
            found = forms.length_problems(text, bars)
        if found:
            raise ValueError("; ".join(p.message for p in found))
        return text


def newest_active_model(session: Session) -> str:
    """The default model: the active reference model if registered, else the newest active."""
    found = training.default_model_id(session)
    if found is None:
        raise NotFound("no active model to create with; register the reference model "
                       "(accord model import-reference) or train one (accord model train)")
    return found


def get_output(session: Session, output_id: str) -> Output:
    from accord.creation import service  # imports torch: only when a creation is read

    return service.get_output(session, output_id)


def creation_request(session: Session, body: CreationCreate) -> CreationRequest:
    from accord.creation.request import CreationRequest, Params

    params = Params(bars=None if body.seconds is not None else body.bars, seconds=body.seconds,
                    tempo=body.tempo, key=body.key, temperature=body.temperature,
                    top_p=body.top_p, seed=body.seed, meter=body.meter, form=body.form,
                    arrangement=body.arrangement)
    formats = tuple(dict.fromkeys(body.formats)) or ("wav",)
    return CreationRequest(model_id=body.model or newest_active_model(session), kind=body.kind,
                           params=params, artist=body.artist, source_work=body.source_work,
                           source_recording=body.source_recording,
                           purpose=Purpose(body.purpose), formats=formats)


def start(ctx: AppContext, session: Session, account: Account, body: CreationCreate) -> Job:
    """Authorize, rate-limit (the creation bucket) and start a job: shared by the API and the
    web studio. The service's refusals propagate (403 / 404 / 422 with its reasons)."""
    authorize(actor_of(account), Action.GENERATE)
    rate_limit(ctx.creation_limiter, account, "creation requests")
    creation_limits(ctx, session, account.id, body.bars if body.seconds is None else None,
                    body.seconds, body.tempo, body.meter)
    try:
        return ctx.jobs.start(account.id, creation_request(session, body))
    except InvalidInput as exc:  # the service names its options as the CLI does
        raise InvalidInput(exc.args[0] if exc.args else str(exc),
                           [Problem(field_name(p.where), p.message) for p in exc.problems]
                           ) from None


#: The service's option names (the CLI's) that are spelt otherwise in this schema.
_FIELDS = {"--format": "formats", "--work": "source_work", "length": "bars"}


def field_name(where: str) -> str:
    """The schema field for a problem the creation service names by its CLI option:
    `--top-p` -> `top_p`, `--form` -> `form`, `--format` -> `formats`."""
    return _FIELDS.get(where) or (where[2:].replace("-", "_") if where.startswith("--")
                                  else where)


def job_resource(job: Job) -> Resource:
    return Resource("creation", job.id, frozenset({job.account_id}))


def readable_job(ctx: AppContext, actor: Actor, job_id: str) -> Job:
    job = ctx.jobs.get(job_id)
    authorize(actor, Action.READ_CREATION, job_resource(job))
    return job


def file_entries(output: Output, prefix: str) -> dict[str, dict]:
    """role -> {name, url, sha256, bytes, ...}: the output's files without server paths."""
    out = {}
    for role, info in output.files.items():
        name = Path(info["path"]).name
        out[role] = {"name": name, "url": f"{prefix}/{name}",
                     **{k: v for k, v in info.items() if k != "path"}}
    return out


def job_json(session: Session, job: Job, prefix: str) -> dict:
    data = job.to_json()
    outputs = []
    for oid in job.output_ids:
        o = get_output(session, oid)
        outputs.append({**o.summary(), "files": file_entries(o, f"{prefix}/{job.id}/files"),
                        "credits_page": f"/outputs/{o.id}", "provenance": {
                            "merkle_root": o.merkle_root, "snapshot": o.snapshot_id,
                            "guard": o.guard, "conditioning_name": o.conditioning_name,
                            "source_title": o.source_title,
                            # the signed parameters: as asked, how the score was shaped (bars,
                            # metre, key, form: `shaped.constraints`) and the arrangement
                            "parameters": o.parameters}})
    data["outputs"] = outputs
    data["output"] = outputs[0] if outputs else None
    return data


def output_file(ctx: AppContext, session: Session, job: Job, name: str) -> FileResponse:
    """One of a finished job's files by name (output.wav, output.mid, its sidecar, ...)."""
    for oid in job.output_ids:
        o = get_output(session, oid)
        for info in o.files.values():
            path = Path(info["path"])
            if path.name == name:
                root = ctx.settings.outputs_dir.resolve()
                if not path.resolve().is_relative_to(root):
                    raise NotFound(f"{name} is not under the outputs directory")
                return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix,
                                                                     "application/octet-stream"),
                                    filename=name,
                                    content_disposition_type="inline")
    raise NotFound(f"creation {job.id} has no file {name!r}"
                   + ("" if job.finished else f" yet (it is {job.status})"))


@router.post("/creations", status_code=202)
def create(body: CreationCreate, response: Response, ctx: ContextDep, session: SessionDep,
           account: CurrentAccount) -> dict:
    """Start a creation job (`accord create KIND`): 202 with its status to poll, or 201 when it
    finished at once (the same request and seed name a stored output). Refusals: 403 (retired
    model, commercial request on a non-commercial model, style or remix not permitted, with the
    permission rule's reasons), 404 (unknown model, artist or work), 422 (parameters), 429."""
    job = start(ctx, session, account, body)
    if job.finished:
        response.status_code = 201
    response.headers["Location"] = f"/v1/creations/{job.id}"
    return job_json(session, job, "/v1/creations")


@router.get("/creations/{job_id}")
def get_creation(job_id: str, ctx: ContextDep, session: SessionDep, actor: ActorDep) -> dict:
    """A creation's status (checking, queued, running, done, refused, failed) and, when done,
    its output record: model, snapshot Merkle root, guard verdict, files and credits page."""
    return job_json(session, readable_job(ctx, actor, job_id), "/v1/creations")


@router.get("/creations/{job_id}/files/{name}",
            responses={200: {"content": {"audio/wav": {}, "audio/flac": {}, "audio/mpeg": {},
                                         "audio/midi": {}, "application/json": {}}}})
def creation_file(job_id: str, name: str, ctx: ContextDep, session: SessionDep,
                  actor: ActorDep) -> FileResponse:
    """Download a file of a finished creation: `output.wav|flac|mp3` (with its embedded C2PA
    credential), `output.mid`, `output.mid.provenance.json` (the signed sidecar)."""
    return output_file(ctx, session, readable_job(ctx, actor, job_id), name)

