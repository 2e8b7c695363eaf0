"""The internal listener's own HTTP/1.1: pipelining, keep-alive and close, bad requests."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread

from tests.files.server import TOKEN, StreamServer

DATA = bytes(range(256)) * 40


@pytest_twisted.async_yield_fixture
async def lean(tmp_path: Path) -> AsyncIterator[int]:
    path = tmp_path / "m.mp4"
    path.write_bytes(DATA)
    running = StreamServer({"m1": path}, lean=True)
    port = running.start()
    yield port
    await running.stop()


def exchange(port: int, raw: bytes) -> bytes:
    """Send ``raw``; read until the server closes, or keeps quiet for half a second (a
    keep-alive connection after its last answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
        s.sendall(raw)
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
async def test_pipelined_requests_are_answered_in_order(lean: int) -> None:
    raw = (get("/internal/stream/m1", "Range: bytes=0-9\r\n")
           + get("/internal/stream/m1", "Range: bytes=10-19\r\n")
           + get("/internal/stream/m1", "Range: bytes=20-29\r\nConnection: close\r\n"))
    answer = await deferToThread(exchange, lean, raw)
    responses = answer.split(b"HTTP/1.1 ")[1:]
    assert [r.split(b" ", 1)[0] for r in responses] == [b"206"] * 3
    bodies = [r.split(b"\r\n\r\n", 1)[1] for r in responses]
    assert bodies == [DATA[0:10], DATA[10:20], DATA[20:30]]
    assert b"Connection: close" in responses[2] and b"Date: " in responses[0]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET /internal/stream/m1 HTTP/1.1\r\nbad header\r\n\r\n", b"400"),
        (b"POST /internal/stream/m1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", b"400"),
        (b"GET /internal/stream/m1 HTTP/1.1\r\nX-Big: " + b"a" * 20000, b"431"),
        (b"GET /nowhere HTTP/1.1\r\n\r\n", b"404"),
        (b"GET /internal/other/m1 HTTP/1.1\r\n\r\n", b"404"),
        (b"GET /internal/stream/m1 HTTP/1.1\r\n\r\n", b"401"),
        (("DELETE /internal/stream/m1 HTTP/1.1\r\nX-Revenge-Internal-Token: " + TOKEN
          + "\r\n\r\n").encode(), b"405"),
    ],
)
@pytest_twisted.ensureDeferred
async def test_bad_requests_get_a_clean_4xx(lean: int, raw: bytes, status: bytes) -> None:
    answer = await deferToThread(exchange, lean, raw)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert b"application/json" in answer.split(b"\r\n\r\n")[0]


@pytest_twisted.ensureDeferred
async def test_http_1_0_closes_and_head_has_no_body(lean: int) -> None:
    answer = await deferToThread(exchange, lean, (
        f"HEAD /internal/stream/m1 HTTP/1.0\r\nX-Revenge-Internal-Token: {TOKEN}\r\n\r\n"
    ).encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: %d" % len(DATA) in head
    assert body == b"" and b"Connection: close" in head
