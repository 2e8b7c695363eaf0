"""The one shape of every error answer Revenge (and its embedded Blackbeard) gives:
``{"error": {"code": "...", "message": "..."}}``, JSON, never cached, framed by length.

Every edge uses it: the Klein routes, the segment route, the internal listener, the
transcoder's app and the ``Site``'s own refusals (heads too large, bodies too big).
"""

from __future__ import annotations

import json
from typing import Any


def error_body(code: str, message: str) -> bytes:
    """The JSON body of an error."""
    return json.dumps({"error": {"code": code, "message": message}},
                      separators=(",", ":")).encode()


def json_body(request: Any, doc: Any, *, status: int = 200) -> bytes:
    """Set the status and the JSON headers of ``request``; return the encoded ``doc``."""
    body = json.dumps(doc, separators=(",", ":")).encode()
    request.setResponseCode(status)
    request.setHeader(b"Content-Type", b"application/json")
    request.setHeader(b"Cache-Control", b"no-store")
    request.setHeader(b"Content-Length", b"%d" % len(body))
    return body


def json_error(request: Any, status: int, code: str, message: str) -> bytes:
    """Answer ``request`` with an error: its status, headers, and the body to send."""
    return json_body(request, {"error": {"code": code, "message": message}}, status=status)
