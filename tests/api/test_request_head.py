"""The channel's one-pass reading of a request head (``revenge.api.request_head``) is held
to twisted.web's line-by-line reading: for any bytes, the same requests with the same
headers, the same answers, the same closes."""

from __future__ import annotations

import re

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.web.resource import Resource
from twisted.web.server import Request

from revenge.api.channel import RevengeChannel
from revenge.api.request_head import Head, simple_head
from revenge.api.site import RevengeRequest, RevengeSite

BROWSER = (b"GET /api/v1/playback/sessions/s1/480p/3.ts?t=abc HTTP/1.1\r\nHost: h:8080\r\n"
           b"User-Agent: Mozilla/5.0\r\nAccept: */*\r\nOrigin: http://h:8080\r\n"
           b"accept-encoding:gzip,  deflate \t\r\nX-Dup: 1\r\nX-DUP: 2\r\n\r\n")


def test_a_browser_head_is_read_in_one_pass() -> None:
    head = simple_head(BROWSER, max_headers=100, max_size=16384)
    assert head == Head(b"GET", b"/api/v1/playback/sessions/s1/480p/3.ts?t=abc", b"HTTP/1.1", (
        (b"Host", b"h:8080"), (b"User-Agent", b"Mozilla/5.0"), (b"Accept", b"*/*"),
        (b"Origin", b"http://h:8080"), (b"Accept-Encoding", b"gzip,  deflate"),
        (b"X-Dup", b"1"), (b"X-Dup", b"2")))


def test_anything_unusual_is_left_to_twisted_web() -> None:
    declined = [
        BROWSER[:-2],  # not yet whole
        BROWSER + BROWSER,  # pipelined
        BROWSER[:-2] + b"Content-Length: 0\r\n\r\n",  # a body, however short
        BROWSER[:-2] + b"Transfer-Encoding: chunked\r\n\r\n",
        BROWSER[:-2] + b" folded\r\n\r\n",
        BROWSER[:-2] + b"X-Bare: a\rb\r\n\r\n",
        BROWSER[:-2] + b"X-Nul: a\x00b\r\n\r\n",
        BROWSER[:-2] + b"No colon\r\n\r\n",
        BROWSER[:-2] + b"Host\r\n\r\n",  # a known name, but no colon
        b"\r\n" + BROWSER,  # the empty line some clients send first
        b"GET  / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
    ]
    for data in declined:
        assert simple_head(data, max_headers=100, max_size=16384) is None, data
    assert simple_head(BROWSER, max_headers=6, max_size=16384) is None
    assert simple_head(BROWSER, max_headers=100, max_size=len(BROWSER) - 1) is None


@attrs.define
class Outcome:
    requests: list[tuple[bytes, bytes, bytes, list[tuple[bytes, list[bytes]]]]]
    written: bytes
    closed: bool


class _Echo(Resource):
    isLeaf = True

    def render(self, request: Request) -> bytes:
        return b"%s %s" % (request.method, request.uri)


class _LineByLine(RevengeChannel):
    def _took_whole_head(self, data: bytes) -> bool:
        return False


_DATE = re.compile(rb"\r\nDate: [^\r]*")


def _feed(channel_class: type[RevengeChannel], chunks: list[bytes]) -> Outcome:
    seen: Outcome = Outcome([], b"", False)

    class Recording(RevengeRequest):
        def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
            headers = [(n, list(v)) for n, v in self.requestHeaders.getAllRawHeaders()]
            seen.requests.append((command, path, version, headers))
            super().requestReceived(command, path, version)  # type: ignore[no-untyped-call]

    site = RevengeSite(_Echo(), listener="test", reactor=Clock())  # type: ignore[no-untyped-call]
    site.requestFactory = Recording
    site.protocol = channel_class
    channel = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))  # type: ignore[no-untyped-call]
    transport = StringTransport()
    channel.makeConnection(transport)
    for chunk in chunks:
        if transport.disconnecting:
            break
        channel.dataReceived(chunk)
    seen.written = _DATE.sub(b"", transport.value())
    seen.closed = transport.disconnecting
    return seen


def _mostly(good: list[bytes], bad: list[bytes]) -> st.SearchStrategy[bytes]:
    """One of ``good`` four times in five, else one of ``bad``: whole heads the one-pass
    path takes must be common for the comparison to mean something."""
    return st.sampled_from(good * (4 * max(1, len(bad)) // len(good) + 1) + bad)


NAMES = _mostly([b"Host", b"host", b"HOST", b"X-Foo", b"x-foo", b"Connection", b"Expect",
                 b"Etag", b"Accept-Encoding"],
                [b"Content-Length", b"Transfer-Encoding", b"", b"Bad Name", b" Folded",
                 b"\tX", b"X\x00", b"Caf\xe9"])
VALUES = st.one_of(
    _mostly([b"", b"close", b"keep-alive", b"100-continue", b"0", b"5", b"chunked",
             b" padded \t", b"\tx\t", b"x" * 200],
            [b"a\rb", b"a\nb", b"a\x00b"]),
    st.binary(max_size=12))
SEPARATORS = _mostly([b":", b": ", b":\t"], [b" :", b"", b"::"])
ENDINGS = _mostly([b"\r\n"], [b"\n", b"\r"])
REQUEST_LINES = st.builds(
    lambda m, t, v: m + b" " + t + b" " + v,
    _mostly([b"GET", b"HEAD", b"POST", b"OPTIONS"], [b"G@T", b"", b"get"]),
    _mostly([b"/", b"/a?b=c", b"*", b"/%zz", b"/caf\xc3\xa9"], [b"", b"/a b", b"/\x7f"]),
    _mostly([b"HTTP/1.1", b"HTTP/1.0"], [b"HTTP/2.0", b"http/1.1", b"HTTP/1.1 "]))
HEADS = st.builds(
    lambda prefix, line, headers, end, tail: prefix + line + b"".join(
        n + s + v + e for n, s, v, e in headers) + end + tail,
    _mostly([b""], [b"\r\n"]), REQUEST_LINES.map(lambda r: r + b"\r\n"),
    st.lists(st.tuples(NAMES, SEPARATORS, VALUES, ENDINGS), max_size=8),
    _mostly([b"\r\n"], [b"\n", b""]),
    _mostly([b""], [b"body", b"GET /second HTTP/1.1\r\n\r\n"]))


@settings(max_examples=600, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(heads=st.lists(HEADS, min_size=1, max_size=3), whole=st.booleans())
def test_one_pass_and_line_by_line_read_the_same(heads: list[bytes], whole: bool) -> None:
    chunks = [b"".join(heads)] if whole else heads
    assert _feed(RevengeChannel, chunks) == _feed(_LineByLine, chunks)


def test_the_property_reaches_the_one_pass_path() -> None:
    """A guard on the test above: the usual heads it makes do take the one-pass path."""
    taken: list[bool] = []

    class Counting(RevengeChannel):
        def _took_whole_head(self, data: bytes) -> bool:
            taken.append(super()._took_whole_head(data))
            return taken[-1]

    outcome = _feed(Counting, [BROWSER, b"HEAD / HTTP/1.0\r\nHost: x\r\n\r\n"])
    assert taken == [True, True]
    assert [r[0] for r in outcome.requests] == [b"GET", b"HEAD"]
    assert outcome.closed  # HTTP/1.0 without keep-alive
