"""Writing a response body made of file regions and literal bytes (multipart boundaries).

Zero-copy with ``os.sendfile`` where the transport offers it (``SendfileServer``); else a
push producer reading 64 KiB at a time only while the transport wants more. Either way a
client that goes away stops the work and closes the file at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IPushProducer
from twisted.logger import Logger
from twisted.web.server import Request
from zope.interface import implementer

from revenge.files.metrics import ACTIVE_STREAMS
from revenge.files.ranges import ByteRange
from revenge.files.zerocopy import SendfileServer

CHUNK = 64 * 1024
Piece = bytes | ByteRange
_log = Logger()


class BodyWriter:
    """Sends ``pieces`` of ``fd`` to ``request``, then finishes it and closes ``fd``.

    ``bytes_read`` counts what was taken from the file so far (for tests of backpressure).
    """

    def __init__(self, request: Request, fd: int, pieces: Sequence[Piece], *,
                 on_bytes: Callable[[int], None]) -> None:
        self.request = request
        self._fd = fd
        self._pieces = list(pieces)
        self._on_bytes = on_bytes
        self.bytes_read = 0
        self.closed = False

    def start(self) -> None:
        """Begin writing."""
        ACTIVE_STREAMS.inc()
        self.request.notifyFinish().addErrback(lambda _: self.close())
        transport = getattr(self.request.channel, "transport", None)
        if isinstance(transport, SendfileServer) and not getattr(transport, "TLS", False):
            Deferred.fromCoroutine(self._zero_copy(transport)).addErrback(self._failed)
        else:
            _ChunkProducer(self).start()

    async def _zero_copy(self, transport: SendfileServer) -> None:
        self.request.write(b"")  # the headers, queued ahead of the first region
        for piece in self._pieces:
            if self.closed:
                return
            if isinstance(piece, bytes):
                self.request.write(piece)
            else:
                await transport.sendfile(self._fd, piece.start, piece.length)
                self.bytes_read += piece.length
                self.request.sentLength += piece.length
                self._on_bytes(piece.length)
        self.finish()

    def _failed(self, failure: object) -> None:
        # The connection went away mid-body (or the file shrank): stop, close.
        self.close()

    def finish(self) -> None:
        """The body is complete."""
        if not self.closed:
            self.close()
            self.request.finish()

    def close(self) -> None:
        """Close the file (once)."""
        if not self.closed:
            self.closed = True
            ACTIVE_STREAMS.dec()
            os.close(self._fd)


@implementer(IPushProducer)
class _ChunkProducer:
    """Reads 64 KiB at a time while the transport is not full; the copying fallback."""

    def __init__(self, writer: BodyWriter) -> None:
        self._writer = writer
        self._paused = False
        self._piece = 0
        self._offset = 0  # within the current range piece

    def start(self) -> None:
        self._writer.request.registerProducer(self, True)
        self._produce()

    def _produce(self) -> None:
        writer = self._writer
        pieces = writer._pieces
        while not self._paused and not writer.closed and self._piece < len(pieces):
            piece = pieces[self._piece]
            if isinstance(piece, bytes):
                writer.request.write(piece)
                self._piece += 1
                continue
            size = min(CHUNK, piece.length - self._offset)
            data = os.pread(writer._fd, size, piece.start + self._offset)
            if not data:
                _log.warn("file shrank while being sent")
                writer.request.unregisterProducer()
                writer.close()
                writer.request.loseConnection()
                return
            writer.bytes_read += len(data)
            self._offset += len(data)
            writer._on_bytes(len(data))
            writer.request.write(data)
            if self._offset >= piece.length:
                self._piece += 1
                self._offset = 0
        if self._piece >= len(pieces) and not writer.closed and not self._paused:
            writer.request.unregisterProducer()
            writer.finish()

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        self._paused = False
        self._produce()

    def stopProducing(self) -> None:
        self._writer.close()
