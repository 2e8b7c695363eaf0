"""The ``Site`` every listener uses: one log event and the HTTP metrics for each request."""

from __future__ import annotations

import time
from typing import Any

from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web import http
from twisted.web.resource import IResource
from twisted.web.server import Request, Site

from revenge.observability.http_metrics import BYTES_SENT, LATENCY, REQUESTS

_log = Logger(namespace="revenge.http")


class RevengeRequest(Request):
    """A request that knows when it started and which route (a template, not a path) took it."""

    route = "unmatched"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.started = time.monotonic()

    def connectionLost(self, reason: Failure) -> None:
        # A client gone before the end is a request too; log it as such.
        if not self.finished:
            site = getattr(self, "site", None)
            if isinstance(site, RevengeSite):
                site.log_request(self, aborted=True)
        super().connectionLost(reason)  # type: ignore[no-untyped-call]


class RevengeSite(Site):
    """``Site`` with structured request logging and metrics instead of an access-log file."""

    requestFactory = RevengeRequest

    def __init__(self, resource: IResource, *, listener: str, **kwargs: Any) -> None:
        super().__init__(resource, **kwargs)  # type: ignore[no-untyped-call]
        self.listener = listener

    def log(self, request: http.Request) -> None:  # called by Request.finish
        self.log_request(request, aborted=False)

    def log_request(self, request: http.Request, *, aborted: bool) -> None:
        """Emit the request's log event and move the request metrics."""
        route = getattr(request, "route", "unmatched")
        status = "aborted" if aborted else str(request.code)
        duration = time.monotonic() - getattr(request, "started", time.monotonic())
        sent = request.sentLength
        method = request.method.decode("ascii", "replace")
        REQUESTS.labels(self.listener, route, method, status).inc()
        LATENCY.labels(self.listener, route).observe(duration)
        BYTES_SENT.labels(self.listener, route).inc(sent)
        _log.info(
            "{method} {path} {status} {bytes}B {duration_ms:.1f}ms",
            method=method,
            path=request.path.decode("utf-8", "replace"),
            route=route,
            status=status,
            bytes=sent,
            duration_ms=duration * 1000,
            listener=self.listener,
        )
