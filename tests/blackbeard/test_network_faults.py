"""The client against a fault-injecting HTTP server on loopback, on the real reactor."""

from __future__ import annotations

import random
import socket
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.web.server import Request, Site

from revenge.blackbeard.breaker import BreakerPolicy
from revenge.blackbeard.client import BlackbeardClient
from revenge.blackbeard.interface import TranscoderError, TranscoderUnavailable
from revenge.blackbeard.retry import RetryPolicy
from tests.blackbeard.scripted import (
    Behaviour,
    Script,
    answer,
    error,
    hang,
    reset,
    truncated,
)
from tests.loopback import listen, port_number, stop_listening

# Small real delays keep these fast; the exact schedule is asserted with a Clock elsewhere.
FAST = RetryPolicy(retries=3, step=0.01, jitter_ms=5, max_retry_after=1)


@attrs.define
class Server:
    """A scripted server on a loopback port and a client pointed at it."""

    script: Script
    client: BlackbeardClient
    lost: list[Request]

    def play(self, *behaviours: Behaviour) -> None:
        """Script the next answers."""
        self.script.behaviours = list(behaviours)


@pytest_twisted.async_yield_fixture
async def server() -> AsyncIterator[Server]:
    """Listen on 127.0.0.1:0; stop listening and drop pooled connections afterwards."""
    script = Script([answer(200)], clock=reactor)
    lost: list[Request] = []
    original = script.render

    def render(request: Request) -> Any:
        # Note each request whose connection dies before it was answered (hang, reset).
        request.notifyFinish().addErrback(lambda _: lost.append(request))
        return original(request)

    script.render = render  # type: ignore[method-assign]
    port = listen(Site(script))
    client = BlackbeardClient(
        base_url=f"http://127.0.0.1:{port_number(port)}", reactor=reactor,
        rng=random.Random(1), timeout=0.3, segment_timeout=0.3, retry=FAST,
        breaker=BreakerPolicy(threshold=100))
    yield Server(script, client, lost)
    await client.close()
    for each in script.seen:
        if not each.request.finished and not each.request._disconnected:
            each.request.transport.abortConnection()  # type: ignore[union-attr]
    await stop_listening(port)


async def fetch(server: Server) -> bytes:
    result: bytes = await server.client.segment("t1", "p360", "3.ts")
    return result


@pytest_twisted.ensureDeferred
async def test_server_errors_are_retried(server: Server) -> None:
    server.play(error(500, "boom"), error(503, "not_yet", {"Retry-After": "0"}),
                answer(200, b"S" * 100_000))
    assert await fetch(server) == b"S" * 100_000
    assert len(server.script.seen) == 3


@pytest_twisted.ensureDeferred
async def test_a_connection_reset_is_retried(server: Server) -> None:
    server.play(reset, reset, answer(200, b"after resets"))
    assert await fetch(server) == b"after resets"
    assert len(server.script.seen) == 3


@pytest_twisted.ensureDeferred
async def test_a_hang_past_the_timeout_is_abandoned_and_retried(server: Server) -> None:
    server.play(hang, answer(200, b"second try"))
    assert await fetch(server) == b"second try"
    assert len(server.script.seen) == 2
    # The client hung up on the stuck request rather than leaving it open.
    assert server.lost == [server.script.seen[0].request]


@pytest_twisted.ensureDeferred
async def test_a_truncated_body_is_not_taken_for_a_segment(server: Server) -> None:
    server.play(truncated, answer(200, b"x" * 1000))
    assert await fetch(server) == b"x" * 1000
    assert len(server.script.seen) == 2


@pytest_twisted.ensureDeferred
async def test_persistent_faults_give_up_with_the_cause(server: Server) -> None:
    server.play(truncated)
    with pytest.raises(TranscoderUnavailable) as caught:
        await fetch(server)
    assert "after 4 attempts" in str(caught.value) and "truncated" in str(caught.value)
    assert len(server.script.seen) == 4


@pytest_twisted.ensureDeferred
async def test_a_bad_request_is_not_retried(server: Server) -> None:
    server.play(error(400, "bad_request"), answer(200))
    with pytest.raises(TranscoderError) as caught:
        await fetch(server)
    assert (caught.value.status, caught.value.code) == (400, "bad_request")
    assert len(server.script.seen) == 1


@pytest_twisted.ensureDeferred
async def test_connections_are_reused(server: Server) -> None:
    server.play(answer(200, b"one"))
    for _ in range(3):
        assert await fetch(server) == b"one"
    peers = {each.request.getClientAddress().port for each in server.script.seen}
    assert len(server.script.seen) == 3 and len(peers) == 1


@pytest_twisted.ensureDeferred
async def test_nobody_listening_is_unavailable(server: Server) -> None:
    # A bound socket that never listens: connecting is refused, and holding the port keeps
    # the kernel from handing it out meanwhile.
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        server.client.base_url = f"http://127.0.0.1:{bound.getsockname()[1]}"
        with pytest.raises(TranscoderUnavailable) as caught:
            await fetch(server)
    # Refused on most stacks; some sandboxes drop the SYN instead, which is a timeout.
    assert caught.value.status is None
    assert "connection" in str(caught.value) or "timeout" in str(caught.value)


@pytest_twisted.ensureDeferred
async def test_cancelling_hangs_up_on_the_server(server: Server) -> None:
    server.play(hang)
    d: Deferred[bytes] = server.client.segment("t1", "p", "0.ts")
    arrived: Deferred[None] = Deferred()
    reactor.callLater(0.05, arrived.callback, None)
    await arrived
    assert len(server.script.seen) == 1
    d.cancel()
    with pytest.raises(Exception) as caught:
        await d
    assert type(caught.value).__name__ == "CancelledError"
    assert len(server.script.seen) == 1
