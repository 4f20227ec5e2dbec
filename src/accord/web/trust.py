"""Upload screening pages: an uploader's list of uploads with decisions, reasons and an appeal
form; the admins' review queue with the evidence and accept/reject buttons. Thin adapters over
accord.trust.service, like the API routes (accord.api.routes.screenings), with CSRF on every
form and roles from accord.accounts.policy. An upload is screened by a job
(accord.api.screening_jobs): the list shows it as 'screening…' (and polls) until it is done."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accord.accounts.model import AccountRole
from accord.accounts.policy import Action
from accord.api import screening_jobs
from accord.api.deps import ContextDep, SessionDep, actor_of, audit_for, authorize
from accord.api.routes.screenings import screen_request, screening_resource
from accord.trust import service
from accord.web import session as web
from accord.web.routes import render

router = APIRouter(include_in_schema=False)


def _evidence(f: dict) -> list[str]:
    """The evidence a reviewer reads, one line each: match offsets, similarity scores,
    disclosure fields."""
    ev, out = f["evidence"] or {}, []
    for m in ev.get("matches", []):
        if "reference" in m:
            extra = ", ".join(f"{k} {m[k]}" for k in ("bit_error_rate", "pitch_ratio",
                                                       "time_ratio", "matched_hashes")
                              if k in m)
            out.append(f"{m['layer']} match {m['reference']} score {m['score']} at offset "
                       f"{m['offset_s']} s" + (f" ({extra})" if extra else ""))
        elif "party" in m:
            out.append(f"{m['field']} {m['given']!r} ~ {m['name']} ({m['how']}, "
                       f"{m['similarity']}); {m['use']} permitted: {m['permitted']}")
        elif "work" in m:
            recs = ", ".join(m["recordings"]) or "no registry recording"
            out.append(f"melody of work {m['work']} {m['title']!r} ({recs}): coverage "
                       f"{m['coverage']} ({m['shared_ngrams']} of {m['upload_ngrams']} "
                       f"{m['n']}-grams), longest shared passage {m['longest_run_notes']} notes")
    for x in ev.get("nearest", []):
        out.append(f"{f['rule']} similarity to {x['name']}: {x['similarity']}"
                   + (" (demo reference)" if x.get("demo") else ""))
    if "fields" in ev and ev.get("fields"):
        out.append("disclosure fields: " + ", ".join(f"{k}={v}" for k, v in ev["fields"]))
    if ev.get("c2pa"):
        c = ev["c2pa"]
        out.append(f"C2PA: AI {c['ai']}, source types {', '.join(c['digital_source_types'])}")
    if "score" in ev and f["rule"] == "ai_artefact" and f["verdict"] != "clear":
        out.append(f"artefact score {ev['score']} (threshold {ev.get('threshold')}); "
                   f"{ev.get('note', '')}")
    return out


@router.get("/uploads")
def uploads(request: Request, ctx: ContextDep, session: SessionDep,
            account: web.WebAccount) -> HTMLResponse:
    authorize(actor_of(account), Action.UPLOAD)
    jobs = screening_jobs.pending_of(ctx.engine, account.id)
    return render(request, ctx, "uploads.html",
                  {"rows": service.list_screenings(session, uploader=account.id),
                   "jobs": jobs, "polling": any(j["status"] in ("queued", "running")
                                                for j in jobs),
                   "error": None}, account=account)


@router.post("/uploads")
async def upload(request: Request, ctx: ContextDep, session: SessionDep,
                 account: web.WebAccount) -> Response:
    """The upload form: the same spooled, capped multipart path as POST /v1/screenings; back
    to the list, which shows the upload as 'screening…' until its job is done."""
    job = await screen_request(request, ctx, session, account, csrf=True)
    return RedirectResponse(f"/uploads#{job['id']}", status_code=303)


@router.post("/uploads/{screening_id}/appeal")
def appeal(screening_id: str, request: Request, ctx: ContextDep, session: SessionDep,
           account: web.WebAccount, statement: Annotated[str, Form()] = "",
           csrf_token: Annotated[str, Form()] = "") -> Response:
    web.check_csrf(request, csrf_token)
    authorize(actor_of(account), Action.APPEAL_SCREENING,
              screening_resource(session, screening_id))
    row = service.appeal(session, screening_id, account.id, statement,
                         audit_for(session, account),
                         is_admin=account.role is AccountRole.ADMIN)
    if request.headers.get("HX-Request"):
        return render(request, ctx, "_upload_row.html", {"r": row}, account=account)
    return RedirectResponse(f"/uploads#{screening_id}", status_code=303)


@router.get("/review")
def review_queue(request: Request, ctx: ContextDep, session: SessionDep,
                 account: web.WebAccount) -> HTMLResponse:
    authorize(actor_of(account), Action.REVIEW_SCREENING)
    rows = service.list_screenings(session, queue=True)
    for r in rows:
        r["evidence_lines"] = [(f["rule"], f["verdict"], f["score"], _evidence(f))
                               for f in r["findings"] if f["verdict"] != "clear"]
    return render(request, ctx, "review.html", {"rows": rows}, account=account)


@router.post("/review/{screening_id}")
def decide(screening_id: str, request: Request, ctx: ContextDep, session: SessionDep,
           account: web.WebAccount, outcome: Annotated[str, Form()],
           note: Annotated[str, Form()] = "",
           csrf_token: Annotated[str, Form()] = "") -> Response:
    web.check_csrf(request, csrf_token)
    authorize(actor_of(account), Action.REVIEW_SCREENING)
    service.review(session, screening_id, account.id, outcome, note,
                   audit_for(session, account))
    if request.headers.get("HX-Request"):
        return HTMLResponse(f'<p class="decided" role="status">{screening_id}: {outcome}</p>')
    return RedirectResponse("/review", status_code=303)
