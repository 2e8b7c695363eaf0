"""Writing a response body made of file regions, bytes in memory and literal bytes.

One writer covers every shape of response — the whole file, one range, multipart/byteranges,
a segment held in memory — because each is just a sequence of ``Piece``s: the resource
decides the pieces, the writer only writes them. Zero-copy where the transport offers it
(``SendfileServer``: ``os.sendfile`` for file regions, ``send_buffer`` for memory); else a
push producer writing 64 KiB at a time only while the transport wants more. Either way a
client that goes away stops the work and closes the file at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

import attrs
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.interfaces import IPushProducer, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.server import Request
from zope.interface import implementer

from revenge.files.delivery import Deliveries
from revenge.files.metrics import Writing
from revenge.files.ranges import ByteRange
from revenge.files.zerocopy import SendfileServer, TruncatedFile

CHUNK = 64 * 1024
# Progress is reported (metrics, the request's sentLength) at least this often, so a long
# stream shows up before it ends; one Deferred per step costs nothing at this size.
STEP = 64 * 1024 * 1024
_log = Logger()


@attrs.frozen
class Memory:
    """A body held in memory (a segment), sent without a copy where the transport can."""

    data: bytes


# Literal bytes (headers of multipart parts), a range of the file, or a body in memory.
Piece = bytes | ByteRange | Memory
def piece_length(piece: Piece) -> int:
    """How many bytes of body a piece is."""
    if isinstance(piece, ByteRange):
        return piece.length
    return len(piece.data) if isinstance(piece, Memory) else len(piece)


# Told the bytes sent and the seconds the client took, once every byte is sent.
OnDone = Callable[[int, float], None]


class BodyWriter:
    """Sends ``pieces`` (of ``fd``, for file ranges) to ``request``, then finishes it and
    closes ``fd``.

    ``bytes_read`` counts what was taken from the file so far: read into memory by the
    copying producer, or handed to the kernel by ``os.sendfile``. ``on_bytes`` hears the
    same count in steps (for metrics). ``on_done(size, seconds)`` hears, once the body is
    complete, how long the client took for it (``revenge.files.delivery``).
    """

    def __init__(self, request: Request, fd: int | None, pieces: Sequence[Piece], *,
                 on_bytes: Callable[[int], None] = lambda _: None,
                 on_done: OnDone | None = None, clock: IReactorTime | None = None) -> None:
        self.request = request
        self.pieces: tuple[Piece, ...] = tuple(pieces)
        self.closed = False
        self.zero_copy = False
        self._fd = fd
        self._on_bytes = on_bytes
        self._on_done = on_done
        self._started = time.monotonic()
        if clock is None:
            from twisted.internet import reactor

            clock = reactor
        self._clock: IReactorTime = clock
        self._copied = 0
        self._reported = 0
        self._transport: SendfileServer | None = None
        self._sent_before = 0
        self._piece = 0  # zero-copy progress: the current piece, and where in it (or -1)
        self._position = -1

    @property
    def fd(self) -> int | None:
        """The file descriptor being sent (closed once ``closed``), if any."""
        return self._fd

    @property
    def bytes_read(self) -> int:
        """Bytes taken from the file so far."""
        if self._transport is not None:
            return self._transport.file_bytes_sent - self._sent_before
        return self._copied

    def start(self) -> None:
        """Begin writing; the response headers are set already."""
        Writing.now += 1
        transport = getattr(self.request.channel, "transport", None)
        if isinstance(transport, SendfileServer):
            # From here to the end a region is always queued, and the transport fails it if
            # the connection goes: that is how this writer hears of a client gone.
            self.zero_copy = True
            self._transport = transport
            self._sent_before = transport.file_bytes_sent
            # The headers go into Twisted's buffer first; the transport sends a region only
            # once everything written before it has left that buffer. Held, so head and
            # body leave together, from here if the socket takes them.
            transport.hold()
            try:
                self.request.write(b"")
                self._send_next()
            finally:
                transport.release()
        else:
            self.request.notifyFinish().addErrback(self._gone)
            _CopyingProducer(self).start()

    def _send_next(self) -> None:
        # A plain callback chain rather than a coroutine: on 64 KiB ranges the coroutine
        # machinery cost as much as rendering the response.
        transport = self._transport
        pieces = self.pieces
        while not self.closed and transport is not None:
            if self._piece >= len(pieces):
                self.finish()
                return
            piece = pieces[self._piece]
            if isinstance(piece, bytes):
                self.request.write(piece)
                self._piece += 1
                continue
            if isinstance(piece, Memory):
                self._piece += 1
                self.request.sentLength += len(piece.data)
                transport.send_buffer(piece.data).addCallbacks(
                    lambda _: self._send_next(), self._failed)
                return
            assert self._fd is not None
            if self._position < 0:
                self._position = piece.start
            remaining = piece.end + 1 - self._position
            if remaining <= 0:
                self._piece += 1
                self._position = -1
                continue
            count = min(STEP, remaining)
            offset = self._position
            self._position += count
            transport.sendfile(self._fd, offset, count).addCallbacks(
                self._region_sent, self._failed)
            return

    def _region_sent(self, _: None) -> None:
        self.report()
        self._send_next()

    def _gone(self, failure: Failure) -> None:
        # The client went away (notifyFinish errback): stop and close, quietly.
        self.close()

    def _failed(self, failure: Failure) -> None:
        if failure.check(ConnectionDone, ConnectionLost):
            self.close()
            return
        if failure.check(TruncatedFile):
            _log.warn("media file shrank while being sent: {error}", error=failure.value)
        else:
            _log.failure("sending a media file failed", failure)
        self.abort()

    def report(self) -> None:
        """Tell ``on_bytes`` (and the request's access-log count) what was sent since last."""
        total = self.bytes_read
        delta = total - self._reported
        if delta > 0:
            self._reported = total
            self._on_bytes(delta)
            if self._transport is not None:
                self.request.sentLength += delta

    def finish(self) -> None:
        """The body is complete."""
        if not self.closed:
            channel = self.request.channel  # gone from a Request once finished
            transport = self._transport or getattr(channel, "transport", None)
            self.close()
            self.request.finish()
            if self._on_done is not None:
                size = sum(len(p.data) for p in self.pieces if isinstance(p, Memory)) \
                    + self._copied
                elapsed = time.monotonic() - self._started
                done = self._on_done
                # The connection's own (``RevengeChannel``), so that one check waits at a time
                deliveries = getattr(channel, "deliveries", None) or Deliveries()
                deliveries.time(transport, size, elapsed, self._clock,
                                lambda seconds: done(size, seconds))

    def abort(self) -> None:
        """The body cannot be completed: close the file and cut the connection, so the
        client sees a short body rather than waiting for bytes that will not come."""
        self.close()
        transport = getattr(self.request.channel, "transport", None)
        if transport is not None:
            transport.abortConnection()

    def close(self) -> None:
        """Close the file (once)."""
        if not self.closed:
            self.report()
            if self._transport is not None:
                # Freeze the count: the connection may serve other requests after this one.
                self._copied = self.bytes_read
                self._transport = None
            self.closed = True
            Writing.now -= 1
            if self._fd is not None:
                os.close(self._fd)


@implementer(IPushProducer)
class _CopyingProducer:
    """Reads 64 KiB at a time while the transport is not full; the fallback for transports
    that cannot ``sendfile`` (TLS, tests' plain ``tcp.Port``, proxies)."""

    def __init__(self, writer: BodyWriter) -> None:
        self._writer = writer
        self._paused = False
        self._piece = 0
        self._offset = 0  # within the current range piece
        self._step = 0

    def start(self) -> None:
        self._writer.request.registerProducer(self, True)
        self._produce()

    def _produce(self) -> None:
        writer = self._writer
        request = writer.request
        pieces = writer.pieces
        # request.write() may pause us (the transport's buffer filled) before it returns.
        while not self._paused and not writer.closed and self._piece < len(pieces):
            piece = pieces[self._piece]
            if isinstance(piece, bytes):
                request.write(piece)
                self._piece += 1
                continue
            if isinstance(piece, Memory):
                chunk = piece.data[self._offset : self._offset + CHUNK]
                self._offset += len(chunk)
                if self._offset >= len(piece.data):
                    self._piece += 1
                    self._offset = 0
                request.write(chunk)
                continue
            assert writer.fd is not None
            size = min(CHUNK, piece.length - self._offset)
            try:
                data = os.pread(writer.fd, size, piece.start + self._offset)
            except OSError as e:
                _log.error("reading a media file failed: {error}", error=e.strerror)
                data = b""
            if not data:
                if not writer.closed:
                    _log.warn("media file ended early while being sent")
                request.unregisterProducer()
                writer.abort()
                return
            writer._copied += len(data)
            self._offset += len(data)
            self._step += len(data)
            if self._step >= STEP:
                self._step = 0
                writer.report()
            request.write(data)
            if self._offset >= piece.length:
                self._piece += 1
                self._offset = 0
        if self._piece >= len(pieces) and not writer.closed:
            request.unregisterProducer()
            writer.finish()

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        self._paused = False
        self._produce()

    def stopProducing(self) -> None:
        self._writer.close()
