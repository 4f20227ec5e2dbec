"""The fan studio and the public credits page of an output.

- `/studio` (signed in, `Action.GENERATE`): a new piece, or one in the style of an artist who has
  opted in to `style` now (the creation service checks again, with the permission rule);
  length in bars (16), time signature and key (the model's choice by default), form (AABB),
  arrangement (by the music's tradition), temperature, seed: the options of `accord create new`
  and of `POST /v1/creations`, whose schema (`CreationCreate`) validates them. The form
  starts a creation job through the same function as `POST /v1/creations`
  (accord.api.routes.creations.start: policy, the creation rate limit,
  `creation.service.create` in a job); then `/studio/creations/{id}` shows its status (HTMX
  polls it in place; without JavaScript a refresh link) and, when done, an audio player and a
  link to the credits page. The job and its files are its account's (`Action.READ_CREATION`).
- `/outputs/{id}` (anyone, no sign-in: `Action.READ_PUBLIC`): what the output is (AI-generated,
  model, snapshot Merkle root, conditioning artist or source work, guard verdict), whether its
  credentials verify now (`creation.service.verify` on each signed file), and its credits
  (accord.web.credits). The music itself is not public: only the account that made it gets
  the files.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated

import pydantic
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from accord.accounts.policy import Action
from accord.api import errors
from accord.api.deps import (
    ContextDep,
    SessionDep,
    actor_of,
    authorize,
    request_session,
    run_read,
)
from accord.api.routes import creations
from accord.config import Settings
from accord.creation import form as forms
from accord.creation.music import PITCH_CLASSES
from accord.creation.request import METERS
from accord.creation.styles import STYLES
from accord.errors import AccordError, InvalidInput, NotFound, Problem
from accord.rights import service as rights
from accord.rights.model import Use
from accord.training import service as training
from accord.web import session as web
from accord.web.credits import credits_for_output
from accord.web.routes import render

router = APIRouter(include_in_schema=False)
#: The public credits page alone: the app includes it before every other router (a request's
#: path is matched against the routers in order), see accord.api.app.
public_router = APIRouter(include_in_schema=False)
PREFIX = "/studio/creations"
AUDIO_ROLES = ("wav", "mp3", "flac")  # the player's sources, in order of preference
DEFAULTS = {"kind": "new", "artist": "", "bars": 16, "meter": "", "key": "", "form": "AABB",
            "arrangement": "auto", "temperature": 1.0, "seed": 0}
#: The choices of the form's selects: (value, label); "" is the model's own choice.
CHOICES = {
    "meter": [("", "The model's choice"), *((m, m) for m in METERS)],
    "key": [("", "The model's choice"),
            *((f"{pc} {mode}", f"{pc} {mode}") for mode in ("major", "minor")
              for pc in PITCH_CLASSES)],
    "form": [*((f, f) for f in forms.CHOICES), ("", "None (through-composed)")],
    "arrangement": [("auto", "By the music's tradition (auto)"),
                    *((name, f"{name.capitalize()}: {st.melody.name}, {st.chords.name}, "
                       f"{st.bass.name}") for name, st in STYLES.items()),
                    ("none", "None: the bare melody")],
}


def style_artists(session: Session, model: dict | None) -> list[dict]:
    """Artists the model can be conditioned on (its tokenizer's conditioning vocabulary) who have
    opted in to `style` now. A shortlist only: the service applies the full permission rule."""
    if model is None:
        return []
    row = training.get_model(session, model["id"])
    out = []
    for party in (row.tokenizer or {}).get("conditioning", {}).get("artists", []):
        try:
            if rights.current_consents(session, party)[Use.STYLE.value] != "opted_in":
                continue
            name = rights.show(session, party).get("name", party)
        except NotFound:
            continue
        out.append({"id": party, "name": name})
    return sorted(out, key=lambda a: a["name"])


def studio_page(session: Session) -> dict:
    try:
        model_id = creations.newest_active_model(session)
    except NotFound:
        model = None
    else:
        model = next(m for m in training.list_models(session) if m["id"] == model_id)
    return {"model": model, "artists": style_artists(session, model), "choices": CHOICES}


#: Verified credentials by (path, size, mtime, recorded SHA-256, trust anchors): a file that has
#: not changed since it was verified is not verified again on every view of the public page (the
#: hot path under load). Any change to the file (size or mtime) or to the trust anchors misses.
_VERIFIED: OrderedDict[tuple, dict] = OrderedDict()
_VERIFIED_MAX = 4096
_VERIFIED_LOCK = threading.Lock()


def _verify_one(settings: Settings, role: str, info: dict) -> dict:
    from accord.creation import service

    path = Path(info["path"])
    try:
        st = path.stat()
    except OSError:
        st = None
    key = None if st is None else (str(path), st.st_size, st.st_mtime_ns, info.get("sha256"),
                                   str(settings.trust_anchors))
    if key is not None:
        with _VERIFIED_LOCK:
            hit = _VERIFIED.get(key)
            if hit is not None:
                _VERIFIED.move_to_end(key)
                return dict(hit)
    try:
        v = service.verify(settings, path)
        check = {"role": role, "file": path.name, "ok": v.ok,
                 "signature_valid": v.signature_valid, "trusted": v.trusted,
                 "content_matches": v.content_matches, "problems": v.problems, "kind": v.kind}
    except AccordError as exc:  # e.g. the file is gone or not a signed file
        check = {"role": role, "file": path.name, "ok": False, "problems": [str(exc)],
                 "kind": ""}
    if key is not None:
        with _VERIFIED_LOCK:
            _VERIFIED[key] = dict(check)
            while len(_VERIFIED) > _VERIFIED_MAX:
                _VERIFIED.popitem(last=False)
    return check


def verification(settings: Settings, output) -> list[dict]:
    """Each signed file of the output, verified (signature, chain, content hash): now, or when
    the unchanged file was last verified (the cache above)."""
    checks = []
    for role in (*AUDIO_ROLES, "midi"):
        info = output.files.get(role)
        if info is not None:
            checks.append(_verify_one(settings, role, info))
    return checks


def music_summary(parameters: dict) -> str:
    """What was made, in words, from an output's signed parameters: "8 bars in 3/4, G major,
    form ABAC; melody by the model, accompaniment arranged by rule (folk)"."""
    shaped = parameters.get("shaped") or {}
    made = shaped.get("constraints") or {}
    parts = [f"{shaped.get('bars', '?')} bars"
             + (f" in {shaped['meter']}" if shaped.get("meter") else "")]
    if shaped.get("key"):
        parts.append(shaped["key"])
    parts.append(f"form {made['form']}" if made.get("form") else "through-composed")
    style = (parameters.get("arranged") or {}).get("style")
    who = ("melody by the model, accompaniment arranged by rule "
           f"({style})" if style and style != "none" else "melody by the model, unaccompanied")
    return ", ".join(parts) + "; " + who


def _status_page(request: Request, ctx, session: Session, account, job, *,
                 fragment: bool = False) -> Response:
    data = creations.job_json(session, job, PREFIX)
    out = data["output"]
    audio = []
    if out:
        audio = [{"url": out["files"][r]["url"],
                  "type": creations.MEDIA_TYPES["." + out["files"][r]["name"].split(".")[-1]]}
                 for r in AUDIO_ROLES if r in out["files"]]
    music = music_summary(out["provenance"]["parameters"]) if out else None
    context = {"job": data, "output": out, "audio": audio, "music": music}
    return render(request, ctx, "_creation.html" if fragment else "creation.html", context,
                  account=account)


@router.get("/studio")
def studio(request: Request, ctx: ContextDep, session: SessionDep,
           account: web.WebAccount) -> Response:
    authorize(actor_of(account), Action.GENERATE)
    return render(request, ctx, "studio.html",
                  {**studio_page(session), "form": DEFAULTS, "error": None}, account=account)


@router.post("/studio")
def studio_create(request: Request, ctx: ContextDep, session: SessionDep,
                  account: web.WebAccount, kind: Annotated[str, Form()] = "new",
                  artist: Annotated[str, Form()] = "", bars: Annotated[str, Form()] = "16",
                  meter: Annotated[str, Form()] = "", key: Annotated[str, Form()] = "",
                  form: Annotated[str, Form()] = "",
                  arrangement: Annotated[str, Form()] = "auto",
                  temperature: Annotated[str, Form()] = "1.0",
                  seed: Annotated[str, Form()] = "0",
                  csrf_token: Annotated[str, Form()] = "") -> Response:
    """Start a creation from the form; a refusal shows the form again with the reasons. An
    empty metre, key or form is the model's choice (no form: through-composed)."""
    web.check_csrf(request, csrf_token)
    values = {"kind": kind, "artist": artist, "bars": bars, "meter": meter, "key": key,
              "form": form, "arrangement": arrangement, "temperature": temperature,
              "seed": seed}
    try:
        try:
            body = creations.CreationCreate(kind=kind, artist=artist or None, bars=bars,
                                            meter=meter or None, key=key or None,
                                            form=form or None, arrangement=arrangement,
                                            temperature=temperature, seed=seed)
        except pydantic.ValidationError as exc:
            raise InvalidInput("the form is not valid", [
                Problem(".".join(str(x) for x in e["loc"]), errors.validation_message(e))
                for e in exc.errors()]) from None
        job = creations.start(ctx, session, account, body)
    except (AccordError, HTTPException) as exc:
        if isinstance(exc, HTTPException):  # 429: too many creation requests
            status, error, headers = exc.status_code, {"detail": exc.detail, "problems": []}, \
                exc.headers or {}
        else:
            status, error, headers = errors.status_for(exc), errors.body(exc), {}
        response = render(request, ctx, "studio.html",
                          {**studio_page(session), "form": values, "error": error},
                          status=status, account=account)
        response.headers.update(headers)
        return response
    return RedirectResponse(f"{PREFIX}/{job.id}", status_code=303)


@router.get(PREFIX + "/{job_id}")
def creation_status(job_id: str, request: Request, ctx: ContextDep, session: SessionDep,
                    account: web.WebAccount) -> Response:
    job = creations.readable_job(ctx, actor_of(account), job_id)
    return _status_page(request, ctx, session, account, job,
                        fragment=bool(request.headers.get("HX-Request")))


@router.get(PREFIX + "/{job_id}/files/{name}")
def creation_file(job_id: str, name: str, ctx: ContextDep, session: SessionDep,
                  account: web.WebAccount) -> FileResponse:
    job = creations.readable_job(ctx, actor_of(account), job_id)
    return creations.output_file(ctx, session, job, name)


def _optional_account(request: Request, ctx, session: Session):
    try:
        return web.web_account(request, ctx, session)
    except web.LoginRequired:
        return None


@public_router.get("/outputs/{output_id}")
async def output_page(output_id: str, request: Request) -> Response:
    """An output's public credits page: readable by anyone, no sign-in. The hot page under
    load: all of it (the reads, the cached verification, the template) is one read-only piece
    of work run by `run_read` (on the event loop for embedded SQLite, one thread-pool hop for
    PostgreSQL), and there is no dependency to resolve."""
    ctx = request.app.state.accord
    return await run_read(ctx, lambda: _output_page(output_id, request, ctx))


def _output_page(output_id: str, request: Request, ctx) -> Response:
    with request_session(ctx) as session:
        account = _optional_account(request, ctx, session)
        authorize(actor_of(account), Action.READ_PUBLIC)
        output = creations.get_output(session, output_id)
        model = output.model
        return render(request, ctx, "output.html",
                      {"o": output, "model": model,
                       "checks": verification(ctx.settings, output),
                       "music": music_summary(output.parameters),
                       "credits": credits_for_output(session, output_id),
                       "conditioning_name": _party_name(session, output.conditioning_party),
                       "source": _work_title(session, output)},
                      account=account)


def _party_name(session: Session, party_id: str | None) -> str | None:
    if party_id is None:
        return None
    try:
        return rights.show(session, party_id).get("name", party_id)
    except NotFound:
        return party_id


def _work_title(session: Session, output) -> str | None:
    if output.source_work is None:
        return None
    return output.source_title or output.source_work
