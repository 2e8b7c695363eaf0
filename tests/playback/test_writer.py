"""The segment writer over real loopback TCP: backpressure from a slow reader, a disconnect
stops the writing, HEAD sends headers only, and it works when a Klein route returns it."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_twisted
from klein import Klein
from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.logger import capturedLogs
from twisted.web.resource import IResource, Resource
from twisted.web.server import Request, Site

from revenge.playback.writer import SLICE, SegmentResource, write_segment

DATA = bytes(i % 251 for i in range(8 * 1024 * 1024))
# Between what the producer handed over and what the client read sit one slice, Twisted's
# 64 KiB buffer and the two (shrunk) kernel socket buffers; the segment is far larger.
WINDOW = SLICE + 512 * 1024


class Spy(Resource):
    """Serves DATA through write_segment, counting what is handed to the request."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.handed = 0
        self.after_loss = 0
        self.outcomes: list[Any] = []
        self.sent: list[tuple[int, float]] = []

    def render(self, request: Request) -> int:
        # A small, fixed send buffer, so the kernel cannot swallow the whole segment.
        request.transport.getHandle().setsockopt(  # type: ignore[union-attr]
            socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
        write = request.write

        def counting(chunk: bytes) -> None:
            self.handed += len(chunk)
            if self.outcomes:
                self.after_loss += len(chunk)
            write(chunk)

        request.write = counting  # type: ignore[method-assign]
        request.notifyFinish().addBoth(self.outcomes.append)
        return write_segment(request, DATA, content_type="video/mp2t",
                             on_sent=lambda n, s: self.sent.append((n, s)))


@pytest_twisted.async_yield_fixture
async def spy() -> AsyncIterator[tuple[Spy, int]]:
    resource = Spy()
    port = reactor.listenTCP(0, Site(resource), interface="127.0.0.1")  # type: ignore[attr-defined]
    yield resource, port.getHost().port  # type: ignore[attr-defined]
    await port.stopListening()


async def _poll(until: Callable[[], bool], what: str, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while not until():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await deferLater(reactor, 0.002, lambda: None)


def _client(port: int, request: bytes) -> socket.socket:
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    client.connect(("127.0.0.1", port))
    client.sendall(request)
    client.setblocking(False)
    return client


def _recv(client: socket.socket, size: int) -> bytes | None:
    """What is there (b"" at EOF), or None if nothing is yet."""
    try:
        return client.recv(size)
    except BlockingIOError:
        return None


def _split(raw: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}, body


GET = b"GET /s HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest_twisted.ensureDeferred
async def test_a_slow_reader_pauses_the_producer(spy: tuple[Spy, int]) -> None:
    resource, port = spy
    client = _client(port, GET)
    try:
        await _poll(lambda: resource.handed > 0, "the response to start")
        # The client reads nothing: the producer must stop handing bytes over.
        stable, last = 0, -1
        while stable < 25:
            await deferLater(reactor, 0.002, lambda: None)
            stable, last = (stable + 1, last) if resource.handed == last else (0,
                                                                              resource.handed)
        assert resource.handed <= WINDOW < len(DATA)
        raw = b""
        window = 0
        while True:
            chunk = _recv(client, 16 * 1024)
            if chunk is None:
                await deferLater(reactor, 0.002, lambda: None)
                continue
            raw += chunk
            body = len(raw.partition(b"\r\n\r\n")[2])
            window = max(window, resource.handed - body)
            if body >= len(DATA):
                break
            await deferLater(reactor, 0, lambda: None)  # let the server catch up
        headers, body_bytes = _split(raw)
        assert headers["content-length"] == str(len(DATA))
        assert headers["content-type"] == "video/mp2t"
        assert body_bytes == DATA
        assert 0 < window <= WINDOW, window
        await _poll(lambda: bool(resource.outcomes and resource.sent), "the finish")
        assert resource.outcomes == [None]
        assert resource.sent[0][0] == len(DATA) and resource.sent[0][1] >= 0
    finally:
        client.close()


@pytest_twisted.ensureDeferred
async def test_a_client_gone_stops_the_writing(spy: tuple[Spy, int]) -> None:
    resource, port = spy
    with capturedLogs() as events:
        client = _client(port, GET)
        await _poll(lambda: _recv(client, 64 * 1024) not in (None, b""), "some bytes")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        client.close()  # a reset, as a player closing its tab
        await _poll(lambda: bool(resource.outcomes), "the server to notice")
        handed = resource.handed
        for _ in range(20):
            await deferLater(reactor, 0.002, lambda: None)
    assert resource.handed == handed < len(DATA)
    assert resource.after_loss == 0
    assert resource.outcomes[0] is not None  # a Failure: connection lost, not finished
    assert resource.sent == []
    assert not [e for e in events if e.get("log_failure") is not None or e.get("isError")]


@pytest_twisted.ensureDeferred
async def test_head_sends_the_headers_only(spy: tuple[Spy, int]) -> None:
    resource, port = spy
    client = _client(port, b"HEAD /s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    raw = b""
    try:
        while (chunk := _recv(client, 65536)) != b"":
            if chunk is None:
                await deferLater(reactor, 0.002, lambda: None)
            else:
                raw += chunk
    finally:
        client.close()
    headers, body = _split(raw)
    assert raw.startswith(b"HTTP/1.1 200 ")
    assert headers["content-length"] == str(len(DATA)) and body == b""
    assert resource.handed == 0


@pytest.fixture
def klein_port() -> Any:
    app = Klein()

    @app.route("/segment/<string:name>", methods=["GET", "HEAD"])
    def segment(request: Request, name: str) -> IResource:
        request.setHeader(b"X-Served-From", b"cache")
        return SegmentResource(DATA, content_type="video/mp2t")

    port = reactor.listenTCP(0, Site(app.resource()), interface="127.0.0.1")  # type: ignore[attr-defined]
    yield port.getHost().port
    port.stopListening()


@pytest_twisted.ensureDeferred
async def test_it_works_when_a_klein_route_returns_it(klein_port: int) -> None:
    client = _client(klein_port, b"GET /segment/1.ts HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n\r\n")
    raw = b""
    try:
        while (chunk := _recv(client, 1 << 20)) != b"":
            if chunk is None:
                await deferLater(reactor, 0.001, lambda: None)
            else:
                raw += chunk
    finally:
        client.close()
    headers, body = _split(raw)
    assert raw.startswith(b"HTTP/1.1 200 ")
    assert headers["x-served-from"] == "cache"
    assert headers["content-length"] == str(len(DATA)) and body == DATA
