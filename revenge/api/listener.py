"""Listening services: plain TCP endpoints get zero-copy-capable transports; other endpoint
types (``unix:``, ``ssl:``...) go through Twisted's strports as they are."""

from __future__ import annotations

import re
from typing import Any

import attrs
from twisted.application import strports
from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IListeningPort, IProtocolFactory

from revenge.files.zerocopy import SendfilePort

_PLAIN_TCP = re.compile(r"^tcp:(?:port=)?(\d+)(?::interface=([^:]*))?(?::backlog=(\d+))?$")


@attrs.define(eq=False)
class TCPListenerService(Service):
    """Listens on a TCP port with ``SendfilePort``; ``bound`` fires with the port number.

    A connection whose client takes no byte of a response for ``write_timeout`` seconds is
    aborted (None: never).
    """

    port_number: int
    factory: IProtocolFactory
    interface: str = attrs.field(kw_only=True)
    backlog: int = attrs.field(kw_only=True)
    reactor: Any = attrs.field(kw_only=True)
    write_timeout: float | None = attrs.field(default=None, kw_only=True)
    _port: IListeningPort | None = attrs.field(default=None, init=False)
    bound: Deferred[int] = attrs.field(factory=Deferred, init=False)

    def privilegedStartService(self) -> None:
        # Bind early (before twistd drops privileges), as strports services do.
        port = SendfilePort(self.port_number, self.factory, self.backlog, self.interface,
                            self.reactor, write_timeout=self.write_timeout)
        port.startListening()
        self._port = port
        super().privilegedStartService()  # type: ignore[no-untyped-call]
        self.bound.callback(port.getHost().port)  # type: ignore[no-untyped-call]

    def startService(self) -> None:
        if self._port is None:
            self.privilegedStartService()
        super().startService()  # type: ignore[no-untyped-call]

    def stopService(self) -> Deferred[None] | None:
        super().stopService()  # type: ignore[no-untyped-call]
        if self._port is not None:
            port, self._port = self._port, None
            return port.stopListening()
        return None


def listener(description: str, factory: IProtocolFactory, *, reactor: Any,
             write_timeout: float | None = None) -> Service:
    """The service listening on ``description`` (a Twisted endpoint string).

    ``write_timeout`` applies to plain TCP listeners; other endpoint types make their own
    transports, which have no write-progress timeout.
    """
    match = _PLAIN_TCP.match(description)
    if match is None:
        return strports.service(description, factory)
    port, interface, backlog = match.groups()
    return TCPListenerService(int(port), factory, interface=interface or "",
                              backlog=int(backlog or 50), reactor=reactor,
                              write_timeout=write_timeout)
