"""Writing an in-memory segment to a player with backpressure, and timing how fast it went.

A push producer hands the transport one slice at a time: the transport pauses it as soon as
its buffer passes ``bufferSize``, and resumes it once that buffer has drained, so a slow
player holds at most about one slice of our memory beyond the segment itself (which the
cache and buffer share). A client that goes away stops the writing at once.

Twisted's transports accept only ``bytes`` (not ``memoryview``), so every slice is one copy;
writing the whole segment at once costs the same copy (headers and body are joined on the
first send) but keeps a private copy of the whole segment per connection until it is sent.

The throughput sample handed to ``on_sent`` is the time until the bytes left the kernel too
(``TIOCOUTQ`` reads zero: the client acknowledged them), not until Twisted handed them to the
socket, since the kernel's send buffer alone can swallow a whole segment in no time.
"""

from __future__ import annotations

import fcntl
import struct
import termios
import time
from collections.abc import Callable

from twisted.internet import reactor as default_reactor
from twisted.internet.interfaces import IPushProducer, IReactorTime
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request
from zope.interface import implementer

from revenge.files.ranges import FULL, parse_range
from revenge.files.zerocopy import SendfileServer

# Twisted's SEND_LIMIT: one slice is one send(), copied while it is still in the CPU cache, and
# never re-joined with a remainder. Measured on loopback with 2 MiB segments (server pinned to
# one core): 128 KiB took 0.54-0.56 CPU-s/GB; 256 KiB 0.58-0.62, 512 KiB 0.62-0.75, 1 MiB
# 0.73-0.81, the whole segment in one write 0.57-0.74, 64 KiB 0.57-0.80.
SLICE = 128 * 1024
_POLL = 0.005
_MEASURE_FOR = 60.0
OnSent = Callable[[int, float], None]


def unsent_bytes(transport: object) -> int | None:
    """Bytes not yet taken by the client: still in the transport's buffer, or queued in the
    kernel for its socket (None if unknown or closed)."""
    try:
        handle = transport.getHandle()  # type: ignore[attr-defined]
        raw = fcntl.ioctl(handle.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except (AttributeError, OSError, ValueError):
        return None
    # Twisted's own buffer (FileDescriptor internals, stable for many years) comes first:
    # right after the last write the kernel queue may still be empty.
    buffered = (len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
                + getattr(transport, "_tempDataLen", 0))
    return buffered + int(struct.unpack("i", raw)[0])


@implementer(IPushProducer)
class SegmentProducer:
    """Writes ``data`` to ``request`` in slices while the transport wants more."""

    def __init__(
        self,
        request: Request,
        data: bytes,
        *,
        clock: IReactorTime,
        on_sent: OnSent | None = None,
        slice_size: int = SLICE,
    ) -> None:
        self._request = request
        self._view = memoryview(data)
        self._offset = 0
        self._slice = slice_size
        self._paused = False
        self._stopped = False
        self._on_sent = on_sent
        self._clock = clock
        self._started = time.monotonic()
        # Kept for timing: the request lets go of its channel once finished.
        self._transport = getattr(getattr(request, "channel", None), "transport", None)

    @property
    def written(self) -> int:
        """Bytes handed to the request so far."""
        return self._offset

    def start(self) -> None:
        """Register with the request and write until paused, stopped or done."""
        if self._request._disconnected:  # gone while the segment was being fetched
            self._stopped = True
            return
        # A client that disconnects while we are paused is only noticed through this.
        self._request.notifyFinish().addErrback(self._lost)
        if isinstance(self._transport, SendfileServer):
            self._zero_copy(self._transport)
            return
        self._request.registerProducer(self, True)
        self._write()

    def _zero_copy(self, transport: SendfileServer) -> None:
        # Straight from the segment's bytes to the socket: no copy in Python, no copy into
        # Twisted's buffer; the kernel's socket buffer is the only backpressure needed.
        self._request.write(b"")  # the headers, queued ahead of the body
        self._request.sentLength += len(self._view)
        sent = transport.send_buffer(self._view.obj)  # type: ignore[arg-type]
        sent.addCallbacks(lambda _: self._sent(), self._lost)

    def _sent(self) -> None:
        self._offset = len(self._view)
        if self._stopped:
            return
        self._stopped = True
        self._request.finish()
        if self._on_sent is not None:
            self._wait_for_kernel()

    def _lost(self, _: Failure) -> None:
        self.stopProducing()

    def _write(self) -> None:
        total = len(self._view)
        while not self._paused and not self._stopped and self._offset < total:
            end = min(self._offset + self._slice, total)
            # bytes(), not the memoryview itself: transports refuse anything but bytes.
            self._request.write(bytes(self._view[self._offset : end]))
            self._offset = end
        if self._offset >= total and not self._stopped:
            # All handed over; the transport sends the rest and finish() queues behind it.
            self._stopped = True
            self._request.unregisterProducer()
            self._request.finish()
            if self._on_sent is not None:
                self._wait_for_kernel()

    def _wait_for_kernel(self) -> None:
        left = unsent_bytes(self._transport)
        elapsed = time.monotonic() - self._started
        if left is None or left == 0 or elapsed > _MEASURE_FOR:
            if self._on_sent is not None:
                self._on_sent(len(self._view), elapsed)
            return
        self._clock.callLater(_POLL, self._wait_for_kernel)

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        self._paused = False
        self._write()

    def stopProducing(self) -> None:
        # The client went away: stop at once, and measure nothing.
        self._stopped = True
        self._on_sent = None


def write_segment(
    request: Request,
    data: bytes,
    *,
    content_type: str,
    on_sent: OnSent | None = None,
    clock: IReactorTime | None = None,
) -> int:
    """Answer ``request`` with ``data`` (headers only for HEAD); returns ``NOT_DONE_YET``.

    A single ``Range`` is honoured (206; some players and ffmpeg ask ``bytes=0-`` and treat a
    segment without ``Accept-Ranges`` as unseekable); several ranges get the whole segment.
    ``on_sent(size, seconds)`` is called once the client has acknowledged every byte.
    """
    request.setHeader(b"Content-Type", content_type.encode())
    request.setHeader(b"Accept-Ranges", b"bytes")
    wanted = parse_range(request.getHeader(b"range"), len(data), max_ranges=1) \
        if request.method == b"GET" else FULL
    if wanted.kind == "unsatisfiable":
        request.setResponseCode(416)
        request.setHeader(b"Content-Range", b"bytes */%d" % len(data))
        request.setHeader(b"Content-Length", b"0")
        request.finish()
        return NOT_DONE_YET
    if wanted.kind == "partial":
        (part,) = wanted.ranges
        request.setResponseCode(206)
        request.setHeader(b"Content-Range", part.content_range(len(data)))
        data = data[part.start : part.end + 1]
    request.setHeader(b"Content-Length", b"%d" % len(data))
    if request.method == b"HEAD":
        request.finish()
    else:
        SegmentProducer(request, data, on_sent=on_sent,
                        clock=clock or default_reactor).start()
    return NOT_DONE_YET


class SegmentResource(Resource):
    """A leaf answering GET and HEAD with one in-memory segment; a Klein route returns it,
    and Klein then leaves finishing the request to the producer."""

    isLeaf = True

    def __init__(self, data: bytes, *, content_type: str, on_sent: OnSent | None = None,
                 clock: IReactorTime | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._data = data
        self._content_type = content_type
        self._on_sent = on_sent
        self._clock = clock

    def render_GET(self, request: Request) -> int:
        return write_segment(request, self._data, content_type=self._content_type,
                             on_sent=self._on_sent, clock=self._clock)

    render_HEAD = render_GET
