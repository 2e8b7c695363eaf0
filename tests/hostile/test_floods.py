"""Floods on both listeners: pipelined requests (answered in order), requests piled up
behind an answer nobody reads (inbound stays bounded), random methods and paths (metric
labels stay bounded). Memory is measured on the server; others stay served throughout."""

from __future__ import annotations

import random
import re
import socket
import threading
import time

import pytest

from tests.hostile.client import (
    Listener,
    MiB,
    Reader,
    Response,
    RssWatch,
    Target,
    open_files,
    poll,
    served_promptly,
)
from tests.hostile.conftest import TIMEOUT

pytestmark = pytest.mark.slow


def _pipeline(listener: Listener, requests: list[bytes], *, head: bool = False,
              ) -> list[Response]:
    """Send ``requests`` in one stream (a writer thread) while reading every answer."""
    with listener.connect(timeout=30) as sock:
        writer = threading.Thread(target=sock.sendall, args=(b"".join(requests),))
        writer.start()
        reader = Reader(sock)
        answers = [reader.response(head=head) for _ in requests]
        writer.join()
        assert reader.closed()  # the last request asked for the close
    return answers


def test_a_pipelined_flood_of_ranges_is_answered_in_order(target: Target,
                                                          listener: Listener) -> None:
    count = 2000
    content = target.path.read_bytes()[:count]
    requests = [listener.request(listener.file, f"Range: bytes={i}-{i}\r\n")
                for i in range(count - 1)]
    requests.append(listener.request(listener.file, f"Range: bytes={count - 1}-{count - 1}"
                                                    "\r\nConnection: close\r\n"))
    with RssWatch(target.pid) as watch:
        answers = _pipeline(listener, requests)
        served_promptly(target)
    assert [a.status for a in answers] == [206] * count
    assert [a.headers["content-range"] for a in answers] == [
        f"bytes {i}-{i}/{target.size}" for i in range(count)]
    assert b"".join(a.body for a in answers) == content
    assert watch.growth < 24 * MiB, watch.growth


def test_twenty_thousand_pipelined_misses_are_all_answered(target: Target,
                                                           listener: Listener) -> None:
    # The review's crash was 400 of these in one write, on the internal listener.
    count = 20_000
    requests = [b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"] * (count - 1)
    requests.append(b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    with RssWatch(target.pid) as watch:
        answers = _pipeline(listener, requests)
        served_promptly(target)
    assert {a.status for a in answers} == {404} and len(answers) == count
    assert all(a.headers["content-type"] == "application/json" for a in answers)
    assert watch.growth < 24 * MiB, watch.growth


def _push(sock: socket.socket, limit: int) -> int:
    """Send pipelined requests until ``limit`` bytes, the server stops reading (nothing
    taken for a second) or the connection dies; the bytes the kernel took."""
    block = b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" * 2048
    sock.settimeout(1.0)
    pushed = 0
    try:
        while pushed < limit:
            pushed += sock.send(block)
    except (TimeoutError, OSError):
        pass
    return pushed


def test_requests_piled_behind_an_unread_answer_stay_bounded(target: Target,
                                                             listener: Listener) -> None:
    limit = 48 * MiB
    with RssWatch(target.pid) as watch, listener.connect() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.sendall(listener.request(listener.file))  # a whole-file answer, never read
        poll(lambda: open_files(target.pid, target.path), within=10, what="the answer")
        pushed = _push(sock, limit)
        served_promptly(target)
        # The stalled answer is cut off by the write timeout, and its file closed.
        poll(lambda: not open_files(target.pid, target.path), within=TIMEOUT * 4,
             what="the stalled answer to be cut off")
    # Paused: only the kernel's socket buffers took anything (the review pushed 42 MB,
    # and the server grew by 70 MB).
    assert pushed < 16 * MiB, pushed
    assert watch.growth < 16 * MiB, watch.growth


def test_unread_answers_to_a_pipelined_flood_stay_bounded(target: Target,
                                                          listener: Listener) -> None:
    # Small answers, none read: the server must stop reading once its own send buffer is
    # full, or every request would add an answer to it.
    with RssWatch(target.pid) as watch, listener.connect() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        pushed = _push(sock, 48 * MiB)
        served_promptly(target)
    assert pushed < 16 * MiB, pushed
    assert watch.growth < 16 * MiB, watch.growth


def test_heads_of_a_hundred_headers_in_a_flood(target: Target, listener: Listener) -> None:
    filler = "".join(f"X-Filler-{i}: {'v' * 100}\r\n" for i in range(95))
    count = 1000
    requests = [listener.request("/nope", filler)] * (count - 1)
    requests.append(listener.request("/nope", filler + "Connection: close\r\n"))
    with RssWatch(target.pid) as watch:
        answers = _pipeline(listener, requests)
        served_promptly(target)
    assert {a.status for a in answers} <= {401, 404} and len(answers) == count
    assert watch.growth < 24 * MiB, watch.growth


def test_many_connections_holding_big_partial_heads(target: Target,
                                                    listener: Listener) -> None:
    partial = b"GET /nope HTTP/1.1\r\n" + b"".join(
        b"X-Filler-%d: %s\r\n" % (i, b"v" * 150) for i in range(90))  # ~15 KiB, no end
    with RssWatch(target.pid) as watch:
        socks = [listener.connect() for _ in range(300)]
        try:
            for sock in socks:
                sock.sendall(partial)
            served_promptly(target)
            # Nothing is answered to half a request; each is cut at the idle timeout.
            for sock in socks:
                sock.settimeout(TIMEOUT * 4)
                assert sock.recv(1024) == b""
        finally:
            for sock in socks:
                sock.close()
    assert watch.growth < 48 * MiB, watch.growth


TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KNOWN = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}


def _random_requests(rng: random.Random, count: int) -> list[bytes]:
    requests = []
    for _ in range(count):
        method = "".join(rng.choice(TCHAR) for _ in range(rng.randint(1, 12)))
        path = "/" + "/".join("".join(rng.choice(TCHAR[13:]) for _ in range(rng.randint(0, 8)))
                              for _ in range(rng.randint(1, 4)))
        prefix = rng.choice(["", "/api/v1", "/api/v1/media", "/internal/stream", "/internal"])
        requests.append(f"{method} {prefix}{path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return requests


def test_random_methods_and_paths_keep_metrics_small(target: Target) -> None:
    rng = random.Random(13)
    started = time.monotonic()
    with RssWatch(target.pid) as watch:
        for listener in target.listeners:
            for _ in range(10):  # 10 connections of 1,000 requests each, per listener
                requests = _random_requests(rng, 1000)
                requests.append(b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                heads = [r.startswith(b"HEAD ") for r in requests]
                with listener.connect(timeout=30) as sock:
                    sock.sendall(b"".join(requests))
                    reader = Reader(sock)
                    answers = [reader.response(head=head) for head in heads]
                assert all(400 <= a.status < 500 for a in answers), {a.status for a in answers}
    metrics = target.server.get("/metrics").body
    # The acceptance bound: 20,000 requests (10,000 a listener) later, under 50 KB.
    assert len(metrics) < 50_000, len(metrics)
    methods = set(re.findall(rb'method="([^"]*)"', metrics))
    assert b"other" in methods and {m.decode() for m in methods} <= KNOWN | {"other"}
    assert watch.growth < 32 * MiB, watch.growth
    assert time.monotonic() - started < 120
