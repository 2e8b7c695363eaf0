"""The internal stream's plain reads answered without a twisted.web Request
(``revenge.api.internal.DirectReads``): the same bytes on the wire as twisted.web's answer,
the same accounting, and every other request left to twisted.web."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread

from revenge.api.channel import RevengeChannel
from revenge.api.request_head import Head
from revenge.observability.http_metrics import REQUESTS
from tests.files.server import TOKEN, StreamServer, raw_blocking

DATA = bytes(range(256)) * 40
_DATE = re.compile(rb"\r\nDate: [^\r]*")
_BOUNDARY = re.compile(rb"boundary=([0-9a-f]+)")


def _comparable(answer: bytes) -> bytes:
    """Without what differs by nature: the date, a multipart boundary (random)."""
    answer = _DATE.sub(b"", answer)
    found = _BOUNDARY.search(answer)
    return answer.replace(found.group(1), b"BOUNDARY") if found else answer


@attrs.define
class Pair:
    """The same files served with direct reads and without; which heads went direct."""

    direct: int
    plain: int
    taken: list[bool]


@pytest_twisted.async_yield_fixture
async def servers(tmp_path: Path) -> AsyncIterator[Pair]:
    (tmp_path / "m.mp4").write_bytes(DATA)
    (tmp_path / "empty.mp4").write_bytes(b"")
    files = {"m1": tmp_path / "m.mp4", "e1": tmp_path / "empty.mp4"}
    with_direct, without = StreamServer(files), StreamServer(files, direct=False)
    pair = Pair(with_direct.start(), without.start(), [])
    site = with_direct.site
    assert site is not None and site.direct is not None
    answer = site.direct

    def spy(head: Head, channel: RevengeChannel) -> bool:
        pair.taken.append(answer(head, channel))
        return pair.taken[-1]

    site.direct = spy
    yield pair
    await with_direct.stop()
    await without.stop()


def _request(target: str, extra: str = "", token: str = TOKEN, method: str = "GET") -> bytes:
    return (f"{method} {target} HTTP/1.1\r\nHost: x\r\nX-Revenge-Internal-Token: {token}\r\n"
            f"{extra}\r\n").encode()


DIRECT = [
    _request("/internal/stream/m1"),
    _request("/internal/stream/m1", "Range: bytes=0-0\r\n"),
    _request("/internal/stream/m1", "Range: bytes=100-4099\r\n"),
    _request("/internal/stream/m1", "Range: bytes=10000-\r\n"),
    _request("/internal/stream/m1", "Range: bytes=-300\r\n"),
    _request("/internal/stream/m1", "Range: bytes=10200-99999\r\n"),  # clipped to the end
    _request("/internal/stream/m1", "Range: bytes=0-9, 5-20\r\n"),  # overlapping: coalesced
    _request("/internal/stream/m1", "Connection: keep-alive\r\nUser-Agent: Lavf/60\r\n"),
    _request("/internal/stream/e1"),
]
NOT_DIRECT = [
    _request("/internal/stream/m1", "Range: bytes=0-9, 500-509\r\n"),  # multipart
    _request("/internal/stream/m1", "Range: bytes=99999-\r\n"),  # unsatisfiable
    _request("/internal/stream/m1", "If-None-Match: \"x\"\r\n"),
    _request("/internal/stream/m1", "If-Range: \"x\"\r\nRange: bytes=0-9\r\n"),
    _request("/internal/stream/m1", "Connection: close\r\n"),
    _request("/internal/stream/m1", "Expect: 100-continue\r\nConnection: close\r\n"),
    _request("/internal/stream/m1", token="wrong"),
    _request("/internal/stream/nope"),
    _request("/internal/stream/m1?x=1"),
    _request("/internal/stream/m%31"),
    _request("/internal/stream/m1/more"),
    _request("/internal/stream/m1", method="POST"),
    _request("/internal/stream/m1", "Connection: close\r\n", method="HEAD"),
    b"GET /internal/stream/m1 HTTP/1.0\r\nX-Revenge-Internal-Token: " + TOKEN.encode()
    + b"\r\n\r\n",
]


@pytest.mark.parametrize("raw", DIRECT + NOT_DIRECT)
@pytest_twisted.ensureDeferred
async def test_the_same_bytes_as_twisted_web_answers(servers: Pair, raw: bytes) -> None:
    direct = await deferToThread(raw_blocking, servers.direct, raw)
    plain = await deferToThread(raw_blocking, servers.plain, raw)
    assert direct.startswith(b"HTTP/1.")
    assert _comparable(direct) == _comparable(plain)
    assert servers.taken == [raw in DIRECT]


def _count(status: str) -> float:
    value = REQUESTS.labels("internal", "/internal/stream/{id}", "GET", status)._value.get()
    return float(value)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest_twisted.ensureDeferred
async def test_direct_reads_are_counted_and_keep_the_connection(servers: Pair) -> None:
    before = _count("206")

    def two_on_one_connection() -> list[bytes]:
        answers = []
        with socket.create_connection(("127.0.0.1", servers.direct), timeout=30) as s:
            for start in (0, 5000):
                s.sendall(_request("/internal/stream/m1", f"Range: bytes={start}-{start + 9}\r\n"))
                answer = b""
                while not answer.endswith(DATA[start:start + 10]):
                    chunk = s.recv(65536)
                    assert chunk, answer
                    answer += chunk
                answers.append(answer)
        return answers

    answers = await deferToThread(two_on_one_connection)
    assert [a.split(b"\r\n", 1)[0] for a in answers] == [b"HTTP/1.1 206 Partial Content"] * 2
    assert servers.taken == [True, True]
    assert _count("206") == before + 2


@pytest_twisted.ensureDeferred
async def test_a_reader_gone_mid_body_is_counted_aborted_and_its_file_closed(
        tmp_path: Path) -> None:
    big = tmp_path / "big.mp4"
    with big.open("wb") as f:
        f.truncate(256 * 1024 * 1024)
    server = StreamServer({"b1": big})
    port = server.start()
    fds, aborted = _open_fds(), _count("aborted")

    def read_a_little_and_go() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
            s.sendall(_request("/internal/stream/b1"))
            assert s.recv(1024).startswith(b"HTTP/1.1 200 OK")

    await deferToThread(read_a_little_and_go)
    await _until(lambda: _count("aborted") == aborted + 1)
    await _until(lambda: _open_fds() <= fds)  # its socket and its file closed
    assert server.site is not None and server.site.in_flight == set()
    await server.stop()


async def _until(condition: object, *, seconds: float = 10.0) -> None:
    from tests.files.test_internal_http import _until as until

    await until(condition, "the server to notice", seconds=seconds)
