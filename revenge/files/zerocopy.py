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
import os
import socket
from collections import deque
from typing import Any

import attrs
from twisted.internet import error, tcp
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from revenge.files.delivery import unacknowledged

_PER_WAKEUP = 4 * 1024 * 1024  # bytes sent per writable event before yielding to the reactor
_CHECKS = 4  # progress checks per write timeout: a stall is cut within 1.25 of it
_log = Logger()


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
        seen = (self._sent, unacknowledged(self.socket))
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
        # A region follows. One of memory (a segment) leaves in the same ``sendmsg`` as these
        # bytes (its head): one system call, and one pass through TCP, for the response.
        # Before a file region, MSG_MORE lets the kernel put these few bytes in the same
        # segment as its first bytes (what nginx's tcp_nopush does, without a cork to forget).
        head = data[: self.SEND_LIMIT]
        region = self._regions[0]
        try:
            # Only when these bytes are all that is buffered ahead of the region (Twisted
            # joins its list buffer into ``data`` below SEND_LIMIT).
            if region.memory is None or len(head) < len(data) or self._tempDataLen:
                return self.socket.send(head, socket.MSG_MORE)
            start = region.offset
            sent = self.socket.sendmsg(
                [head, region.memory[start : start + min(region.remaining, _PER_WAKEUP)]])
        except BlockingIOError:
            return 0
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                return 0
            return error.ConnectionLost(e.strerror)
        body = sent - len(head)
        if body <= 0:
            return sent
        # The region's share; it is completed (its Deferred fired) by _send_regions, once
        # Twisted's buffer has accounted for the head.
        region.offset += body
        region.remaining -= body
        self._sent += body
        return len(head)

    def _send_regions(self) -> Exception | None:
        sent = 0
        while self._regions and self._buffer_empty() and sent < _PER_WAKEUP:
            region = self._regions[0]
            if region.remaining == 0:  # sent with the head before it (_send_more)
                self._regions.popleft()
                region.done.callback(None)
                continue
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
