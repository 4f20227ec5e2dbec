"""JSON answers for the hot routes without FastAPI's per-field encoding (`jsonable_encoder`):
a route whose service already returns plain JSON data (strings, numbers, lists, dicts) hands it
here. orjson when it is installed, else the standard library with exactly Starlette's options
(the same bytes as a plain JSONResponse)."""

from __future__ import annotations

import json

from starlette.responses import JSONResponse

try:  # not a dependency: used when present
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None


class FastJSON(JSONResponse):
    def render(self, content) -> bytes:
        if orjson is not None:
            return orjson.dumps(content)
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")
