"""The HTTP/1.1 connection every listener uses: twisted.web's ``HTTPChannel``, hardened
against hostile clients and reading the usual request head in one pass."""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IAddress, IDelayedCall, IHalfCloseableProtocol
from twisted.internet.protocol import connectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.web.http import HTTPChannel
from twisted.web.http_headers import Headers
from zope.interface import implementer

from revenge.api.request_head import Head, simple_head
from revenge.files.delivery import Deliveries
from revenge.files.zerocopy import SendfileServer
from revenge.jsonerror import error_body
from revenge.observability.node import NODE_HEADER

SERVER = b"Revenge"  # no version: it helps attackers more than anyone else
MAX_HEADERS = 100
MAX_HEAD = 16 * 1024  # request line and headers together (each line is limited to it too)


def refusal(status: bytes, code: str, message: str) -> bytes:
    """A complete response that refuses a request and announces the close."""
    body = error_body(code, message)
    return (b"HTTP/1.1 %s\r\nServer: %s\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (status, SERVER, len(body), body))


_LINE_TOO_LONG = refusal(b"431 Request Header Fields Too Large", "headers_too_large",
                         "request header line too long")
_HEAD_TOO_LARGE = refusal(b"431 Request Header Fields Too Large", "headers_too_large",
                          "too many request headers, or too many bytes of them")
_BAD_REQUEST = refusal(b"400 Bad Request", "bad_request", "malformed request")


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
    - a client that shuts its sending side still gets its answer, then the close;
    - a head that arrives whole and simple is read in one pass (``request_head``), and
      answered directly by the site's ``direct`` route when it takes it
      (``revenge.api.direct``); anything else is read line by line as twisted.web reads it.
    """

    maxHeaders = MAX_HEADERS
    totalHeadersSize = MAX_HEAD

    site: Any = None  # the RevengeSite (or Site) that built it
    _half_closed = False
    _idle_call: IDelayedCall | None = None
    _host: IAddress | None = None
    _peer: IAddress | None = None

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.deliveries = Deliveries()  # how long the client takes for each response

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
        if not self._took_whole_head(data):
            LineReceiver.dataReceived(self, data)

    def _took_whole_head(self, data: bytes) -> bool:
        """Take ``data`` as one request when it is exactly one simple head, arriving between
        requests (``request_head``), as ``lineReceived`` would have line by line; answered
        by the site's ``direct`` route if it takes it, else by twisted.web's."""
        if (not self.line_mode or self._buffer or self._busyReceiving or self.paused
                or not self.persistent or getattr(self.transport, "disconnecting", True)
                or self._HTTPChannel__first_line != 1
                or self._HTTPChannel__header):  # type: ignore[attr-defined]
            return False
        head = simple_head(data, max_headers=self.maxHeaders, max_size=self.totalHeadersSize)
        if head is None:
            return False
        # Requests pipelined behind this one, arriving while it is answered, wait in
        # _buffer as they would in LineReceiver's loop.
        self._busyReceiving = True
        try:
            # Direct answers send their bodies through the zero-copy transport's calls.
            direct = getattr(self.site, "direct", None) \
                if isinstance(self.transport, SendfileServer) else None
            if direct is None or not direct(head, self):
                self._received(head)
        finally:
            self._busyReceiving = False
        if self._buffer and not (self.transport and self.transport.disconnecting):
            LineReceiver.dataReceived(self, b"")
        return True

    def _received(self, head: Head) -> None:
        """A twisted.web request for ``head``, given to it as ``lineReceived`` does."""
        request = self.requestFactory(self, len(self.requests))
        self.requests.append(request)
        raw = request.requestHeaders._rawHeaders
        for name, value in head.headers:
            values = raw.get(name)
            if values is None:
                raw[name] = [value]
            else:
                values.append(value)
        self._HTTPChannel__first_line = 0
        self._command, self._path, self._version = head.command, head.path, head.version
        self.allHeadersReceived()  # type: ignore[no-untyped-call]
        self.allContentReceived()  # type: ignore[no-untyped-call]

    def begin_direct(self, request: object) -> None:
        """Queue a response written directly (``revenge.api.direct``) as ``allContentReceived``
        queues a request: the idle timeout paused and later bytes held until its
        ``requestDone``."""
        self.requests.append(request)
        self._handlingRequest = True
        if self.timeOut:
            self._savedTimeOut = self.setTimeout(None)
        self.setRawMode()  # type: ignore[no-untyped-call]

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
            self.transport.write(stamped(self, response))
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


def stamped(channel: HTTPChannel, response: bytes) -> bytes:
    """A prepared refusal with the node's header, when the channel's site has a node."""
    node: bytes | None = getattr(getattr(channel, "site", None), "node", None)
    if node is None:
        return response
    head, rest = response.split(b"\r\n", 1)
    return b"%s\r\n%s: %s\r\n%s" % (head, NODE_HEADER, node, rest)
