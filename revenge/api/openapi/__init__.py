"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 description of the public API, built once."""

from __future__ import annotations

import json
from typing import Any

from klein import Klein
from twisted.web.iweb import IRequest

from revenge.api.openapi.paths import paths
from revenge.api.openapi.schemas import SCHEMAS
from revenge.api.routing import route


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Revenge", "version": "1",
                 "description": "A media library and streaming server. Errors are "
                                "`{\"error\": {\"code\", \"message\"}}` with a fitting status."},
        "servers": [{"url": "/"}],
        "tags": [{"name": n} for n in ("library", "playback", "artwork", "account",
                                       "meta", "web")],
        "paths": paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "an API token (revenge-admin token create)"},
                "signedUrl": {"type": "apiKey", "in": "query", "name": "t",
                              "description": "the signed, expiring token of a URL the API "
                                             "handed out"},
            },
        },
    }


def install(app: Klein) -> None:
    """Add the route serving the document."""
    body = json.dumps(document(), separators=(",", ":")).encode()

    @route(app, "/api/v1/openapi.json")
    def openapi(request: IRequest) -> bytes:
        request.setHeader(b"Content-Type", b"application/json")
        request.setHeader(b"Cache-Control", b"public, max-age=3600")
        return body
