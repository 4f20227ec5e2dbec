"""JSON answers for the hot routes without FastAPI's per-field encoding (`jsonable_encoder`):
a route whose service already returns plain JSON data (strings, numbers, lists, dicts) hands it
here, and it is serialised once with exactly Starlette's options (the same bytes as a plain
JSONResponse)."""

from __future__ import annotations

import json

from starlette.responses import JSONResponse


class FastJSON(JSONResponse):
    def render(self, content) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")
