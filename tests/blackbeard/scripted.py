"""A scripted HTTP server for client tests: each request gets the next scripted behaviour."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import attrs
from treq.client import HTTPClient
from treq.testing import RequestTraversalAgent
from twisted.internet.task import Clock
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from revenge.blackbeard.breaker import BreakerPolicy
from revenge.blackbeard.client import BlackbeardClient
from revenge.blackbeard.retry import RetryPolicy

Behaviour = Callable[[Request], bytes | int]


def answer(status: int, body: bytes = b"ok", headers: dict[str, str] | None = None) -> Behaviour:
    """Answer ``status`` with ``body`` (and its Content-Length)."""

    def behave(request: Request) -> bytes:
        request.setResponseCode(status)
        for name, value in (headers or {}).items():
            request.setHeader(name, value)
        request.setHeader(b"Content-Length", str(len(body)).encode())
        return body

    return behave


def error(status: int, code: str, headers: dict[str, str] | None = None) -> Behaviour:
    """A contract error answer ``{"error": {"code", "message"}}``."""
    body = json.dumps({"error": {"code": code, "message": f"scripted {code}"}}).encode()
    return answer(status, body, {"Content-Type": "application/json", **(headers or {})})


def hang(request: Request) -> int:
    """Never answer (the client's timeout must end it)."""
    return NOT_DONE_YET


def reset(request: Request) -> int:
    """Drop the connection without a word."""
    request.transport.abortConnection()  # type: ignore[union-attr]
    return NOT_DONE_YET


def truncated(request: Request) -> int:
    """Promise 1000 bytes, send 10, and drop the connection."""
    request.setResponseCode(200)
    request.setHeader(b"Content-Length", b"1000")
    request.write(b"0123456789")
    # loseConnection, not abort: what was written must arrive before the connection ends.
    request.transport.loseConnection()  # type: ignore[union-attr]
    return NOT_DONE_YET


@attrs.define
class Seen:
    """One request the script answered."""

    method: str
    path: str
    at: float
    body: bytes
    request: Request


class Script(Resource):
    """Answers request n with ``behaviours[n]`` (the last one repeats)."""

    isLeaf = True

    def __init__(self, behaviours: list[Behaviour], clock: Any = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.behaviours = list(behaviours)
        self.clock = clock
        self.seen: list[Seen] = []

    def render(self, request: Request) -> bytes | int:
        index = min(len(self.seen), len(self.behaviours) - 1)
        assert request.content is not None  # the body has arrived by the time of render
        self.seen.append(Seen(request.method.decode(), request.path.decode(),
                              self.clock.seconds() if self.clock else 0.0,
                              request.content.read(), request))
        return self.behaviours[index](request)

    @property
    def times(self) -> list[float]:
        """When each request arrived (by the script's clock)."""
        return [each.at for each in self.seen]


@attrs.define
class InMemory:
    """A client wired to a resource through memory, timed by a ``Clock``."""

    client: BlackbeardClient
    clock: Clock
    agent: RequestTraversalAgent


def in_memory(resource: Resource, *, clock: Clock | None = None, seed: int = 4,
              retry: RetryPolicy | None = None, breaker: BreakerPolicy | None = None,
              timeout: float = 10.0) -> InMemory:
    """A client talking to ``resource`` in memory, with a ``Clock`` for every delay."""
    clock = clock or Clock()
    if isinstance(resource, Script):
        resource.clock = clock
    agent = RequestTraversalAgent(resource)  # type: ignore[no-untyped-call]
    client = BlackbeardClient(
        base_url="http://blackbeard.test:8081/", reactor=clock, rng=random.Random(seed),
        http=HTTPClient(agent), timeout=timeout, segment_timeout=timeout,
        retry=retry or RetryPolicy(), breaker=breaker or BreakerPolicy())
    return InMemory(client, clock, agent)
