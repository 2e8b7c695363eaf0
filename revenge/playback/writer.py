"""Writing an in-memory segment to a player, and measuring how fast the player took it.

The segment is already in memory (shared with the cache), so it is handed to the transport
in one write: Twisted then sends straight from that object, with no copy of ours (a sliced
write would copy every slice). The producer registered alongside learns when the transport
has drained it, and stops everything if the client goes away.

The throughput sample is the time until the bytes left the kernel too (``SIOCOUTQ`` reads
zero: the client acknowledged them), not until Twisted handed them to the socket, since the
kernel's send buffer alone can swallow a whole segment in no time.
"""

from __future__ import annotations

import fcntl
import struct
import termios
import time
from collections.abc import Callable

from twisted.internet import reactor as default_reactor
from twisted.internet.interfaces import IPushProducer, IReactorTime
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request
from zope.interface import implementer

_POLL = 0.005
_MEASURE_FOR = 60.0
OnSent = Callable[[int, float], None]


def unsent_bytes(request: Request) -> int | None:
    """Bytes still queued in the kernel for this request's socket (None if unknown)."""
    try:
        handle = request.channel.transport.getHandle()  # type: ignore[union-attr]
        raw = fcntl.ioctl(handle.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except (AttributeError, OSError, ValueError):
        return None
    return int(struct.unpack("i", raw)[0])


@implementer(IPushProducer)
class SegmentProducer:
    """Hands ``data`` to ``request`` and follows it out: drained, then acknowledged."""

    def __init__(self, request: Request, data: bytes, *, on_sent: OnSent | None,
                 clock: IReactorTime) -> None:
        self._request = request
        self._data = data
        self._paused = False
        self._stopped = False
        self._on_sent = on_sent
        self._clock = clock
        self._started = time.monotonic()

    def start(self) -> None:
        """Register with the request, write, and finish once the transport drained it."""
        self._request.registerProducer(self, True)
        self._request.write(self._data)
        if not self._paused:
            self._done()

    def _done(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._request.unregisterProducer()
        self._request.finish()
        if self._on_sent is not None:
            self._wait_for_kernel()

    def _wait_for_kernel(self) -> None:
        left = unsent_bytes(self._request)
        elapsed = time.monotonic() - self._started
        if left is None or left == 0 or elapsed > _MEASURE_FOR:
            if self._on_sent is not None:
                self._on_sent(len(self._data), elapsed)
            return
        self._clock.callLater(_POLL, self._wait_for_kernel)

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        self._paused = False
        self._done()

    def stopProducing(self) -> None:
        # The client went away: stop at once, and measure nothing.
        self._stopped = True
        self._on_sent = None


class SegmentResource(Resource):
    """A leaf resource answering GET/HEAD with one in-memory segment."""

    isLeaf = True

    def __init__(self, data: bytes, *, content_type: str, on_sent: OnSent | None = None,
                 clock: IReactorTime | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._data = data
        self._content_type = content_type.encode()
        self._on_sent = on_sent
        self._clock: IReactorTime = clock or default_reactor

    def _headers(self, request: Request) -> None:
        request.setHeader(b"Content-Type", self._content_type)
        request.setHeader(b"Content-Length", b"%d" % len(self._data))

    def render_HEAD(self, request: Request) -> bytes:
        self._headers(request)
        return b""

    def render_GET(self, request: Request) -> int:
        self._headers(request)
        SegmentProducer(request, self._data, on_sent=self._on_sent, clock=self._clock).start()
        return NOT_DONE_YET
