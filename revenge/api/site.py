"""The ``Site`` every listener uses: one log event and the HTTP metrics for each request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from twisted.internet.interfaces import IAddress, IDelayedCall, IHalfCloseableProtocol
from twisted.internet.protocol import connectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.web import http
from twisted.web.http import HTTPChannel
from twisted.web.http_headers import Headers
from twisted.web.resource import IResource, Resource, _IEncodingResource
from twisted.web.server import Request, Site
from zope.interface import implementer

from revenge.api.response_headers import DATE, HeaderSet, stored_at_once
from revenge.jsonerror import error_body, json_error
from revenge.observability.node import NODE_HEADER
from revenge.observability.request_log import RequestMeter

SERVER = b"Revenge"  # no version: it helps attackers more than anyone else
MAX_HEADERS = 100
MAX_HEAD = 16 * 1024  # request line and headers together (each line is limited to it too)


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


def _refusal(status: bytes, code: str, message: str) -> bytes:
    """A complete response that refuses a request and announces the close."""
    body = error_body(code, message)
    return (b"HTTP/1.1 %s\r\nServer: %s\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (status, SERVER, len(body), body))


MAX_REQUEST_BODY = 1024 * 1024
_BODY_TOO_LARGE = _refusal(b"413 Content Too Large", "body_too_large",
                           "request bodies are limited to 1 MiB")
CORS_HEADERS = HeaderSet({
    b"Access-Control-Allow-Origin": b"*",
    b"Access-Control-Allow-Methods": b"GET, HEAD, POST, DELETE, OPTIONS",
    b"Access-Control-Allow-Headers": b"Authorization, Content-Type, Range, CMCD-Request, "
                                     b"CMCD-Object, CMCD-Status, CMCD-Session",
    b"Access-Control-Expose-Headers": b"Content-Length, Content-Range, X-Served-From, "
                                     b"X-Revenge-Node, Location",
    b"Access-Control-Max-Age": b"600",
})


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
        transport.write(_stamped(self.channel, _BODY_TOO_LARGE))
        transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:
        # A client gone before the end is a request too; log it as such.
        site = getattr(self, "site", None)
        if isinstance(site, RevengeSite):
            site.in_flight.discard(self)
            if not self.finished:
                site.log_request(self, aborted=True)
        super().connectionLost(reason)  # type: ignore[no-untyped-call]


_LINE_TOO_LONG = _refusal(b"431 Request Header Fields Too Large", "headers_too_large",
                          "request header line too long")
_HEAD_TOO_LARGE = _refusal(b"431 Request Header Fields Too Large", "headers_too_large",
                           "too many request headers, or too many bytes of them")
_BAD_REQUEST = _refusal(b"400 Bad Request", "bad_request", "malformed request")


@implementer(IHalfCloseableProtocol)
class RevengeChannel(HTTPChannel):
    """``HTTPChannel`` hardened against hostile clients.

    What it changes (the private names are Twisted's, stable since 17.9):

    - a request head must arrive within the idle timeout: bytes trickling in do not
      restart it (slow loris);
    - at most ``maxHeaders`` headers and ``totalHeadersSize`` bytes of head: 431 in JSON,
      as is any other malformed request (400), instead of a bare status line;
    - the transport stops reading whenever the client is not reading our answers, even
      mid-request (twisted.web itself stops once a few KiB of pipelined requests wait
      behind one being answered): neither inbound nor outbound bytes grow without bound;
    - a client that shuts its sending side still gets its answer, then the close.
    """

    maxHeaders = MAX_HEADERS
    totalHeadersSize = MAX_HEAD

    _half_closed = False
    _idle_call: IDelayedCall | None = None
    _host: IAddress | None = None
    _peer: IAddress | None = None

    def getHost(self) -> IAddress:
        # Asked by every request (twisted.web's Request.__init__), each time a getsockname
        # call and a new address object; a connection's addresses do not change.
        if self._host is None:
            self._host = super().getHost()  # type: ignore[no-untyped-call]
        return self._host

    def getPeer(self) -> IAddress:
        if self._peer is None:
            self._peer = super().getPeer()  # type: ignore[no-untyped-call]
        return self._peer

    def dataReceived(self, data: bytes) -> None:
        # Not HTTPChannel's, which restarts the idle timeout on every byte.
        LineReceiver.dataReceived(self, data)

    def setTimeout(self, period: float | None) -> float | None:
        """``TimeoutMixin.setTimeout``, except that turning the timeout off pauses its call
        rather than cancelling it: twisted.web turns it off for every request and on again
        after, which would cost a cancelled and a new ``DelayedCall`` a request."""
        previous, self.timeOut = self.timeOut, period  # type: ignore[assignment]
        call = self._idle_call
        if period is not None:
            if call is not None and call.active():
                call.reset(period)
            else:
                self._idle_call = self.callLater(period, self._idle_over)  # type: ignore[no-untyped-call]
        return previous

    def resetTimeout(self) -> None:
        call = self._idle_call
        if call is not None and call.active() and self.timeOut is not None:
            call.reset(self.timeOut)

    def _idle_over(self) -> None:
        self._idle_call = None
        if self.timeOut is not None:  # not paused by a request under way
            self.timeoutConnection()  # type: ignore[no-untyped-call]

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        super().connectionLost(reason)  # type: ignore[no-untyped-call]
        if self._idle_call is not None and self._idle_call.active():
            self._idle_call.cancel()
        self._idle_call = None

    def pauseProducing(self) -> None:
        """The transport's buffer is full (the client is not reading): stop reading too.

        twisted.web keeps reading when this comes mid-request (and every synchronous answer
        is mid-request), so requests pipelined behind unread answers would grow our send
        buffer, or its own buffer of pending requests, without end. Reading resumes as
        twisted.web resumes it: when the buffer drains or the answer ends.
        """
        super().pauseProducing()  # type: ignore[no-untyped-call]
        self._networkProducer.pauseProducing()

    def lineLengthExceeded(self, line: bytes) -> None:
        self._refuse(_LINE_TOO_LONG)

    def _respondToBadRequestAndDisconnect(self) -> None:
        too_large = (self._receivedHeaderCount > self.maxHeaders
                     or self._receivedHeaderSize > self.totalHeadersSize)
        self._refuse(_HEAD_TOO_LARGE if too_large else _BAD_REQUEST)

    def _refuse(self, response: bytes) -> None:
        if self.transport is not None:
            self.transport.write(_stamped(self, response))
            self.loseConnection()  # type: ignore[no-untyped-call]

    def readConnectionLost(self) -> None:
        """The client will send nothing more: answer what is under way, then close."""
        if self._half_closed:
            return
        self._half_closed = True
        if self._handlingRequest:
            self.persistent = False  # requestDone closes once the answer is written
        else:
            self.loseConnection()  # type: ignore[no-untyped-call]

    def writeConnectionLost(self) -> None:
        """Not used (we never half-close); closing is the safe answer."""
        self.loseConnection()  # type: ignore[no-untyped-call]

    def writeHeaders(self, version: bytes, code: bytes, reason: bytes,
                     headers: Headers) -> None:
        """The status line and headers as one write of one ``bytes``.

        twisted.web hands the transport a sequence of four pieces a header (about 40 for a
        file response), each checked and buffered on its own. The values were sanitised as
        they were set (``Headers.setRawHeaders``), as twisted.web relies on too.
        """
        lines = [b"%s %s %s" % (version, code, reason)]
        for name, values in headers.getAllRawHeaders():
            for value in values:
                lines.append(name + b": " + value)
        lines.append(b"\r\n")
        assert self.transport is not None
        self.transport.write(b"\r\n".join(lines))


def _stamped(channel: HTTPChannel, response: bytes) -> bytes:
    """A prepared refusal with the node's header, when the channel's site has a node."""
    site = getattr(channel, "site", None)
    node = site.node if isinstance(site, RevengeSite) else None
    if node is None:
        return response
    head, rest = response.split(b"\r\n", 1)
    return b"%s\r\n%s: %s\r\n%s" % (head, NODE_HEADER, node, rest)


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
        self.in_flight: set[Request] = set()
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

    def log_request(self, request: http.Request, *, aborted: bool) -> None:
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
