"""Players' segment GETs answered without a twisted.web Request (``SegmentRoute.direct``):
the same bytes on the wire as the route answers through twisted.web, for segments, ranges
and errors alike, the same accounting; anything else is left to twisted.web."""

from __future__ import annotations

import re
import socket
import time
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.protocol import Protocol
from twisted.internet.task import deferLater

from revenge.api.channel import RevengeChannel
from revenge.api.request_head import Head
from revenge.api.segments import SegmentRoute
from revenge.api.site import RevengeSite
from revenge.observability.http_metrics import REQUESTS
from revenge.testing import AppHarness
from revenge.testing.sockets import zero_copy_connection
from tests.api.support import FILM, LIBRARY, open_session

_DATE = re.compile(rb"\r\nDate: [^\r]*")


async def _answer(protocol: Protocol, client: socket.socket, raw: bytes) -> bytes:
    """Send ``raw``; the one whole response to it (framed by its Content-Length), letting
    the reactor write what the transport buffered."""
    protocol.dataReceived(raw)
    client.setblocking(False)
    answer = b""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        head, found, body = answer.partition(b"\r\n\r\n")
        if found and head.startswith(b"HTTP/1.1 100 "):  # an interim answer: kept, and on
            head, found, body = body.partition(b"\r\n\r\n")
        if found:
            length = re.search(rb"\r\nContent-Length: (\d+)", head)
            assert length, head
            if len(body) >= int(length.group(1)):
                return answer
        try:
            chunk = client.recv(65536)
        except BlockingIOError:
            await deferLater(reactor, 0.001, lambda: None)
            continue
        assert chunk, answer
        answer += chunk
    raise AssertionError(f"no whole answer to {raw!r}: {answer!r}")


class Sites:
    """The public site of one app, with direct answers and without, each on a connection."""

    def __init__(self) -> None:
        self.harness = AppHarness(records=LIBRARY)
        alice = self.harness.new_user("alice")
        session = open_session(alice, FILM.id, profile="source")
        master = str(session["master_url"])
        self.base, self.token = master.rsplit("/", 1)[0], master.split("?t=")[1]
        for n in range(3):  # made once, then at hand
            assert alice.get(f"{self.base}/source/{n}.ts?t={self.token}").status == 200
        self.taken: list[bool] = []
        route = SegmentRoute(self.harness.streaming)

        def spy(head: Head, channel: RevengeChannel) -> bool:
            self.taken.append(route.direct(head, channel))
            return self.taken[-1]

        resource = self.harness.app.resource()
        self.direct = zero_copy_connection(RevengeSite(
            resource, listener="public", cors=True, fast_route=route.match, direct=spy), reactor)
        self.plain = zero_copy_connection(RevengeSite(
            resource, listener="public", cors=True, fast_route=route.match), reactor)

    def get(self, target: str, extra: str = "", method: str = "GET") -> bytes:
        return (f"{method} {target} HTTP/1.1\r\nHost: h\r\nUser-Agent: hls.js\r\n{extra}\r\n"
                .encode())


@pytest.fixture
def sites() -> Any:
    made = Sites()
    yield made
    made.direct[1].close()
    made.plain[1].close()


def _cases(s: Sites) -> list[tuple[bytes, bool]]:
    segment = f"{s.base}/source/1.ts?t={s.token}"
    return [
        (s.get(segment), True),
        (s.get(segment, "Origin: http://player\r\n"), True),
        (s.get(segment, "Range: bytes=0-9\r\n"), True),
        (s.get(segment, "Range: bytes=5-\r\n"), True),
        (s.get(segment, "Range: bytes=0-1,5-6\r\n"), True),  # several: the whole segment
        (s.get(segment, "Range: bytes=999999-\r\n"), True),  # 416, in JSON
        (s.get(segment, "Connection: keep-alive\r\n"), True),
        (s.get(f"{s.base}/source/2.ts?t={s.token}"), True),
        (s.get(f"{s.base}/source/1.ts?t=1.forged"), True),  # 403, in JSON
        (s.get(f"{s.base}/source/99.ts?t={s.token}"), True),  # 404
        (s.get(f"{s.base}/nope/1.ts?t={s.token}"), True),
        (s.get(f"/api/v1/playback/unknown/source/1.ts?t={s.token}"), True),
        (s.get(f"{s.base}/source/1.ts"), True),  # no token: 403
        (s.get(f"{segment}&CMCD=bl%3D1000%2Cmtp%3D5000"), True),  # hls.js's CMCD
        (s.get(segment, "CMCD-Request: bl=1000\r\n"), True),
        (s.get(f"{segment}&CMCD=bl%3Dnot-a-number"), True),
        (s.get(f"{s.base}/source/1.ts?t=%31&t=2"), True),
        (s.get(segment, "Expect: 100-continue\r\n"), False),
        (s.get(segment, method="DELETE"), False),
        (s.get(f"{s.base}/source/index.m3u8?t={s.token}"), False),
        (s.get(segment, "Connection: close\r\n"), False),  # the last: the connection ends
    ]


@pytest_twisted.ensureDeferred
async def test_the_same_bytes_as_through_twisted_web(sites: Sites) -> None:
    for raw, direct in _cases(sites):
        sites.taken.clear()
        by_direct = await _answer(*sites.direct, raw)
        by_twisted_web = await _answer(*sites.plain, raw)
        assert by_direct.startswith(b"HTTP/1.1 "), raw
        assert _DATE.sub(b"", by_direct) == _DATE.sub(b"", by_twisted_web), raw
        assert sites.taken == [direct], raw


@pytest_twisted.ensureDeferred
async def test_a_direct_segment_is_counted_and_says_where_it_came_from(sites: Sites) -> None:
    counter = REQUESTS.labels("public", "/api/v1/playback/<session_id>/<profile>/<name>",
                              "GET", "200")
    before = counter._value.get()
    answer = await _answer(*sites.direct, sites.get(f"{sites.base}/source/0.ts?t={sites.token}"))
    assert sites.taken == [True]
    assert b"\r\nX-Served-From: cache\r\n" in answer or b"\r\nX-Served-From: buffer\r\n" \
        in answer
    assert counter._value.get() == before + 1
