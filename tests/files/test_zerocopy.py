"""The zero-copy transport's held writes: what is written between ``hold()`` and
``release()`` leaves together, from the releasing call when the socket takes it; a region
asked for on a connection already gone fails at once."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import attrs
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionLost
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from revenge.files.zerocopy import SendfilePort, SendfileServer
from tests.loopback import port_number, stop_listening

DATA = bytes(range(256)) * 8


def _read_all(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        return answer


@attrs.define
class _Seen:
    """What the protocol saw of its transport while writing."""

    fired_while_held: bool | None = None
    fired_by_release: bool | None = None
    writing_after: bool | None = None
    late_region: Failure | None = None
    sends: list[str] = attrs.field(factory=list)  # the socket's send calls, by name
    lost: Deferred[None] = attrs.field(factory=Deferred)


class _CountingSocket:
    """A socket that counts the calls that send."""

    def __init__(self, sock: socket.socket, calls: list[str]) -> None:
        self._sock = sock
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        if name in ("send", "sendmsg", "sendall"):
            self._calls.append(name)
        return getattr(self._sock, name)


class _HeadAndRegion(Protocol):
    def __init__(self, seen: _Seen, fd: int, *, memory: bool = False,
                 head: bytes = b"head:") -> None:
        self.seen = seen
        self.fd = fd
        self.memory = memory
        self.head = head

    def connectionMade(self) -> None:
        transport = self.transport
        assert isinstance(transport, SendfileServer)
        transport.socket = _CountingSocket(transport.socket, self.seen.sends)
        transport.hold()
        transport.write(self.head)
        sent = transport.send_buffer(DATA) if self.memory \
            else transport.sendfile(self.fd, 0, len(DATA))
        self.seen.fired_while_held = sent.called
        transport.release()
        self.seen.fired_by_release = sent.called
        self.seen.writing_after = transport in reactor.getWriters()
        transport.loseConnection()

    def connectionLost(self, reason: Failure = Failure(ConnectionLost())) -> None:  # noqa: B008
        transport = self.transport
        assert isinstance(transport, SendfileServer)
        transport.sendfile(self.fd, 0, 10).addErrback(
            lambda failure: setattr(self.seen, "late_region", failure))
        self.seen.lost.callback(None)


async def _serve_once(tmp_path: Path, *, memory: bool = False,
                      head: bytes = b"head:") -> tuple[bytes, _Seen]:
    path = tmp_path / "m.bin"
    path.write_bytes(DATA)
    fd = os.open(path, os.O_RDONLY)
    seen = _Seen()
    factory: Any = ServerFactory.forProtocol(
        lambda: _HeadAndRegion(seen, fd, memory=memory, head=head))
    port = SendfilePort(0, factory, 50, "127.0.0.1", reactor)
    port.startListening()
    try:
        answer = await deferToThread(_read_all, port_number(port))
        await seen.lost
    finally:
        os.close(fd)
        await stop_listening(port)
    return answer, seen


@pytest_twisted.ensureDeferred
async def test_held_writes_leave_together_from_the_releasing_call(tmp_path: Path) -> None:
    answer, seen = await _serve_once(tmp_path)
    assert answer == b"head:" + DATA
    assert seen.fired_while_held is False
    assert seen.fired_by_release is True  # the socket took it all in the call
    assert seen.writing_after is False  # and the reactor was never asked to wait for it


@pytest_twisted.ensureDeferred
async def test_a_head_and_the_memory_after_it_leave_in_one_system_call(tmp_path: Path) -> None:
    answer, seen = await _serve_once(tmp_path, memory=True)
    assert answer == b"head:" + DATA
    assert seen.fired_by_release is True
    assert seen.sends == ["sendmsg"]  # not a send of the head, then one of the body


@pytest_twisted.ensureDeferred
async def test_memory_after_more_than_one_send_of_buffered_bytes_keeps_its_place(
        tmp_path: Path) -> None:
    head = os.urandom(3 * SendfileServer.SEND_LIMIT // 2)
    answer, _ = await _serve_once(tmp_path, memory=True, head=head)
    assert answer == head + DATA


@pytest_twisted.ensureDeferred
async def test_a_region_after_the_connection_is_gone_fails_at_once(tmp_path: Path) -> None:
    _, seen = await _serve_once(tmp_path)
    assert seen.late_region is not None and seen.late_region.check(ConnectionLost)
