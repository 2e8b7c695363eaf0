"""Oversized, malformed and trickled request heads on both listeners, and clients that shut
their sending side: JSON refusals, the close, and nobody else waits."""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import time

import pytest

from revenge.config.model import node_default
from tests.hostile.client import Listener, Reader, Target, poll, served_promptly
from tests.hostile.conftest import TIMEOUT

pytestmark = pytest.mark.slow


def _headers(count: int, size: int = 8) -> bytes:
    return b"".join(b"X-H-%d: %s\r\n" % (i, b"v" * size) for i in range(count))


HEADS = {
    "a 17 KiB header line": (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 17 * 1024 + b"\r\n\r\n", 431),
    "101 headers": (b"GET / HTTP/1.1\r\n" + _headers(101) + b"\r\n", 431),
    "a 24 KiB head of short lines": (b"GET / HTTP/1.1\r\n" + _headers(80, 300) + b"\r\n", 431),
    "a request line of garbage": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    "a header without a colon": (b"GET / HTTP/1.1\r\nHost x\r\nAccept: *\r\n\r\n", 400),
    "a NUL in a header value": (b"GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", 400),
    "a length that is not a number": (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
    "two framings": (b"POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n", 400),
    "an unknown transfer coding": (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
}


@pytest.mark.parametrize("name", list(HEADS))
def test_a_bad_head_gets_a_json_refusal_and_the_close(target: Target, listener: Listener,
                                                      name: str) -> None:
    raw, status = HEADS[name]
    with listener.connect() as sock:
        sock.sendall(raw)
        reader = Reader(sock)
        answer = reader.response()
        assert reader.closed()
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["server"] == "Revenge" and answer.headers["connection"] == "close"
    assert answer.headers["x-revenge-node"] == node_default()  # refusals name the node too
    assert json.loads(answer.body)["error"]["code"]


def test_every_listener_says_server_revenge(target: Target) -> None:
    ports = [(target.public.port, b"/healthz"), (target.internal.port, b"/nope"),
             (target.blackbeard_port, b"/api/v1/health")]
    for port, path in ports:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path)
            answer = Reader(sock).response()
        assert answer.headers["server"] == "Revenge", (port, answer.headers)
        assert answer.headers["x-revenge-node"] == node_default(), (port, answer.headers)


@pytest.mark.parametrize("whole", [False, True], ids=["404", "file range"])
def test_a_half_closed_client_gets_its_answer_then_the_close(
        target: Target, listener: Listener, whole: bool) -> None:
    span = 8 * 1024 * 1024
    path, extra = (listener.file, f"Range: bytes=0-{span - 1}\r\n") if whole else ("/nope", "")
    with listener.connect() as sock:
        sock.sendall(listener.request(path, extra))
        sock.shutdown(socket.SHUT_WR)
        reader = Reader(sock)
        answer = reader.response()
        assert reader.closed()
    if whole:
        assert answer.status == 206 and len(answer.body) == span
        with target.path.open("rb") as media:
            assert answer.body == media.read(span)
    else:
        assert answer.status == 404 and json.loads(answer.body)["error"]["code"]


def test_slow_lorises_are_cut_off_though_their_bytes_keep_coming(
        target: Target, listener: Listener) -> None:
    head = listener.request("/nope", "X-Pad: " + "p" * 4000 + "\r\n")
    selector = selectors.DefaultSelector()
    lorises = [listener.connect() for _ in range(50)]
    started = time.monotonic()
    cut: dict[socket.socket, float] = {}
    try:
        for sock in lorises:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        sent = 0

        def all_cut() -> bool:
            nonlocal sent
            # One more byte to each loris still open (every 20 ms: far inside the timeout).
            for sock in lorises:
                if sock not in cut and sent < len(head):
                    try:
                        sock.send(head[sent : sent + 1])
                    except OSError:
                        cut[sock] = time.monotonic() - started
            sent += 1
            for key, _ in selector.select(timeout=0):
                closed = key.fileobj
                assert isinstance(closed, socket.socket)
                with contextlib.suppress(ConnectionResetError):
                    assert closed.recv(1024) == b""  # closed, never answered
                selector.unregister(closed)
                cut.setdefault(closed, time.monotonic() - started)
            return len(cut) == len(lorises)

        served_promptly(target)
        poll(all_cut, within=TIMEOUT * 4, what="the lorises to be cut off")
    finally:
        selector.close()
        for sock in lorises:
            sock.close()
    # Not one complete head: each was cut at the idle timeout, long before its end.
    assert sent < len(head)
    assert min(cut.values()) >= TIMEOUT * 0.9
