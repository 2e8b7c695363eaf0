"""A TCP transport that can send file regions with ``os.sendfile`` (zero-copy), in order with
ordinary writes, and the listening port that makes such transports.

A region waits until everything written before it has left Twisted's buffer, then goes from
the page cache to the socket without passing through Python; the kernel's socket buffer is
the only buffer, so a slow reader costs no memory here.
"""

from __future__ import annotations

import errno
import os
import socket
from collections import deque
from typing import Any

import attrs
from twisted.internet import error, tcp
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

_PER_WAKEUP = 4 * 1024 * 1024  # bytes sent per writable event before yielding to the reactor


class TruncatedFile(OSError):
    """The file ended before the region promised to the client did."""


@attrs.define
class _Region:
    fd: int  # -1 for a region of memory
    offset: int
    remaining: int
    done: Deferred[None]
    memory: memoryview | None = None


class SendfileServer(tcp.Server):
    """``tcp.Server`` plus ``sendfile(fd, offset, count)`` and ``send_buffer(data)``.

    ``file_bytes_sent`` counts what ``os.sendfile`` has handed to the kernel on this
    connection: the only bytes of a file this process ever "reads" when zero-copy.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._regions: deque[_Region] = deque()
        self.file_bytes_sent = 0

    def sendfile(self, fd: int, offset: int, count: int) -> Deferred[None]:
        """Send ``count`` bytes of ``fd`` from ``offset`` after what was written so far;
        fires when the kernel has taken them, fails if the connection is lost first."""
        done: Deferred[None] = Deferred()
        if count <= 0:
            done.callback(None)
            return done
        self._regions.append(_Region(fd, offset, count, done))
        self.startWriting()  # type: ignore[no-untyped-call]
        return done

    def send_buffer(self, data: bytes) -> Deferred[None]:
        """Send ``data`` after what was written so far, straight from this object: no copy
        into Twisted's buffer (the kernel's copy is the only one). Fires when the kernel has
        taken it all; fails if the connection is lost first."""
        done: Deferred[None] = Deferred()
        if not data:
            done.callback(None)
            return done
        self._regions.append(_Region(-1, 0, len(data), done, memoryview(data)))
        self.startWriting()  # type: ignore[no-untyped-call]
        return done

    def _buffer_empty(self) -> bool:
        return self.offset == len(self.dataBuffer) and not self._tempDataLen

    def doWrite(self) -> Any:
        if self._regions:
            if not self._buffer_empty():
                # Bytes (the response headers, a part header) ahead of a region: flush them,
                # and once they are all gone go on to the region in this same wakeup.
                result = super().doWrite()  # type: ignore[no-untyped-call]
                if result is not None or not self._buffer_empty():
                    return result
            error = self._send_regions()
            if error is not None:
                return error
            if self._regions:
                self.startWriting()  # type: ignore[no-untyped-call]  # stay registered
                return None
        result = super().doWrite()  # type: ignore[no-untyped-call]
        if self._regions and result is None:
            self.startWriting()  # type: ignore[no-untyped-call]  # regions are next
        return result

    def writeSomeData(self, data: bytes) -> int | error.ConnectionLost:
        if not self._regions:
            return super().writeSomeData(data)
        # A region follows: MSG_MORE lets the kernel put these few bytes in the same segment
        # as its first bytes (what nginx's tcp_nopush does, without a cork to forget).
        try:
            return self.socket.send(data[: self.SEND_LIMIT], socket.MSG_MORE)
        except BlockingIOError:
            return 0
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                return 0
            return error.ConnectionLost(e.strerror)

    def _send_regions(self) -> Exception | None:
        sent = 0
        while self._regions and self._buffer_empty() and sent < _PER_WAKEUP:
            region = self._regions[0]
            size = min(region.remaining, _PER_WAKEUP)
            try:
                if region.memory is not None:
                    n = self.socket.send(region.memory[region.offset : region.offset + size])
                else:
                    n = os.sendfile(self.socket.fileno(), region.fd, region.offset, size)
            except BlockingIOError:
                return None
            except OSError as e:
                # As tcp.Connection.writeSomeData: a socket error is the connection lost.
                return error.ConnectionLost(e.strerror)
            if region.memory is None:
                if n == 0:  # the file is shorter than promised
                    self._regions.popleft()
                    region.done.errback(TruncatedFile("file truncated while being sent"))
                    continue
                self.file_bytes_sent += n
            region.offset += n
            region.remaining -= n
            sent += n
            if region.remaining == 0:
                self._regions.popleft()
                region.done.callback(None)  # may write more, in order, behind us
        return None

    def connectionLost(self, reason: Failure) -> None:
        regions, self._regions = self._regions, deque()
        for region in regions:
            region.done.errback(reason)
        super().connectionLost(reason)


class SendfilePort(tcp.Port):
    """A listening TCP port whose connections are ``SendfileServer`` transports."""

    transport = SendfileServer
