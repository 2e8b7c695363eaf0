"""A lean HTTP/1.1 server for the internal listener: Blackbeard's range reads, and nothing
that needs the rest of twisted.web.

Twisted's HTTP machinery (header objects, a line callback per header, Site, resources)
costs more than sending a 64 KiB range zero-copy. This protocol parses a request head in
one pass and hands a small request object to the same ``InternalStreamResource`` code, so
the RFC 9110 behaviour is shared; only the HTTP plumbing is lean. Requests on a connection
are answered one after another (pipelining works); bodies are refused.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote_to_bytes

from twisted.internet.defer import Deferred
from twisted.internet.protocol import Factory, Protocol
from twisted.logger import Logger
from twisted.protocols.policies import TimeoutMixin
from twisted.python.failure import Failure
from twisted.web.error import UnsupportedMethod
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from revenge.observability.request_log import RequestMeter

_log = Logger(namespace="revenge.http")
MAX_HEAD = 16 * 1024
REASONS = {200: b"OK", 206: b"Partial Content", 304: b"Not Modified", 400: b"Bad Request",
           401: b"Unauthorized", 404: b"Not Found", 405: b"Method Not Allowed",
           412: b"Precondition Failed", 416: b"Range Not Satisfiable",
           431: b"Request Header Fields Too Large", 500: b"Internal Server Error"}
_NO_BODY = (204, 304)


class _Date:
    """The ``Date`` header value, made at most once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def now(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            self._second, self._value = second, formatdate(second, usegmt=True).encode()
        return self._value


_DATE = _Date()


class LeanRequest:
    """What ``InternalStreamResource`` and the file writers use of a twisted.web request."""

    def __init__(self, protocol: InternalHTTP, method: bytes, path: bytes,
                 headers: dict[bytes, bytes], keep_alive: bool) -> None:
        self.channel = protocol  # the writers find the transport as request.channel.transport
        self.method = method
        self.path = path
        self.uri = path
        self.postpath: list[bytes] = []
        self.route = "unmatched"
        self.code = 200
        self.sentLength = 0
        self.started = time.monotonic()
        self.finished = False
        self._disconnected = False
        self._headers_in = headers
        self._headers_out: list[tuple[bytes, bytes]] = []
        self._keep_alive = keep_alive
        self._started_writing = False
        self._waiters: list[Deferred[None]] = []

    def getHeader(self, name: bytes) -> bytes | None:
        return self._headers_in.get(name.lower())

    def setHeader(self, name: bytes, value: bytes) -> None:
        lower = name.lower()
        self._headers_out = [(n, v) for n, v in self._headers_out if n.lower() != lower]
        self._headers_out.append((name, value))

    def setResponseCode(self, code: int) -> None:
        self.code = code

    def _head(self) -> bytes:
        lines = [b"HTTP/1.1 %d %s" % (self.code, REASONS.get(self.code, b"Unknown")),
                 b"Date: " + _DATE.now()]
        lines += [n + b": " + v for n, v in self._headers_out]
        if not self._keep_alive:
            lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def write(self, data: bytes) -> None:
        transport = self.channel.transport
        if self._disconnected or transport is None:
            return
        if not self._started_writing:
            self._started_writing = True
            transport.write(self._head())
        if data and self.method != b"HEAD":
            self.sentLength += len(data)
            transport.write(data)

    def finish(self) -> None:
        if self.finished or self._disconnected:
            return
        self.write(b"")
        self.finished = True
        for waiter in self._waiters:
            waiter.callback(None)
        self.channel.request_done(self)

    def notifyFinish(self) -> Deferred[None]:
        waiter: Deferred[None] = Deferred()
        if self.finished:
            waiter.callback(None)
        elif self._disconnected:
            waiter.errback(Failure(ConnectionError("connection lost")))
        else:
            self._waiters.append(waiter)
        return waiter

    def connection_lost(self, reason: Failure) -> None:
        self._disconnected = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.errback(reason)

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.channel.transport.registerProducer(producer, streaming)  # type: ignore[union-attr]

    def unregisterProducer(self) -> None:
        self.channel.transport.unregisterProducer()  # type: ignore[union-attr]

    def loseConnection(self) -> None:
        self.channel.transport.loseConnection()  # type: ignore[union-attr]


class InternalHTTP(Protocol, TimeoutMixin):
    """One connection of the internal listener."""

    def __init__(self, factory: InternalHTTPFactory) -> None:
        self._factory = factory
        self._buffer = b""
        self._current: LeanRequest | None = None

    def connectionMade(self) -> None:
        # As twisted.web does: a response's last partial packet must not wait for the
        # client's delayed ACK (Nagle), which costs a keep-alive client ~40 ms a request.
        setter = getattr(self.transport, "setTcpNoDelay", None)
        if setter is not None:
            setter(True)
        self.setTimeout(self._factory.timeout)  # type: ignore[no-untyped-call]

    def dataReceived(self, data: bytes) -> None:
        self.resetTimeout()  # type: ignore[no-untyped-call]
        self._buffer += data
        self._next()

    def _next(self) -> None:
        while self._current is None and self.transport is not None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD:
                    self._refuse(431, b"request head too large")
                return
            head, self._buffer = self._buffer[:end], self._buffer[end + 4 :]
            self._handle(head)

    def _refuse(self, status: int, message: bytes) -> None:
        body = b'{"error":{"code":"bad_request","message":"%s"}}' % message
        assert self.transport is not None
        self.transport.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                             % (status, REASONS[status], len(body), body))
        self.transport.loseConnection()
        self._buffer = b""

    def _handle(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            self._refuse(400, b"malformed request line")
            return
        method, target, version = parts
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip() or len(headers) > 100:
                self._refuse(400, b"malformed header")
                return
            key = name.lower()
            value = value.strip()
            headers[key] = headers[key] + b", " + value if key in headers else value
        if headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers:
            self._refuse(400, b"request bodies are not accepted here")
            return
        connection = headers.get(b"connection", b"").lower()
        keep_alive = b"close" not in connection and (
            version == b"HTTP/1.1" or b"keep-alive" in connection)
        path = target.split(b"?", 1)[0]
        request = LeanRequest(self, method, path, headers, keep_alive)
        self._current = request
        self.setTimeout(None)  # type: ignore[no-untyped-call]
        self._factory.in_flight.add(request)
        try:
            body = self._factory.dispatch(request)
        except Exception:
            _log.failure("internal request failed")
            request.setResponseCode(500)
            request.setHeader(b"Content-Type", b"application/json")
            body = b'{"error":{"code":"internal","message":"internal server error"}}'
        if body is NOT_DONE_YET:
            return
        assert isinstance(body, bytes)
        if request.code not in _NO_BODY and method != b"HEAD":
            request.setHeader(b"Content-Length", b"%d" % len(body))
        request.write(body)
        request.finish()

    def request_done(self, request: LeanRequest) -> None:
        """A response is complete: log and count it, then go on to the next request."""
        self._factory.done(request, aborted=False)
        self._current = None
        if not request._keep_alive:
            assert self.transport is not None
            self.transport.loseConnection()
            return
        self.setTimeout(self._factory.timeout)  # type: ignore[no-untyped-call]
        self._next()

    def connectionLost(self, reason: Failure = Failure(ConnectionError())) -> None:  # noqa: B008
        self.setTimeout(None)  # type: ignore[no-untyped-call]
        current, self._current = self._current, None
        if current is not None and not current.finished:
            current.connection_lost(reason)
            self._factory.done(current, aborted=True)


class InternalHTTPFactory(Factory):
    """Serves ``root``'s ``/internal/...`` children over ``InternalHTTP``."""

    def __init__(self, routes: dict[bytes, Resource], *, listener: str = "internal",
                 timeout: float = 30.0, log_successes: bool = False) -> None:
        self._routes = routes
        # Off by default: Blackbeard's thousands of range reads a second would drown the
        # log; failed and aborted requests are always logged, and metrics count them all.
        self.log_successes = log_successes
        self.listener = listener
        self.timeout = timeout
        self.in_flight: set[LeanRequest] = set()
        self.meter = RequestMeter(listener)

    def buildProtocol(self, addr: Any) -> InternalHTTP:
        return InternalHTTP(self)

    def dispatch(self, request: LeanRequest) -> bytes | int:
        """``/internal/{name}/{id}`` to the resource named ``name``; anything else, 404."""
        parts = request.path.split(b"/")
        resource = self._routes.get(parts[2]) if len(parts) > 2 and parts[1] == b"internal" \
            else None
        if resource is None:
            request.setResponseCode(404)
            request.setHeader(b"Content-Type", b"application/json")
            return b'{"error":{"code":"not_found","message":"no such resource"}}'
        request.postpath = [unquote_to_bytes(p) for p in parts[3:]]
        try:
            return resource.render(request)  # type: ignore[no-any-return]
        except UnsupportedMethod:
            request.setResponseCode(405)
            request.setHeader(b"Allow", b"GET, HEAD")
            request.setHeader(b"Content-Type", b"application/json")
            return b'{"error":{"code":"method_not_allowed","message":"only GET and HEAD"}}'


    def done(self, request: LeanRequest, *, aborted: bool) -> None:
        """Count the request; log it if it failed (or if every request is logged)."""
        self.in_flight.discard(request)
        self.meter.record(
            route=request.route, method=request.method, path=request.path,
            status="aborted" if aborted else str(request.code), sent=request.sentLength,
            duration=time.monotonic() - request.started,
            log=self.log_successes or aborted or request.code >= 400)
