"""Multipart uploads with a byte cap enforced before anything is read into memory.

The raw request body is streamed to a temporary file, counting bytes: a declared
Content-Length over the cap is refused (413) before a byte is read, and a body that grows past
it is refused the moment it does. Only then is the multipart form parsed (from that file; file
parts are spooled to disk by Starlette's parser) and each file part written to a named
temporary file keeping its suffix. Everything lives in one temporary directory removed after
the request (`spooled_form`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import HTTPException, Request
from starlette.formparsers import MultiPartException, MultiPartParser

from accord.errors import InvalidInput

CHUNK = 64 * 1024


@dataclass
class SpooledForm:
    files: dict[str, tuple[Path, str]] = field(default_factory=dict)  # field -> (path, name)
    fields: dict[str, str] = field(default_factory=dict)
    #: file fields sent empty and without a file name: a browser's file input left unchosen
    #: (treated as absent; a required one is refused naming it)
    unchosen: set[str] = field(default_factory=set)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(status_code=413, detail=f"the upload is larger than {limit:,} bytes")


async def _spool(request: Request, dest: Path, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    total = 0
    with dest.open("wb") as f:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise _too_large(limit)
            f.write(chunk)


async def _read(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _safe_suffix(name: str) -> str:
    suffix = Path(name or "").suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


@asynccontextmanager
async def spooled_form(request: Request, limit: int, file_fields: tuple[str, ...],
                       max_fields: int = 10) -> AsyncIterator[SpooledForm]:
    kind = request.headers.get("content-type", "")
    if not kind.lower().startswith("multipart/form-data"):
        raise HTTPException(status_code=415, detail="send multipart/form-data")
    tmp = Path(tempfile.mkdtemp(prefix="accord-upload-"))
    try:
        body = tmp / "body"
        await _spool(request, body, limit)
        parser = MultiPartParser(request.headers, _read(body), max_files=len(file_fields),
                                 max_fields=max_fields)
        try:
            form = await parser.parse()
        except MultiPartException as exc:
            raise InvalidInput(f"upload: malformed multipart form ({exc.message})") from None
        out = SpooledForm()
        try:
            for key, value in form.multi_items():
                if hasattr(value, "read"):
                    if key not in file_fields:
                        raise InvalidInput(f"upload: unexpected file field {key!r}")
                    if key in out.files or key in out.unchosen:
                        raise InvalidInput(f"upload: the `{key}` part is sent twice")
                    name = Path(value.filename or key).name[:200]
                    path = tmp / f"{key}{_safe_suffix(name)}"
                    size = 0
                    with path.open("wb") as f:
                        await value.seek(0)
                        while chunk := await value.read(CHUNK):
                            f.write(chunk)
                            size += len(chunk)
                    if size == 0 and not value.filename:
                        out.unchosen.add(key)  # an unchosen file input: absent
                        path.unlink()
                        continue
                    if size == 0:
                        raise InvalidInput(f"upload: the `{key}` part ({name}) is empty: send "
                                           f"the file's bytes, or leave `{key}` out")
                    out.files[key] = (path, name)
                elif key in file_fields:
                    if str(value):
                        raise InvalidInput(f"upload: `{key}` must be a file part "
                                           "(Content-Disposition with a filename), not text")
                    out.unchosen.add(key)
                else:
                    out.fields[key] = str(value)
        finally:
            await form.close()
        body.unlink()
        yield out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
