"""Rights document import over HTTP: size and type limits, then the same service as the CLI."""

from __future__ import annotations

import yaml
from fastapi import APIRouter, HTTPException, Request

from accord.accounts import scope
from accord.accounts.policy import Action
from accord.api.deps import (
    ActorDep,
    ContextDep,
    CurrentAccount,
    RateLimited,
    SessionDep,
    audit_for,
    authorize,
)
from accord.errors import InvalidInput
from accord.rights import service
from accord.rights.document import parse_document

router = APIRouter(tags=["registry"])

CONTENT_TYPES = frozenset({"application/json", "application/yaml", "application/x-yaml",
                           "text/yaml", "text/x-yaml"})


async def _limited_body(request: Request, limit: int) -> bytes:
    """The body, refusing (413) anything over `limit` bytes, declared or actual."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413, detail=f"the document is larger than {limit} bytes")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(status_code=413,
                                detail=f"the document is larger than {limit} bytes")
    return bytes(data)


@router.post("/rights/import", dependencies=[RateLimited],
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object"}},
                 "application/yaml": {"schema": {"type": "string"}}}}})
async def import_rights(request: Request, ctx: ContextDep, session: SessionDep,
                        account: CurrentAccount, actor: ActorDep) -> dict:
    """Import a rights document (JSON or YAML; docs/rights.md), all or nothing. A rights
    holder may import only documents that touch its own works, recordings and agreements."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in CONTENT_TYPES:
        raise HTTPException(status_code=415,
                            detail=f"unsupported content type {kind or 'none'!r}; send "
                                   "application/json or application/yaml")
    raw = await _limited_body(request, ctx.api.api_max_upload_bytes)
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"upload: malformed JSON/YAML ({type(exc).__name__})") from None
    doc = parse_document(data, "upload")
    authorize(actor, Action.IMPORT_RIGHTS, scope.import_scope(session, doc))
    return service.import_document(session, doc, "upload", audit_for(session, account)).to_json()
