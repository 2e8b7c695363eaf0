"""``/healthz``, ``/readyz`` and ``/metrics``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from klein import Klein
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.registry import CollectorRegistry
from twisted.web.iweb import IRequest

from revenge.api.errors import json_response
from revenge.api.routing import route


def install(app: Klein, *, checks: Mapping[str, Callable[[], bool]],
            details: Mapping[str, Callable[[], Any]] | None = None,
            registry: CollectorRegistry = REGISTRY) -> None:
    """Add the health routes; ``checks`` name what must hold for the server to be ready,
    ``details`` what ``/readyz`` shows beside them (which Blackbeards are up, say);
    ``/metrics`` exposes ``registry``."""

    @route(app, "/healthz")
    def healthz(request: IRequest) -> bytes:
        return json_response(request, {"status": "ok"})

    @route(app, "/readyz")
    def readyz(request: IRequest) -> bytes:
        results = {name: bool(check()) for name, check in checks.items()}
        ready = all(results.values())
        shown = {name: detail() for name, detail in (details or {}).items()}
        return json_response(request, {"ready": ready, "checks": results, **shown},
                             status=200 if ready else 503)

    @route(app, "/metrics")
    def metrics(request: IRequest) -> bytes:
        request.setHeader(b"Content-Type", CONTENT_TYPE_LATEST.encode())
        return generate_latest(registry)
