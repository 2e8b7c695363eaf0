"""The HTTP details under the client: request bodies, strict body reading, error answers."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any, cast

from twisted.internet.defer import Deferred, succeed
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Protocol
from twisted.python.failure import Failure
from twisted.web.client import ResponseDone
from twisted.web.http import PotentialDataLoss
from twisted.web.iweb import IBodyProducer, IResponse
from zope.interface import implementer

from revenge.blackbeard.interface import TranscoderError


class Truncated(Exception):
    """The answer's body ended before its framing said it would."""


class TooLarge(Exception):
    """The answer's body is larger than the client is willing to hold."""


@implementer(IBodyProducer)
class BytesProducer:
    """A request body already in memory, written at once (no cooperator, no reactor)."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self.length = len(body)

    def startProducing(self, consumer: Any) -> Deferred[None]:
        consumer.write(self._body)
        return succeed(None)

    def pauseProducing(self) -> None:
        """Nothing to pause: the body was written whole."""

    def resumeProducing(self) -> None:
        """Nothing to resume: the body was written whole."""

    def stopProducing(self) -> None:
        """Nothing to stop: the body was written whole."""


class _BodyReader(Protocol):
    """Collects a body, insisting on its framing: a cut-off body is an error, not data."""

    def __init__(self, finished: Deferred[bytes], limit: int) -> None:
        self._finished = finished
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0

    def dataReceived(self, data: bytes) -> None:
        if self._finished.called:
            return
        self._size += len(data)
        if self._size > self._limit:
            self.stop()
            self._finished.errback(TooLarge(f"answer larger than {self._limit} bytes"))
            return
        self._chunks.append(data)

    def connectionLost(self, reason: Failure = Failure(ConnectionDone())) -> None:  # noqa: B008
        if self._finished.called:
            return
        if reason.check(ResponseDone):
            self._finished.callback(b"".join(self._chunks))
        elif reason.check(PotentialDataLoss):
            # No Content-Length and not chunked: completeness cannot be told (the contract
            # asks for framed bodies).
            self._finished.errback(Truncated("body without length framing"))
        else:
            self._finished.errback(
                Truncated(f"body cut off after {self._size} bytes: {reason.value!r}"))

    def stop(self) -> None:
        """Drop the connection (the body is unwanted: cancelled, timed out or too large)."""
        if self.transport is not None:
            cast(Any, self.transport).stopProducing()


def read_body(response: IResponse, limit: int) -> Deferred[bytes]:
    if response.length == 0:
        return succeed(b"")
    reader: _BodyReader | None = None

    def cancel(_: Deferred[bytes]) -> None:
        if reader is not None:
            reader.stop()

    finished: Deferred[bytes] = Deferred(cancel)
    reader = _BodyReader(finished, limit)
    response.deliverBody(reader)
    return finished


def retry_after(response: IResponse, clock: IReactorTime) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP-date), None when absent/bad."""
    values = response.headers.getRawHeaders(b"retry-after")
    if not values:
        return None
    raw = values[0].decode("latin-1").strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - clock.seconds())


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise TranscoderError("Blackbeard answered something that is not JSON") from None


def error_of(body: bytes) -> tuple[str | None, str]:
    """The ``{"error": {"code", "message"}}`` of an error answer, or a bounded excerpt."""
    try:
        error = json.loads(body)["error"]
        return str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return None, body[:200].decode("utf-8", "replace")
