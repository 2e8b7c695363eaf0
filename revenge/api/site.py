"""The ``Site`` every listener uses: one log event and the HTTP metrics for each request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from twisted.python.failure import Failure
from twisted.web import http
from twisted.web.http import HTTPChannel
from twisted.web.resource import IResource, Resource
from twisted.web.server import Request, Site

from revenge.observability.request_log import RequestMeter


class _Preflight(Resource):
    isLeaf = True

    def render_OPTIONS(self, request: Request) -> bytes:
        request.setResponseCode(204)
        return b""


_PREFLIGHT = _Preflight()  # type: ignore[no-untyped-call]


class _BadPath(Resource):
    isLeaf = True

    def render(self, request: Request) -> bytes:
        request.setResponseCode(400)
        request.setHeader(b"Content-Type", b"application/json")
        return b'{"error":{"code":"bad_path","message":"the path is not UTF-8"}}'


_BAD_PATH = _BadPath()  # type: ignore[no-untyped-call]



MAX_REQUEST_BODY = 1024 * 1024
_TOO_LARGE = json.dumps({"error": {"code": "body_too_large",
                                   "message": "request bodies are limited to 1 MiB"}}).encode()
CORS_HEADERS = {
    b"Access-Control-Allow-Methods": b"GET, HEAD, POST, DELETE, OPTIONS",
    b"Access-Control-Allow-Headers": b"Authorization, Content-Type, Range, CMCD-Request, "
                                     b"CMCD-Object, CMCD-Status, CMCD-Session",
    b"Access-Control-Expose-Headers": b"Content-Length, Content-Range, X-Served-From, Location",
    b"Access-Control-Max-Age": b"600",
}


class RevengeRequest(Request):
    """A request that knows when it started and which route (a template, not a path) took it.

    It also refuses bodies over ``MAX_REQUEST_BODY`` as they arrive (413), rather than
    spooling whatever a client sends to a temporary file as ``twisted.web`` would.
    """

    route = "unmatched"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.started = time.monotonic()
        self._body_bytes = 0
        self._refused = False

    def process(self) -> None:
        # Known to the site until finished, so a graceful stop can wait for it.
        site = getattr(self.channel, "site", None)
        if isinstance(site, RevengeSite):
            site.in_flight.add(self)
            self.notifyFinish().addBoth(lambda _: site.in_flight.discard(self))
        super().process()  # type: ignore[no-untyped-call]

    def gotLength(self, length: int | None) -> None:
        if length is not None and length > MAX_REQUEST_BODY:
            self._refuse_body()
            return
        super().gotLength(length)  # type: ignore[no-untyped-call]

    def handleContentChunk(self, data: bytes) -> None:
        if self._refused:
            return
        self._body_bytes += len(data)
        if self._body_bytes > MAX_REQUEST_BODY:
            self._refuse_body()
            return
        super().handleContentChunk(data)  # type: ignore[no-untyped-call]

    def _refuse_body(self) -> None:
        self._refused = True
        transport = self.channel.transport
        if transport is None:
            return
        transport.write(b"HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\n"
                        b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(_TOO_LARGE), _TOO_LARGE))
        transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:
        # A client gone before the end is a request too; log it as such.
        if not self.finished:
            site = getattr(self, "site", None)
            if isinstance(site, RevengeSite):
                site.log_request(self, aborted=True)
        super().connectionLost(reason)  # type: ignore[no-untyped-call]


_HEADERS_TOO_LARGE = json.dumps({"error": {"code": "headers_too_large",
                                           "message": "request header line too long"}}).encode()


class RevengeChannel(HTTPChannel):
    """An ``HTTPChannel`` that answers a header line over the limit with 431, not silence."""

    def lineLengthExceeded(self, line: bytes) -> None:
        if self.transport is not None:
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(_HEADERS_TOO_LARGE), _HEADERS_TOO_LARGE))
            self.transport.loseConnection()


class RevengeSite(Site):
    """``Site`` with structured request logging and metrics instead of an access-log file."""

    requestFactory = RevengeRequest
    # Plain HTTP/1.1 (no TLS, so no HTTP/2 negotiation to wrap).
    protocol = RevengeChannel  # type: ignore[assignment]

    def __init__(
        self, resource: IResource, *, listener: str, cors: bool = False,
        fast_route: Callable[[Request], IResource | None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(resource, **kwargs)  # type: ignore[no-untyped-call]
        self.listener = listener
        self.cors = cors
        # A hot route answered before the root resource (and Klein) is consulted.
        self.fast_route = fast_route
        self.in_flight: set[Request] = set()
        self.meter = RequestMeter(listener)

    def getResourceFor(self, request: Request) -> IResource:
        try:
            unquote_to_bytes(request.path).decode("utf-8")
        except UnicodeDecodeError:
            request.route = "bad_path"  # type: ignore[attr-defined]
            return _BAD_PATH
        # Browser players on other origins: answer preflights here, before any route.
        if self.cors:
            origin = request.getHeader(b"origin")
            if origin is not None:
                request.setHeader(b"Access-Control-Allow-Origin", b"*")
                for name, value in CORS_HEADERS.items():
                    request.setHeader(name, value)
                if request.method == b"OPTIONS":
                    request.route = "preflight"  # type: ignore[attr-defined]
                    return _PREFLIGHT
        if self.fast_route is not None and (fast := self.fast_route(request)) is not None:
            return fast
        return super().getResourceFor(request)  # type: ignore[no-untyped-call,no-any-return]

    def log(self, request: http.Request) -> None:  # called by Request.finish
        self.log_request(request, aborted=False)

    def log_request(self, request: http.Request, *, aborted: bool) -> None:
        """Move the request metrics; log the request unless its route logged it already."""
        status = "aborted" if aborted else str(request.code)
        # A route that logged a more telling event of its own (a served segment) is not
        # logged twice, unless it failed.
        quiet = getattr(request, "logged", False) and not aborted and request.code < 400
        self.meter.record(
            route=getattr(request, "route", "unmatched"), method=request.method,
            path=request.path, status=status, sent=request.sentLength, log=not quiet,
            duration=time.monotonic() - getattr(request, "started", time.monotonic()))
