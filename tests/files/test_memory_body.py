"""The segment writer over real loopback TCP: backpressure from a slow reader, a disconnect
stops the writing, HEAD sends headers only, and it works when a Klein route returns it."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread
from twisted.logger import capturedLogs
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from revenge.api.segments import write_segment
from revenge.files.producers import CHUNK
from revenge.files.zerocopy import SendfilePort
from tests.loopback import listen, port_number, stop_listening

DATA = bytes(i % 251 for i in range(8 * 1024 * 1024))
# Between what the producer handed over and what the client read sit one chunk, Twisted's
# 64 KiB buffer and the two (shrunk) kernel socket buffers; the segment is far larger.
WINDOW = CHUNK + 512 * 1024


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
        write: Callable[[bytes], None] = request.write  # (``Request.write`` is untyped)

        def counting(chunk: bytes) -> None:
            self.handed += len(chunk)
            if self.outcomes:
                self.after_loss += len(chunk)
            write(chunk)

        request.write = counting  # type: ignore[method-assign]
        request.notifyFinish().addBoth(self.outcomes.append)
        write_segment(request, DATA, kind="video/mp2t",
                      on_sent=lambda n, s: self.sent.append((n, s)))
        return NOT_DONE_YET


@pytest_twisted.async_yield_fixture
async def spy() -> AsyncIterator[tuple[Spy, int]]:
    resource = Spy()
    port = listen(Site(resource))
    yield resource, port_number(port)
    await stop_listening(port)


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


def _fetch(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(request)
        raw = b""
        while chunk := client.recv(1 << 20):
            raw += chunk
    return raw


@pytest_twisted.ensureDeferred
async def test_one_range_is_a_206_and_a_range_past_the_end_a_416(spy: tuple[Spy, int]) -> None:
    _, port = spy
    raw = await deferToThread(_fetch, port, b"GET /s HTTP/1.1\r\nHost: x\r\n"
                              b"Range: bytes=100-199\r\nConnection: close\r\n\r\n")
    headers, body = _split(raw)
    assert raw.startswith(b"HTTP/1.1 206 ") and body == DATA[100:200]
    assert headers["content-range"] == f"bytes 100-199/{len(DATA)}"
    assert headers["accept-ranges"] == "bytes"
    raw = await deferToThread(_fetch, port, b"GET /s HTTP/1.1\r\nHost: x\r\n"
                              b"Range: bytes=99999999-\r\nConnection: close\r\n\r\n")
    headers, body = _split(raw)
    assert raw.startswith(b"HTTP/1.1 416 ") and b"range_not_satisfiable" in body
    assert headers["content-range"] == f"bytes */{len(DATA)}"


@pytest_twisted.ensureDeferred
async def test_zero_copy_sends_the_segment_whole_and_times_the_client() -> None:
    resource = Spy()
    port = SendfilePort(0, Site(resource), 50, "127.0.0.1", reactor)
    port.startListening()
    try:
        raw = await deferToThread(_fetch, port_number(port),
                                  b"GET /s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    finally:
        await stop_listening(port)
    headers, body = _split(raw)
    assert headers["content-length"] == str(len(DATA)) and body == DATA
    assert resource.handed == 0  # nothing went through request.write but the headers
    await _poll(lambda: bool(resource.sent), "the timing")
    size, seconds = resource.sent[0]
    assert size == len(DATA) and seconds > 0
