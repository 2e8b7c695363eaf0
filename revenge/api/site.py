"""The ``Site`` every listener uses: one log event and the HTTP metrics for each request."""

from __future__ import annotations

# twisted.web reads every request body's Content-Type with an email.message.EmailMessage,
# whose first use imports email's header machinery: ~6 ms of a viewer's first "play" (a
# JSON POST) otherwise, on the reactor.
import email.policy  # noqa: F401
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from twisted.python.failure import Failure
from twisted.web import http
from twisted.web.resource import IResource, Resource, _IEncodingResource
from twisted.web.server import Request, Site

from revenge.api.channel import SERVER, RevengeChannel, refusal, stamped
from revenge.api.direct import DirectRequest
from revenge.api.request_head import Head
from revenge.api.response_headers import CORS_HEADERS, DATE, HeaderSet, stored_at_once
from revenge.jsonerror import error_body, json_error
from revenge.observability.node import NODE_HEADER
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
        return json_error(request, 400, "bad_path", "the path is not UTF-8")


_BAD_PATH = _BadPath()  # type: ignore[no-untyped-call]


MAX_REQUEST_BODY = 1024 * 1024
_BODY_TOO_LARGE = refusal(b"413 Content Too Large", "body_too_large",
                          "request bodies are limited to 1 MiB")


class RevengeRequest(Request):
    """A request that knows when it started and which route (a template, not a path) took it.

    It also refuses bodies over ``MAX_REQUEST_BODY`` as they arrive (413), rather than
    spooling whatever a client sends to a temporary file as ``twisted.web`` would.
    """

    route = "unmatched"
    # twisted.web's is ``id(self)`` in Python, asked on every set add and discard.
    __hash__ = object.__hash__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.started = time.monotonic()
        self._body_bytes = 0
        self._refused = False

    def setHeader(self, name: bytes | str, value: bytes | str) -> None:
        """``Request.setHeader``, in one call rather than four for the usual case (bytes,
        a name already in canonical form, a value on one line), as twisted.web stores it."""
        if not stored_at_once(self, name, value):
            super().setHeader(name, value)  # type: ignore[no-untyped-call]

    def process(self) -> None:
        """twisted.web's ``Request.process`` with our ``Server`` and a ``Date`` made once a
        second; known to the site until finished (or gone), so a graceful stop can wait."""
        site = self.site = self.channel.site  # type: ignore[attr-defined]
        if isinstance(site, RevengeSite):
            site.in_flight.add(self)
            site.identity.store(self)
        else:
            self.setHeader(b"Server", SERVER)
        self.setHeader(b"Date", DATE.now())
        self.prepath = []
        parts = self.path[1:].split(b"/")
        self.postpath = [unquote_to_bytes(p) for p in parts] if b"%" in self.path else parts
        if self.path == b"*":
            self._handleStar()
            return
        try:
            resource = site.getResourceFor(self)
            if _IEncodingResource.providedBy(resource):
                self._encoder = resource.getEncoder(self)
            self.render(resource)  # type: ignore[no-untyped-call]
        except BaseException:
            self.processingFailed(Failure())  # type: ignore[no-untyped-call]

    def finish(self) -> None:
        site = getattr(self, "site", None)
        super().finish()  # type: ignore[no-untyped-call]
        if isinstance(site, RevengeSite):
            site.in_flight.discard(self)

    def _handleStar(self) -> None:
        # ``OPTIONS *`` (and nonsense like ``GET *``) is answered before any resource.
        body = b""
        if self.method != b"OPTIONS":
            self.setResponseCode(405)
            self.setHeader(b"Allow", b"OPTIONS")
            self.setHeader(b"Content-Type", b"application/json")
            body = error_body("method_not_allowed", "only OPTIONS *")
        self.setHeader(b"Content-Length", b"%d" % len(body))
        self.write(body)  # type: ignore[no-untyped-call]
        self.finish()

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
        transport.write(stamped(self.channel, _BODY_TOO_LARGE))
        transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:
        # A client gone before the end is a request too; log it as such.
        site = getattr(self, "site", None)
        if isinstance(site, RevengeSite):
            site.in_flight.discard(self)
            if not self.finished:
                site.log_request(self, aborted=True)
        super().connectionLost(reason)  # type: ignore[no-untyped-call]


class RevengeSite(Site):
    """``Site`` with structured request logging and metrics instead of an access-log file.

    With ``node``, every response it sends (refusals of malformed requests too) says which
    node answered in ``X-Revenge-Node``.
    """

    requestFactory = RevengeRequest
    # Plain HTTP/1.1 (no TLS, so no HTTP/2 negotiation to wrap).
    protocol = RevengeChannel  # type: ignore[assignment]

    def __init__(
        self, resource: IResource, *, listener: str, cors: bool = False,
        fast_route: Callable[[Request], IResource | None] | None = None,
        direct: Callable[[Head, RevengeChannel], bool] | None = None,
        log_successes: bool = True, node: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(resource, **kwargs)  # type: ignore[no-untyped-call]
        self.listener = listener
        self.cors = cors
        # Off for the internal listener: Blackbeard's range reads would drown the log;
        # failed and aborted requests are logged anyway, and metrics count them all.
        self.log_successes = log_successes
        # A hot route answered before the root resource (and Klein) is consulted.
        self.fast_route = fast_route
        self.in_flight: set[Request | DirectRequest] = set()
        # A hot route's answer to the heads it takes without a twisted.web Request (True),
        # asked before a Request is made (``revenge.api.direct``).
        self.direct = direct
        self.node = node.encode("ascii") if node is not None else None
        # Who answers: on every response.
        self.identity = HeaderSet({b"Server": SERVER} if self.node is None
                                  else {b"Server": SERVER, NODE_HEADER: self.node})
        self.meter = RequestMeter(listener)

    def getResourceFor(self, request: Request) -> IResource:
        try:
            path = request.path
            if not path.isascii() or b"%" in path:
                unquote_to_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            request.route = "bad_path"  # type: ignore[attr-defined]
            return _BAD_PATH
        # Browser players on other origins: answer preflights here, before any route.
        if self.cors:
            origin = request.getHeader(b"origin")
            if origin is not None:
                CORS_HEADERS.store(request)
                if request.method == b"OPTIONS":
                    request.route = "preflight"  # type: ignore[attr-defined]
                    return _PREFLIGHT
        if self.fast_route is not None and (fast := self.fast_route(request)) is not None:
            return fast
        return super().getResourceFor(request)  # type: ignore[no-untyped-call,no-any-return]

    def log(self, request: http.Request) -> None:  # called by Request.finish
        self.log_request(request, aborted=False)

    def log_request(self, request: http.Request | DirectRequest, *, aborted: bool) -> None:
        """Move the request metrics; log the request unless its route logged it already."""
        status = "aborted" if aborted else str(request.code)
        # A route that logged a more telling event of its own (a served segment) is not
        # logged twice, unless it failed.
        failed = aborted or request.code >= 400
        quiet = not failed and (getattr(request, "logged", False) or not self.log_successes)
        self.meter.record(
            route=getattr(request, "route", "unmatched"), method=request.method,
            path=request.path, status=status, sent=request.sentLength, log=not quiet,
            duration=time.monotonic() - getattr(request, "started", time.monotonic()))
