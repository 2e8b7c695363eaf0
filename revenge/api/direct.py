"""Responses written straight from a parsed request head, without a twisted.web ``Request``.

A route may answer its most common request this way (``RevengeSite.direct``): the internal
stream's plain reads, where twisted.web's request machinery cost more than the read. It
takes only heads it can answer exactly as its twisted.web resource would, byte for byte, and
leaves every other to that resource. ``DirectRequest`` stands in for the ``Request`` so that
the channel, the body writer and the site's accounting treat the response as any other.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from twisted.python.failure import Failure
from twisted.web.http import RESPONSES

if TYPE_CHECKING:
    from revenge.api.channel import RevengeChannel
    from revenge.api.request_head import Head


def response_head(code: int, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The status line and headers, as ``RevengeChannel.writeHeaders`` writes them."""
    lines = [b"HTTP/1.1 %d %s" % (code, RESPONSES[code])]
    lines.extend(name + b": " + value for name, value in headers)
    lines.append(b"\r\n")
    return b"\r\n".join(lines)


class DirectRequest:
    """A response under way on ``channel`` to ``head``, its status line and headers
    ``response_head``: queued on the channel as a received request is, and accounted for by
    its site when it ends (``finish``) or the client goes (``connectionLost``).

    What twisted.web's ``Request`` offers ``BodyWriter`` on a zero-copy transport: ``channel``,
    ``write`` (the first one sends the head), ``sentLength`` and ``finish``.
    """

    logged = False  # the site's access accounting, as for any request

    def __init__(self, channel: RevengeChannel, head: Head, *, route: str, code: int,
                 response_head: bytes) -> None:
        self.channel = channel
        self.method = head.command
        self.path = head.path
        self.route = route
        self.code = code
        self.sentLength = 0
        self.finished = False
        self.started = time.monotonic()
        self._head = response_head
        self._site = channel.site
        self._site.in_flight.add(self)
        channel.begin_direct(self)

    def write(self, data: bytes) -> None:
        transport = self.channel.transport
        if transport is None:
            return
        if self._head:
            transport.write(self._head)
            self._head = b""
        if data:
            transport.write(data)

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self._site.in_flight.discard(self)
        self._site.log_request(self, aborted=False)
        self.channel.requestDone(self)  # type: ignore[no-untyped-call]

    def connectionLost(self, reason: Failure) -> None:
        """The client went before the end (told by the channel)."""
        if not self.finished:
            self.finished = True
            self._site.in_flight.discard(self)
            self._site.log_request(self, aborted=True)
