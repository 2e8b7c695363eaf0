"""``ITranscoder`` over HTTP with treq: the only module in Revenge that talks to Blackbeard.

One call is: the circuit breaker's permission (``breaker.py``), then attempts, each with its
own timeout, retried with backoff and jitter where retrying makes sense (``retry.py``). The
contract it speaks is ``docs/blackbeard-contract.md``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import attrs
from treq.client import HTTPClient
from twisted.internet.defer import CancelledError, Deferred, TimeoutError, succeed
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost, DNSLookupError
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure
from twisted.web.client import (
    Agent,
    HTTPConnectionPool,
    RequestTransmissionFailed,
    ResponseFailed,
)
from twisted.web.http_headers import Headers
from twisted.web.iweb import IBodyProducer, IResponse
from zope.interface import implementer

from revenge.blackbeard import metrics
from revenge.blackbeard._http import (
    BytesProducer,
    TooLarge,
    Truncated,
    error_of,
    parse_json,
    read_body,
    retry_after,
)
from revenge.blackbeard.breaker import BreakerPolicy, CircuitBreaker, State
from revenge.blackbeard.contract import ContractError, TranscodeRequest, TranscodeStatus
from revenge.blackbeard.interface import (
    ITranscoder,
    MediaFailed,
    TranscodeNotFound,
    TranscoderError,
    TranscoderUnavailable,
)
from revenge.blackbeard.naming import is_safe_id
from revenge.blackbeard.retry import Retryable, RetryPolicy, retrying

T = TypeVar("T")
# What an attempt dies of when no (whole) answer arrives, besides our own timeout and a
# truncated body: refused, reset, DNS, a request that never went out or got no response.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    ConnectError, ConnectionLost, ConnectionDone, DNSLookupError, ResponseFailed,
    RequestTransmissionFailed, OSError)


_RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    TimeoutError, Truncated, *_CONNECTION_ERRORS)


@implementer(ITranscoder)
class BlackbeardClient:
    """Speaks the Blackbeard contract to ``base_url`` with timeouts, retries and a breaker.

    ``reactor`` schedules timeouts, retry delays and the breaker's probe (a ``Clock`` in
    tests); when ``http`` is not given it also carries the connections of a persistent
    ``HTTPConnectionPool``. ``healthy`` is False while the breaker is open or half-open.
    ``name`` labels its breaker's metrics (default: ``base_url``).
    """

    def __init__(
        self,
        *,
        base_url: str,
        reactor: IReactorTime,
        rng: random.Random,
        http: HTTPClient | None = None,
        timeout: float = 10.0,
        segment_timeout: float = 45.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 (frozen value)
        breaker: BreakerPolicy = BreakerPolicy(),  # noqa: B008 (frozen value)
        max_body: int = 64 * 1024 * 1024,
        max_connections: int = 16,
        name: str | None = None,
    ) -> None:
        # Public and writable: the embedded transcoder's port is known only once it listens.
        self.base_url = base_url.rstrip("/")
        self._reactor = reactor
        self._rng = rng
        self._pool: HTTPConnectionPool | None = None
        if http is None:
            self._pool = HTTPConnectionPool(reactor, persistent=True)
            # Prefetching players fetch several segments at once; keep those connections.
            self._pool.maxPersistentPerHost = max_connections
            http = HTTPClient(Agent(reactor, pool=self._pool))
        self._http = http
        self._timeout = timeout
        self._segment_timeout = segment_timeout
        self._retry = retry
        self._max_body = max_body
        self.name = name or self.base_url
        self.breaker = CircuitBreaker(policy=breaker, clock=reactor, name=self.name)
        self.breaker.subscribe(self._breaker_moved)
        self._probe_call: IDelayedCall | None = None

    @property
    def healthy(self) -> bool:
        """Whether Blackbeard answered lately: False while the breaker is not closed."""
        return self.breaker.state == "closed"

    def close(self) -> Deferred[None]:
        """Stop probing and close pooled connections (call when the service stops)."""
        if self._probe_call is not None and self._probe_call.active():
            self._probe_call.cancel()
        self._probe_call = None
        if self._pool is None:
            return succeed(None)
        closed: Deferred[None] = self._pool.closeCachedConnections()
        return closed

    # -- the contract ----------------------------------------------------------------------

    def health(self) -> Deferred[bool]:
        """Fire with whether ``GET /api/v1/health`` answered 200 (one attempt, no retries)."""

        async def health(call: _Call) -> bool:
            try:
                await self._call(call, "health", "GET", "/api/v1/health",
                                 policy=RetryPolicy(retries=0))
            except TranscoderError:
                return False
            return True

        return self._run("health", health)

    def start(self, request: TranscodeRequest) -> Deferred[str]:
        """``POST /api/v1/transcodes``; fire with the new transcode's id."""

        async def start(call: _Call) -> str:
            # Retrying a POST whose answer was lost may leave an orphan transcode behind;
            # Blackbeard reaps it as idle, which costs less than failing the player.
            body = await self._call(call, "start", "POST", "/api/v1/transcodes",
                                    body=request.to_json(), expect=(201,))
            doc = parse_json(body)
            if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                raise TranscoderError("Blackbeard answered a start without an id", status=201)
            return _safe(doc["id"])

        return self._run("start", start)

    def status(self, transcode_id: str) -> Deferred[TranscodeStatus]:
        """``GET /api/v1/transcodes/{id}``; fire with its state."""

        async def status(call: _Call) -> TranscodeStatus:
            body = await self._call(call, "status", "GET",
                                    f"/api/v1/transcodes/{_safe(transcode_id)}")
            try:
                return TranscodeStatus.from_json(parse_json(body))
            except ContractError as e:
                raise TranscoderError(f"malformed status: {e}", status=200) from None

        return self._run("status", status)

    def master_playlist(self, transcode_id: str) -> Deferred[bytes]:
        """``GET /api/v1/transcodes/{id}/master.m3u8``."""

        async def master(call: _Call) -> bytes:
            path = f"/api/v1/transcodes/{_safe(transcode_id)}/master.m3u8"
            return await self._call(call, "master", "GET", path)

        return self._run("master", master)

    def media_playlist(self, transcode_id: str, profile: str) -> Deferred[bytes]:
        """``GET /api/v1/transcodes/{id}/{profile}/index.m3u8``."""

        async def playlist(call: _Call) -> bytes:
            path = f"/api/v1/transcodes/{_safe(transcode_id)}/{_safe(profile)}/index.m3u8"
            return await self._call(call, "playlist", "GET", path)

        return self._run("playlist", playlist)

    def segment(self, transcode_id: str, profile: str, name: str) -> Deferred[bytes]:
        """``GET /api/v1/transcodes/{id}/{profile}/{name}``: the whole segment's bytes."""

        async def segment(call: _Call) -> bytes:
            path = f"/api/v1/transcodes/{_safe(transcode_id)}/{_safe(profile)}/{_safe(name)}"
            # Blackbeard may hold a not-yet-written segment for a while before its 503.
            return await self._call(call, "segment", "GET", path,
                                    timeout=self._segment_timeout)

        return self._run("segment", segment)

    def delete(self, transcode_id: str) -> Deferred[None]:
        """``DELETE /api/v1/transcodes/{id}``; an unknown transcode counts as deleted."""

        async def delete(call: _Call) -> None:
            try:
                await self._call(call, "delete", "DELETE",
                                 f"/api/v1/transcodes/{_safe(transcode_id)}",
                                 expect=(200, 202, 204))
            except TranscodeNotFound:
                return

        return self._run("delete", delete)

    # -- one call: cancellation, metrics, breaker, retries, timeout ------------------------

    def _run(self, operation: str,
             work: Callable[[_Call], Coroutine[Any, Any, T]]) -> Deferred[T]:
        """Run ``work`` as a Deferred whose cancellation stops the retries for good.

        Cancelling a coroutine's Deferred only cancels what it awaits, and a request
        cancelled half-way fails with a connection error that would look retryable; the
        ``_Call`` flag lets the retry loop and the breaker tell a caller's cancel apart.
        """
        call = _Call()
        started = self._reactor.seconds()

        async def measured() -> T:
            outcome = "cancelled"  # also what a coroutine closed unfinished counts as
            try:
                result = await work(call)
            except (TranscodeNotFound, MediaFailed):
                outcome = "rejected"
                raise
            except TranscoderUnavailable:
                outcome = "unavailable"
                raise
            except TranscoderError as e:
                outcome = "failed" if e.__cause__ is not None else "rejected"
                raise
            else:
                outcome = "ok"
                return result
            finally:
                if call.cancelled:
                    outcome = "cancelled"
                metrics.REQUESTS.labels(operation, outcome).inc()
                metrics.LATENCY.labels(operation).observe(self._reactor.seconds() - started)

        inner = Deferred.fromCoroutine(measured())

        def cancel(_: Deferred[T]) -> None:
            call.cancelled = True
            inner.cancel()

        outer: Deferred[T] = Deferred(cancel)

        def relay(result: T | Failure) -> None:
            # After a cancel the outer Deferred has its CancelledError; drop the rest.
            if not call.cancelled:
                outer.callback(result)

        inner.addBoth(relay)
        return outer

    async def _call(
        self, call: _Call, operation: str, method: str, path: str, *,
        body: dict[str, Any] | None = None, expect: tuple[int, ...] = (200,),
        timeout: float | None = None, policy: RetryPolicy | None = None,
    ) -> bytes:
        async def attempt() -> bytes:
            return await self._attempt(call, method, path, body, expect,
                                       timeout or self._timeout)

        return await retrying(attempt, operation=operation, policy=policy or self._retry,
                              clock=self._reactor, rng=self._rng)

    async def _attempt(
        self, call: _Call, method: str, path: str, body: dict[str, Any] | None,
        expect: tuple[int, ...], timeout: float,
    ) -> bytes:
        probe = self.breaker.acquire()
        try:
            response, content = await self._exchange(method, path, body, timeout)
        except TooLarge as e:
            self.breaker.succeeded(probe)
            raise TranscoderError(str(e)) from None
        except _RETRYABLE_ERRORS as e:
            if call.cancelled:
                self.breaker.abandoned(probe)
                raise CancelledError() from None
            self.breaker.failed(probe)
            raise _retryable(e) from e
        except BaseException:
            # A caller's cancel, or a bug: neither says anything about Blackbeard.
            self.breaker.abandoned(probe)
            raise
        status = response.code
        if status in (502, 504):
            self.breaker.failed(probe)
        else:
            # An answer means Blackbeard is up. A 500 is one operation failing (one
            # profile's encoder, say) and 503 is "not yet" or "full": neither should cut
            # every session off from every other profile. Retries still apply to them.
            self.breaker.succeeded(probe)
        if status in expect:
            return content
        code, message = error_of(content)
        detail = f"{method} {path} answered {status}: {message}"
        if status >= 500:
            reason = "not_ready" if status == 503 else "server_error"
            raise Retryable(reason, detail, status=status,
                            retry_after=retry_after(response, self._reactor))
        if status in (408, 429):
            raise Retryable("throttled", detail, status=status,
                            retry_after=retry_after(response, self._reactor))
        if status == 404 and code == "transcode_not_found":
            raise TranscodeNotFound(detail, status=status, code=code)
        if status == 422:
            raise MediaFailed(detail, status=status, code=code)
        raise TranscoderError(detail, status=status, code=code)

    async def _exchange(
        self, method: str, path: str, body: dict[str, Any] | None, timeout: float
    ) -> tuple[IResponse, bytes]:
        """One request and its whole body, or ``TimeoutError`` after ``timeout`` seconds."""

        async def exchange() -> tuple[IResponse, bytes]:
            headers = Headers({b"Accept": [b"application/json"]})
            data: IBodyProducer | None = None
            if body is not None:
                data = BytesProducer(json.dumps(body).encode())
                headers.setRawHeaders(b"Content-Type", [b"application/json"])
            response: IResponse = await self._http.request(
                method, self.base_url + path, headers=headers, data=data,
                allow_redirects=False, unbuffered=True)
            return response, await read_body(response, self._max_body)

        def timed_out(result: object, seconds: float) -> NoReturn:
            raise TimeoutError(f"no whole answer within {seconds:g} s")

        attempt = Deferred.fromCoroutine(exchange())
        attempt.addTimeout(timeout, self._reactor, onTimeoutCancel=timed_out)
        return await attempt

    # -- self-healing ----------------------------------------------------------------------

    def _breaker_moved(self, state: State) -> None:
        # Without traffic nothing would ever probe an open breaker, and /readyz reporting
        # "not ready" keeps traffic away: probe /api/v1/health after each cool-down.
        if state == "open":
            self._schedule_probe()

    def _schedule_probe(self) -> None:
        if self._probe_call is not None and self._probe_call.active():
            return
        self._probe_call = self._reactor.callLater(self.breaker.reopens_in(), self._probe)

    def _probe(self) -> None:
        self._probe_call = None
        if self.breaker.state != "open":
            return

        def again(_: bool) -> None:
            # The probe was refused (it lost a race with another caller's probe, or the
            # clock's arithmetic was a hair short): keep the schedule alive.
            if self.breaker.state == "open":
                self._schedule_probe()

        self.health().addCallback(again)


@attrs.define
class _Call:
    cancelled: bool = False


def _retryable(error: BaseException) -> Retryable:
    detail = f"{type(error).__name__}: {error}"
    if isinstance(error, TimeoutError):
        return Retryable("timeout", detail)
    if isinstance(error, Truncated):
        return Retryable("truncated", detail)
    return Retryable("connection", detail)


def _safe(part: str) -> str:
    """A path segment as the contract allows it; anything else never reaches the URL."""
    if not is_safe_id(part):
        raise TranscoderError(f"refusing an unsafe path part {part!r}")
    return part


