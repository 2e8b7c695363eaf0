"""Serving a factory on an ephemeral 127.0.0.1 port of the global reactor, for the tests
that talk real TCP, typed where Twisted's own annotations fall short."""

from __future__ import annotations

from typing import Any

from twisted.internet import reactor
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IListeningPort
from twisted.internet.protocol import ServerFactory


def listen(factory: ServerFactory[Any]) -> IListeningPort:
    """``factory`` (a ``Site``, say) listening on an ephemeral loopback port."""
    # ``listenTCP`` takes a bare ``ServerFactory``, whose protocol type defaults to one that
    # ``Site`` (a ``ServerFactory`` of HTTP channels) is not: any factory goes through ``Any``.
    return reactor.listenTCP(0, factory, interface="127.0.0.1")


def port_number(port: IListeningPort) -> int:
    """The TCP port ``port`` listens on."""
    host = port.getHost()
    assert isinstance(host, IPv4Address), host
    return host.port


async def stop_listening(port: IListeningPort) -> None:
    """Stop ``port``, waiting until it has (``IListeningPort`` may answer ``None``)."""
    stopped = port.stopListening()
    if stopped is not None:
        await stopped
