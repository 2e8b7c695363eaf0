"""Property tests of the hardened HTTP/1.1 channel every listener uses, in memory: arbitrary
bytes in, split into chunks anyhow; never an exception, only well-formed responses, every
complete request answered in order or refused once (JSON, then the close)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import ILogObserver, LogEvent, globalLogPublisher
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request
from zope.interface import implementer

from revenge.api.internal import InternalRoutes
from revenge.api.site import RevengeRequest, RevengeSite
from revenge.files.resource import InternalStreamResource, MediaFile
from tests.files.server import TOKEN

DATA = bytes(i % 251 for i in range(1000))
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) [ -~]*")


@attrs.frozen
class Response:
    status: int
    headers: dict[bytes, bytes]
    body: bytes


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaFile:
    path = tmp_path_factory.mktemp("fuzz") / "m.mp4"
    path.write_bytes(DATA)
    return MediaFile(path, "video/mp4")


@pytest.fixture
def failures() -> Iterator[list[LogEvent]]:
    """Every event logged with a failure (an exception twisted.web caught) meanwhile."""
    seen: list[LogEvent] = []

    @implementer(ILogObserver)
    def observe(event: LogEvent) -> None:
        if "log_failure" in event:
            seen.append(event)

    globalLogPublisher.addObserver(observe)
    yield seen
    globalLogPublisher.removeObserver(observe)


@attrs.define
class Exchange:
    """What a channel wrote, and the methods of the requests it took, in order."""

    transport: StringTransport
    methods: list[bytes]

    def responses(self) -> list[Response]:
        return parse(self.transport.value(), self.methods)


def feed(media: MediaFile, raw: bytes, cuts: list[int],
         extra: dict[bytes, Resource] | None = None) -> Exchange:
    """``raw`` to a fresh channel serving ``media`` as ``/internal/stream/m1`` (and the
    ``extra`` routes), in the pieces ``cuts`` make; stop once it closes."""
    methods: list[bytes] = []

    class Recording(RevengeRequest):
        def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
            methods.append(command)
            super().requestReceived(command, path, version)  # type: ignore[no-untyped-call]

    stream = InternalStreamResource(lambda i: media if i == "m1" else None, token=TOKEN)
    site = RevengeSite(InternalRoutes({b"stream": stream, **(extra or {})}), listener="fuzz",
                       reactor=Clock())
    site.requestFactory = Recording
    channel = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))  # type: ignore[no-untyped-call]
    transport = StringTransport()
    channel.makeConnection(transport)
    edges = [0, *sorted(set(cuts)), len(raw)]
    for start, end in itertools.pairwise(edges):
        if transport.disconnecting:
            break
        if end > start:
            channel.dataReceived(raw[start:end])
    return Exchange(transport, methods)


def parse(out: bytes, methods: list[bytes]) -> list[Response]:
    """The responses in ``out`` to requests of ``methods`` (then refusals); fails on
    anything that is not a well-formed response."""
    responses: list[Response] = []
    answered = 0
    while out:
        head, found, out = out.partition(b"\r\n\r\n")
        assert found, head[:200]
        lines = head.split(b"\r\n")
        match = STATUS_LINE.fullmatch(lines[0])
        assert match, lines[0]
        headers = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b": ")
            assert colon and name and b"\n" not in value, line
            headers[name.lower()] = value
        status = int(match.group(1))
        if status == 100:  # an interim answer: the final one follows
            continue
        head_only = answered < len(methods) and methods[answered] == b"HEAD"
        answered += 1
        length = 0 if status == 304 or head_only else int(headers[b"content-length"])
        body, out = out[:length], out[length:]
        assert len(body) == length
        assert headers[b"server"] == b"Revenge"
        responses.append(Response(status, headers, body))
    return responses


def get(start: int, end: int) -> bytes:
    return (f"GET /internal/stream/m1 HTTP/1.1\r\nHost: x\r\nX-Revenge-Internal-Token: {TOKEN}"
            f"\r\nRange: bytes={start}-{end}\r\n\r\n").encode()


VALID = st.builds(lambda a, n: (a, min(a + n, len(DATA) - 1)),
                  st.integers(0, len(DATA) - 1), st.integers(0, 50))
BAD = st.sampled_from([
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nbad header\r\nX: y\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nX-Nul: a\x00b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 17000, 431),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(101)) + b"\r\n", 431),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 300) for i in range(60))
     + b"\r\n", 431),
])
FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@FUZZ
@given(ranges=st.lists(VALID, max_size=8), bad=st.one_of(st.none(), BAD),
       tail=st.binary(max_size=64), data=st.data())
def test_requests_are_answered_in_order_then_one_refusal_closes(
    media: MediaFile, failures: list[LogEvent], ranges: list[tuple[int, int]],
    bad: tuple[bytes, int] | None, tail: bytes, data: st.DataObject,
) -> None:
    raw = b"".join(get(a, b) for a, b in ranges)
    if bad is not None:
        raw += bad[0] + tail
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=12))
    exchange = feed(media, raw, cuts)
    transport = exchange.transport
    responses = exchange.responses()
    answers, refusals = responses[:len(ranges)], responses[len(ranges):]
    assert [(r.status, r.body) for r in answers] == [(206, DATA[a : b + 1]) for a, b in ranges]
    assert [r.headers[b"content-range"] for r in answers] == [
        b"bytes %d-%d/%d" % (a, b, len(DATA)) for a, b in ranges]
    if bad is None:
        assert refusals == [] and not transport.disconnecting
    else:
        assert [r.status for r in refusals] == [bad[1]]
        assert refusals[0].headers[b"content-type"] == b"application/json"
        assert refusals[0].headers[b"connection"] == b"close" and transport.disconnecting
    assert failures == []


def mostly(valid: list[bytes], odd: list[bytes] = []) -> st.SearchStrategy[bytes]:  # noqa: B006
    """One of ``valid`` most of the time, else one of ``odd`` or a few arbitrary bytes."""
    return st.one_of(*[st.sampled_from(valid)] * 12, st.sampled_from(odd or valid),
                     st.binary(max_size=12))


METHOD = mostly([b"GET", b"GET", b"HEAD"], [b"POST", b"BREW", b"get", b"OPTIONS"])
TARGET = mostly([b"/internal/stream/m1"],
                [b"/internal/stream/m2", b"/internal/probe/m1", b"/internal/stream/%ff", b"/",
                 b"*", b"/internal/stream/m1?x=1", b"http://x/internal/stream/m1"])
VERSION = mostly([b"HTTP/1.1"], [b"HTTP/1.0", b"HTTP/2", b"HTTP/1.1 x"])
HEADER = mostly([b"Host: x", b"Range: bytes=0-5", b"Range: bytes=-3,5-9", b"If-None-Match: *",
                 b"If-Range: x", b"Range: bytes=5000-", b"Range: junk", b"Accept: */*"],
                [b"Connection: close", b"Content-Length: 0", b"Content-Length: 3",
                 b"Transfer-Encoding: chunked", b"Expect: 100-continue", b" folded",
                 b"no colon", b"X-Nul: \x00"])
TOKEN_HEADER = st.sampled_from([[b"X-Revenge-Internal-Token: " + TOKEN.encode()]] * 4 + [[]])
REQUEST = st.builds(
    lambda m, t, v, auth, h, body: m + b" " + t + b" " + v + b"\r\n"
    + b"".join(x + b"\r\n" for x in auth + h) + b"\r\n" + body,
    METHOD, TARGET, VERSION, TOKEN_HEADER, st.lists(HEADER, max_size=4),
    mostly([b""], [b"abc", b"0\r\n\r\n", b"3\r\nabc\r\n0\r\n\r\n"]))
FRAGMENTS = st.one_of(*[REQUEST] * 6, st.binary(max_size=12),
                      st.sampled_from([b"\r\n", b"\n"]))


@FUZZ
@given(fragments=st.lists(FRAGMENTS, max_size=40), data=st.data())
def test_arbitrary_bytes_get_well_formed_answers_or_none(
    media: MediaFile, failures: list[LogEvent], fragments: list[bytes], data: st.DataObject,
) -> None:
    raw = b"".join(fragments)
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=12))
    exchange = feed(media, raw, cuts)
    responses = exchange.responses()
    # One answer per request taken, and perhaps one refusal after them.
    assert len(exchange.methods) <= len(responses) <= len(exchange.methods) + 1
    for response in responses:
        assert 200 <= response.status < 500, response
        if response.status >= 400:
            assert response.headers[b"content-type"] == b"application/json"
    assert failures == []


class _Unframed(Resource):
    """Answers later, without saying how long the body is."""

    isLeaf = True

    def render_GET(self, request: Request) -> int:
        request.write(b"part one, ")
        request.write(b"part two")
        request.finish()
        return NOT_DONE_YET


def test_an_answer_without_a_length_is_chunked_and_the_next_request_answered(
        media: MediaFile) -> None:
    raw = b"GET /internal/unframed HTTP/1.1\r\nHost: x\r\n\r\n" + get(0, 9)
    exchange = feed(media, raw, [], {b"unframed": _Unframed()})  # type: ignore[no-untyped-call]
    head, _, rest = exchange.transport.value().partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head and b"Content-Length" not in head
    chunks, end, after = rest.partition(b"0\r\n\r\n")
    assert end and chunks == b"a\r\npart one, \r\n8\r\npart two\r\n"
    (answer,) = parse(after, [b"GET"])
    assert answer.status == 206 and answer.body == DATA[:10]
    assert not exchange.transport.disconnecting
