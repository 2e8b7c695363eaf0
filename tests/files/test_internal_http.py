"""The internal listener's HTTP (twisted.web's, hardened by ``RevengeChannel``, over the
zero-copy transport): pipelining in order, keep-alive and close, clean JSON refusals, half-
closed clients, slow loris, and the write-progress timeout."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

from tests.files.server import TOKEN, StreamServer, active_streams

DATA = bytes(range(256)) * 40


@pytest_twisted.async_yield_fixture
async def internal(tmp_path: Path) -> AsyncIterator[int]:
    path = tmp_path / "m.mp4"
    path.write_bytes(DATA)
    running = StreamServer({"m1": path})
    port = running.start()
    yield port
    await running.stop()


def exchange(port: int, raw: bytes, *, half_close: bool = False) -> bytes:
    """Send ``raw``; read until the server closes, or keeps quiet for half a second (a
    keep-alive connection after its last answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
        s.sendall(raw)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
        return answer


def get(path: str, extra: str = "") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Revenge-Internal-Token: {TOKEN}\r\n"
            f"{extra}\r\n").encode()


@pytest_twisted.ensureDeferred
async def test_pipelined_requests_are_answered_in_order(internal: int) -> None:
    raw = (get("/internal/stream/m1", "Range: bytes=0-9\r\n")
           + get("/internal/stream/m1", "Range: bytes=10-19\r\n")
           + get("/internal/stream/m1", "Range: bytes=20-29\r\nConnection: close\r\n"))
    answer = await deferToThread(exchange, internal, raw)
    responses = answer.split(b"HTTP/1.1 ")[1:]
    assert [r.split(b" ", 1)[0] for r in responses] == [b"206"] * 3
    bodies = [r.split(b"\r\n\r\n", 1)[1] for r in responses]
    assert bodies == [DATA[0:10], DATA[10:20], DATA[20:30]]
    assert b"Connection: close" in responses[2] and b"Date: " in responses[0]
    assert all(b"\r\nServer: Revenge\r\n" in r for r in responses)


@pytest_twisted.ensureDeferred
async def test_four_hundred_pipelined_misses_in_one_write_are_all_answered(
        internal: int) -> None:
    # The review's crash: the hand-written HTTP/1.1 recursed once per pipelined request.
    raw = b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" * 399 + \
        b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer = await deferToThread(exchange, internal, raw)
    assert answer.count(b"HTTP/1.1 404 Not Found\r\n") == 400
    assert answer.count(b'{"error":{"code":"not_found"') == 400


def _headers(count: int) -> str:
    return "".join(f"X-H{i}: {i}\r\n" for i in range(count))


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET /internal/stream/m1 HTTP/1.1\r\nbad header\r\n\r\n", b"400"),
        (b"GET /internal/stream/m1 HTTP/1.1\r\nX-Nul: a\x00b\r\n\r\n", b"400"),
        (b"GET /internal/stream/m1 HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"400"),
        (b"GET /internal/stream/m1 HTTP/1.1\r\nX-Big: " + b"a" * 20000, b"431"),
        (get("/internal/stream/m1", _headers(101)), b"431"),
        (get("/internal/stream/m1", "".join(f"X-{i}: {'v' * 200}\r\n" for i in range(90))),
         b"431"),
        (b"GET /nowhere HTTP/1.1\r\n\r\n", b"404"),
        (b"GET /internal/other/m1 HTTP/1.1\r\n\r\n", b"404"),
        (b"GET /internal/stream/m1 HTTP/1.1\r\n\r\n", b"401"),
        (("DELETE /internal/stream/m1 HTTP/1.1\r\nX-Revenge-Internal-Token: " + TOKEN
          + "\r\n\r\n").encode(), b"405"),
        (("BREW /internal/stream/m1 HTTP/1.1\r\nX-Revenge-Internal-Token: " + TOKEN
          + "\r\n\r\n").encode(), b"405"),
    ],
)
@pytest_twisted.ensureDeferred
async def test_bad_requests_get_a_clean_json_4xx(internal: int, raw: bytes,
                                                  status: bytes) -> None:
    answer = await deferToThread(exchange, internal, raw)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert b"Content-Type: application/json" in head and b"Server: Revenge" in head
    assert "code" in json.loads(body)["error"]


@pytest_twisted.ensureDeferred
async def test_a_hundred_headers_are_fine(internal: int) -> None:
    # Host, the token, Range, Connection and 96 more.
    answer = await deferToThread(exchange, internal, get(
        "/internal/stream/m1", "Range: bytes=0-0\r\nConnection: close\r\n" + _headers(96)))
    assert answer.startswith(b"HTTP/1.1 206 "), answer[:200]


@pytest_twisted.ensureDeferred
async def test_http_1_0_closes_and_head_has_no_body(internal: int) -> None:
    started = time.monotonic()
    answer = await deferToThread(exchange, internal, (
        f"HEAD /internal/stream/m1 HTTP/1.0\r\nX-Revenge-Internal-Token: {TOKEN}\r\n\r\n"
    ).encode())
    assert time.monotonic() - started < 0.45  # closed by the server, not left idle
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200") and b"Content-Length: %d" % len(DATA) in head
    assert body == b""


@pytest.mark.parametrize("path", ["/internal/stream/m1", "/nope"])
@pytest_twisted.ensureDeferred
async def test_a_half_closed_client_gets_its_answer_then_the_close(
        internal: int, path: str) -> None:
    started = time.monotonic()
    answer = await deferToThread(exchange, internal, get(path), half_close=True)
    # Closed by the server (not the half-second quiet of a kept-alive connection).
    assert time.monotonic() - started < 0.45
    head, _, body = answer.partition(b"\r\n\r\n")
    if path == "/nope":
        assert head.startswith(b"HTTP/1.1 404 ") and json.loads(body)
    else:
        assert head.startswith(b"HTTP/1.1 200 ") and body == DATA


async def _until(condition: object, what: str, *, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        await deferLater(reactor, 0.01, lambda: None)
    raise AssertionError(f"timed out waiting for {what}")


@pytest_twisted.ensureDeferred
async def test_a_slow_loris_is_cut_off_though_bytes_keep_coming(tmp_path: Path) -> None:
    running = StreamServer({}, timeout=1.0)
    port = running.start()
    client = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()

    def trickle() -> float:
        try:
            for byte in get("/internal/stream/m1", "X-Pad: " + "p" * 10_000 + "\r\n"):
                client.send(bytes([byte]))
                time.sleep(0.05)  # the loris's pace, not synchronisation
        except OSError:
            return time.monotonic() - started
        return float("inf")

    try:
        # The idle timeout (1 s here) runs from the connection, not from the last byte.
        assert await deferToThread(trickle) < 5
    finally:
        client.close()
        await running.stop()


def _big(tmp_path: Path) -> Path:
    big = tmp_path / "big.mp4"
    with big.open("wb") as f:
        f.truncate(64 * 1024 * 1024)
    return big


@pytest_twisted.ensureDeferred
async def test_a_stalled_reader_is_cut_off_and_its_file_closed(tmp_path: Path) -> None:
    running = StreamServer({"big": _big(tmp_path)}, write_timeout=0.5)
    port = running.start()
    before = active_streams()
    client = socket.create_connection(("127.0.0.1", port))
    try:
        client.sendall(get("/internal/stream/big"))
        await deferToThread(client.recv, 65536)  # and then nothing more
        await _until(lambda: active_streams() == before + 1, "the response")
        await _until(lambda: active_streams() == before, "the cut-off")
    finally:
        client.close()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_a_slow_reader_that_keeps_reading_is_not_cut_off(tmp_path: Path) -> None:
    # Reading 16 KiB every 20 ms frees the kernel's send buffer too slowly to make the
    # socket writable within the timeout; the acknowledged bytes still count as progress.
    running = StreamServer({"big": _big(tmp_path)}, write_timeout=0.5)
    port = running.start()
    before = active_streams()
    client = socket.create_connection(("127.0.0.1", port))

    def read_slowly() -> int:
        taken = 0
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            taken += len(client.recv(16 * 1024))
            time.sleep(0.02)  # the reader's pace, not synchronisation
        return taken

    try:
        client.sendall(get("/internal/stream/big"))
        taken = await deferToThread(read_slowly)
        assert taken > 256 * 1024  # kept reading (its pace varies with the machine's load)
        assert active_streams() == before + 1
    finally:
        client.close()
        await running.stop()
