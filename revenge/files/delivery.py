"""How long a client took for each response on its connection: what adaptation measures a
player's network by.

A write ends when the kernel has the bytes, not the client: a slow client's socket buffer
can hold a good part of a segment. What is still unacknowledged is read when the response
is written and, while much is, again after waits doubling from 50 ms (7 at most), the rest
of the time extrapolated from the pace so far.

One check at a time waits per connection. A player fetching back to back asks for the next
segment before the last check of the previous one was due: the new response then settles
the earlier one at once, since what the socket holds beyond the new response is the
earlier one's. Under load that spares a timer and a wakeup per segment.
"""

from __future__ import annotations

import fcntl
import struct
import termios
from collections.abc import Callable

import attrs
from twisted.internet.interfaces import IDelayedCall, IReactorTime

FIRST_WAIT = 0.05  # seconds before the first check of what the client has not acknowledged
LAST_WAIT = 3.2  # the wait after which a delivery is settled with what is known


def unacknowledged(sock: object) -> int:
    """Bytes in the kernel's send queue the client has not acknowledged (0 if unknown)."""
    try:
        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        return 0
    return int(struct.unpack("i", raw)[0])


def queued_on(transport: object) -> int:
    """What the client has not acknowledged of what was written to ``transport``."""
    try:
        sock = transport.getHandle()  # type: ignore[attr-defined]
    except AttributeError:  # not a socket transport, or closed since (it drops its socket)
        return 0
    return unacknowledged(sock)


@attrs.define
class _Delivery:
    transport: object
    clock: IReactorTime
    size: int
    began: float  # clock time of its first byte written
    report: Callable[[float], None]

    def settle(self, queued: int) -> None:
        now = self.clock.seconds()
        self.report((now - self.began) * self.size / max(1, self.size - queued))


class Deliveries:
    """The delivery timing of one connection (``queued`` reads its unacknowledged bytes)."""

    def __init__(self, queued: Callable[[object], int] = queued_on) -> None:
        self._queued = queued
        self._waiting: _Delivery | None = None
        self._check: IDelayedCall | None = None
        self._wait = FIRST_WAIT

    def time(self, transport: object, size: int, elapsed: float, clock: IReactorTime,
             report: Callable[[float], None]) -> None:
        """Tell ``report`` how many seconds the client took for the ``size`` bytes just
        written to ``transport``, the last of them ``elapsed`` seconds after the first."""
        now = clock.seconds()
        queued = self._queued(transport)
        earlier, self._waiting = self._waiting, None
        if earlier is not None:
            earlier.settle(max(0, queued - size))
            queued = min(queued, size)
        delivery = _Delivery(transport, clock, size, now - elapsed, report)
        if queued * 4 <= size:
            delivery.settle(queued)
            return
        self._waiting = delivery
        self._wait = FIRST_WAIT
        if self._check is None:
            self._check = clock.callLater(FIRST_WAIT, self._look)
        elif self._check.getTime() > now + FIRST_WAIT:  # an earlier one's long wait
            self._check.reset(FIRST_WAIT)

    def _look(self) -> None:
        self._check = None
        delivery = self._waiting
        if delivery is None:
            return  # settled by a later response
        queued = self._queued(delivery.transport)
        if queued * 4 <= delivery.size or self._wait >= LAST_WAIT:
            self._waiting = None
            delivery.settle(queued)
            return
        self._wait *= 2
        self._check = delivery.clock.callLater(self._wait, self._look)
