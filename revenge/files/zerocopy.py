"""A TCP transport that can send file regions with ``os.sendfile`` (zero-copy), in order with
ordinary writes, and the listening port that makes such transports.

A region waits until everything written before it has left Twisted's buffer, then goes from
the page cache to the socket without passing through Python; the kernel's socket buffer is
the only buffer, so a slow reader costs no memory here.

The transport also cuts off a client that stops taking bytes: while anything is waiting to be
sent and the client has taken none of it for the port's ``write_timeout`` seconds, the
connection is aborted (the response's file closes with it). twisted.web has no such timeout:
its idle timeout is off while a response is under way, so a stalled reader (a stopped
ffmpeg, a phone in a pocket) would hold its socket and file forever.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import struct
import termios
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs
from twisted.internet import error, tcp
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

_PER_WAKEUP = 4 * 1024 * 1024  # bytes sent per writable event before yielding to the reactor
_CHECKS = 4  # progress checks per write timeout: a stall is cut within 1.25 of it
_log = Logger()


def _unacknowledged(sock: socket.socket) -> int:
    """Bytes in the kernel's send queue the client has not acknowledged (0 if unknown)."""
    try:
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except (OSError, ValueError):
        return 0
    return int(struct.unpack("i", raw)[0])


def time_delivery(transport: object, size: int, elapsed: float, clock: IReactorTime,
                  report: Callable[[float], None], *, wait: float = 0.05) -> None:
    """Tell ``report`` how many seconds the client took for the last ``size`` bytes written
    to it, the last of them ``elapsed`` seconds after the first.

    The write ends when the kernel has the bytes, not the client: a slow client's socket
    buffer can hold a good part of a segment. What is still unacknowledged is read once
    (and, while much is, again after waits doubling from 50 ms, at most 7 times), and the
    rest of the time extrapolated from the pace so far.
    """
    try:
        queued = _unacknowledged(transport.getHandle())  # type: ignore[attr-defined]
    except AttributeError:  # not a socket transport, or closed since (it drops its socket)
        queued = 0
    if queued * 4 <= size or wait > 3.2:
        done = max(1, size - queued)
        report(elapsed * size / done)
        return
    clock.callLater(wait, time_delivery, transport, size, elapsed + wait, clock, report,
                    wait=wait * 2)


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

    # Class defaults: tcp.Server's constructor may already start or stop writing.
    _write_timeout: float | None = None
    _watchdog: IDelayedCall | None = None
    _idle = True  # nothing was waiting to be sent: the next write starts the clock
    _sent = 0  # bytes the kernel took from us, ever
    _seen = (0, 0)  # (_sent, bytes the client had not yet acknowledged) at the last check
    _progress_at = 0.0
    _held = False  # between hold() and release()
    _write_wanted = False  # something was written while held
    _sending_now = False  # inside release()'s send

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._regions: deque[_Region] = deque()
        self.file_bytes_sent = 0
        self._write_timeout = getattr(self.server, "write_timeout", None)
        self._clock = IReactorTime(self.reactor)

    def sendfile(self, fd: int, offset: int, count: int) -> Deferred[None]:
        """Send ``count`` bytes of ``fd`` from ``offset`` after what was written so far;
        fires when the kernel has taken them, fails if the connection is lost first."""
        done: Deferred[None] = Deferred()
        if count <= 0:
            done.callback(None)
            return done
        self._queue(_Region(fd, offset, count, done))
        return done

    def send_buffer(self, data: bytes) -> Deferred[None]:
        """Send ``data`` after what was written so far, straight from this object: no copy
        into Twisted's buffer (the kernel's copy is the only one). Fires when the kernel has
        taken it all; fails if the connection is lost first."""
        done: Deferred[None] = Deferred()
        if not data:
            done.callback(None)
            return done
        self._queue(_Region(-1, 0, len(data), done, memoryview(data)))
        return done

    def hold(self) -> None:
        """Gather what is written from now until ``release()`` (a response's head and body)."""
        self._held = True

    def release(self) -> None:
        """Send what was gathered since ``hold()``: at once, from this call, as far as the
        socket takes it (a short range then needs no trip through the reactor, nor any
        registering for writability); the rest, or an error (which the next attempt meets
        again), when the socket is writable."""
        self._held = False
        if not self._write_wanted:
            return
        self._write_wanted = False
        if self._sending_now or not self.connected or self.disconnecting \
                or self._writeDisconnected:
            self.startWriting()
            return
        self._sending_now = True
        try:
            result = self.doWrite()
        finally:
            self._sending_now = False
        if result is not None or self._regions or not self._buffer_empty():
            self.startWriting()

    def _queue(self, region: _Region) -> None:
        if not self.connected:
            region.done.errback(error.ConnectionLost("the connection is gone"))
            return
        self._regions.append(region)
        self.startWriting()

    def _buffer_empty(self) -> bool:
        return self.offset == len(self.dataBuffer) and not self._tempDataLen

    def startWriting(self) -> None:
        if self._held:
            self._write_wanted = True
            return
        super().startWriting()  # type: ignore[no-untyped-call]
        if self._idle and self._write_timeout:
            self._idle = False
            self._progress_at = self._clock.seconds()
            if self._watchdog is None:
                self._watchdog = self._clock.callLater(self._write_timeout / _CHECKS,
                                                       self._watch)

    def stopWriting(self) -> None:
        super().stopWriting()  # type: ignore[no-untyped-call]
        self._idle = True

    def _watch(self) -> None:
        """Abort once bytes have waited ``write_timeout`` seconds and the client took none.

        Taking is either the kernel accepting bytes from us or the client acknowledging
        bytes queued in the kernel: a slow reader frees socket buffer space in steps too
        small to make the socket writable, but it is reading.
        """
        self._watchdog = None
        if not self.connected or (self._buffer_empty() and not self._regions):
            return  # armed again by the next write
        assert self._write_timeout is not None
        now = self._clock.seconds()
        seen = (self._sent, _unacknowledged(self.socket))
        if seen[0] != self._seen[0] or seen[1] < self._seen[1]:
            self._progress_at = now
        self._seen = seen
        if now - self._progress_at < self._write_timeout:
            self._watchdog = self._clock.callLater(self._write_timeout / _CHECKS, self._watch)
            return
        peer = self.getPeer()  # type: ignore[no-untyped-call]
        _log.info("cutting off {peer}: it took no byte for {seconds:.1f} s", peer=str(peer),
                  seconds=now - self._progress_at)
        self.abortConnection()  # type: ignore[no-untyped-call]

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
                self.startWriting()  # stay registered
                return None
        result = super().doWrite()  # type: ignore[no-untyped-call]
        if self._regions and result is None:
            self.startWriting()  # regions are next
        return result

    def writeSomeData(self, data: bytes) -> int | error.ConnectionLost:
        if not data:  # doWrite with nothing buffered (a region was all there was)
            return 0
        if not self._regions:
            sent: int | error.ConnectionLost = super().writeSomeData(data)
        else:
            sent = self._send_more(data)
        if isinstance(sent, int):
            self._sent += sent
        return sent

    def _send_more(self, data: bytes) -> int | error.ConnectionLost:
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
            self._sent += n
            region.offset += n
            region.remaining -= n
            sent += n
            if region.remaining == 0:
                self._regions.popleft()
                region.done.callback(None)  # may write more, in order, behind us
        return None

    def connectionLost(self, reason: Failure) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        regions, self._regions = self._regions, deque()
        for region in regions:
            region.done.errback(reason)
        super().connectionLost(reason)


class SendfilePort(tcp.Port):
    """A listening TCP port whose connections are ``SendfileServer`` transports, cut off
    after ``write_timeout`` seconds without write progress (None: never)."""

    transport = SendfileServer

    def __init__(self, *args: Any, write_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.write_timeout = write_timeout
