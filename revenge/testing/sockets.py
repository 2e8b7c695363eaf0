"""A site's channel on a real TCP connection through the listeners' zero-copy transport,
driven in-process: the bytes it writes can be read from the client's socket at once."""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet.protocol import Protocol
from twisted.web.server import Site

from revenge.files.zerocopy import SendfileServer


class _Port:  # what a SendfileServer asks of the port that accepted it
    write_timeout = 60.0
    _realPortNumber = 8080
    _type = "TCP"


def zero_copy_connection(site: Site, reactor: Any) -> tuple[Protocol, socket.socket]:
    """A channel of ``site`` on a real loopback connection, and the client's socket."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(1)
    client = socket.create_connection(listening.getsockname())
    accepted, _ = listening.accept()
    listening.close()
    accepted.setblocking(False)
    protocol = site.buildProtocol(("127.0.0.1", 1))
    assert protocol is not None
    transport = SendfileServer(accepted, protocol, ("127.0.0.1", 1), _Port(), 1, reactor)
    protocol.makeConnection(transport)
    return protocol, client
