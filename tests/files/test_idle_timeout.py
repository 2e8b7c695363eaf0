"""The hardened channel's idle timeout, on a ``Clock``: off while an answer is being
written (however long), on again after it, with one timer per connection throughout."""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.protocol import Protocol
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from revenge.api.internal import InternalRoutes
from revenge.api.site import RevengeSite

TIMEOUT = 10.0
GET = b"GET /internal/held HTTP/1.1\r\nHost: x\r\n\r\n"


class _Held(Resource):
    """Answers only when the test says so."""

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.requests: list[Request] = []

    def render(self, request: Request) -> int:
        self.requests.append(request)
        return NOT_DONE_YET


def _answer(request: Request) -> None:
    request.setHeader(b"Content-Length", b"2")
    request.write(b"ok")
    request.finish()


def _connect() -> tuple[Clock, _Held, StringTransport, Protocol]:
    clock = Clock()
    held = _Held()
    site = RevengeSite(InternalRoutes({b"held": held}), listener="test", timeout=TIMEOUT,
                       reactor=clock)
    channel = site.buildProtocol(IPv4Address("TCP", "127.0.0.1", 1))  # type: ignore[no-untyped-call]
    transport = StringTransport()
    channel.makeConnection(transport)
    return clock, held, transport, channel


def test_a_long_answer_is_not_idle_and_the_timeout_runs_again_after_it() -> None:
    clock, held, transport, channel = _connect()
    clock.advance(5)
    channel.dataReceived(GET)
    clock.advance(60)  # far past the idle timeout, still answering
    assert not transport.disconnecting
    _answer(held.requests[0])
    clock.advance(TIMEOUT - 1)
    assert not transport.disconnecting
    clock.advance(1.5)
    assert transport.disconnecting


def test_requests_reuse_the_connections_one_timer() -> None:
    clock, held, transport, channel = _connect()
    (timer,) = clock.getDelayedCalls()
    for n in range(1, 4):
        clock.advance(1)
        channel.dataReceived(GET)
        _answer(held.requests[-1])
        assert clock.getDelayedCalls() == [timer]
        assert timer.getTime() == n + TIMEOUT  # counted again from the last answer
    assert transport.value().count(b"HTTP/1.1 200 OK") == 3
