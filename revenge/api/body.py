"""Reading a JSON request body, bounded and validated, or a 4xx."""

from __future__ import annotations

import json
from typing import Any

from twisted.web.iweb import IRequest

from revenge.api.errors import ApiError

MAX_BODY = 64 * 1024


def json_body(request: IRequest) -> dict[str, Any]:
    """The request's JSON object body; 413 when too large, 400 when not a JSON object."""
    content = request.content
    if content is None:
        return {}
    raw = content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "body_too_large", f"the body must be at most {MAX_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise ApiError(400, "bad_json", "the body must be a JSON object")
    return doc


def field(doc: dict[str, Any], name: str, kind: type | tuple[type, ...], *,
          required: bool = False, default: Any = None) -> Any:
    """One field of a JSON body with its type checked (``bool`` is never a number)."""
    if name not in doc or doc[name] is None:
        if required:
            raise ApiError(400, "missing_field", f"{name} is required")
        return default
    value = doc[name]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ApiError(400, "bad_field", f"{name} has the wrong type")
    if not isinstance(value, kind):
        raise ApiError(400, "bad_field", f"{name} has the wrong type")
    return value
