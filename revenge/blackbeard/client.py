"""``ITranscoder`` over HTTP with treq: the only module that talks to Blackbeard.

Every attempt has a timeout; failures worth retrying are retried with backoff and jitter
(``retry.py``); a circuit breaker fails fast while Blackbeard is down (``breaker.py``).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import treq
from treq.client import HTTPClient
from twisted.internet.defer import CancelledError, Deferred, TimeoutError
from twisted.internet.error import ConnectError, ConnectionLost, DNSLookupError
from twisted.web.client import Agent, HTTPConnectionPool, ResponseFailed
from twisted.web.http import PotentialDataLoss
from twisted.web.iweb import IResponse
from zope.interface import implementer

from revenge.blackbeard import metrics
from revenge.blackbeard.breaker import BreakerPolicy, CircuitBreaker
from revenge.blackbeard.contract import ContractError, TranscodeRequest, TranscodeStatus
from revenge.blackbeard.interface import ITranscoder, TranscoderError, TranscoderUnavailable
from revenge.blackbeard.retry import Retryable, RetryPolicy, retrying

T = TypeVar("T")
DEFAULT_RETRY = RetryPolicy()
DEFAULT_BREAKER = BreakerPolicy()
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_NETWORK_ERRORS = (ConnectError, ConnectionLost, DNSLookupError, ResponseFailed,
                   PotentialDataLoss, TimeoutError, CancelledError, OSError)


def _safe(part: str) -> str:
    if not _ID.match(part):
        raise TranscoderError(f"refusing an unsafe path part {part!r}")
    return part


@implementer(ITranscoder)
class BlackbeardClient:
    """Speaks the Blackbeard contract to ``base_url``."""

    def __init__(
        self,
        *,
        base_url: str,
        reactor: Any,
        rng: random.Random | None = None,
        http: HTTPClient | None = None,
        timeout: float = 10.0,
        segment_timeout: float = 45.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        breaker: BreakerPolicy = DEFAULT_BREAKER,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._reactor = reactor
        self._rng = rng or random.Random()
        if http is None:
            pool = HTTPConnectionPool(reactor, persistent=True)
            pool.maxPersistentPerHost = 16
            http = HTTPClient(Agent(reactor, pool=pool))
        self._http = http
        self._timeout = timeout
        self._segment_timeout = segment_timeout
        self._retry = retry
        self.breaker = CircuitBreaker(policy=breaker, clock=reactor)

    @property
    def healthy(self) -> bool:
        return self.breaker.state == "closed"

    # -- the contract ----------------------------------------------------------------------

    def health(self) -> Deferred[bool]:
        async def check() -> bool:
            try:
                await self._call("health", "GET", "/api/v1/health", retries=False)
            except TranscoderError:
                return False
            return True

        return Deferred.fromCoroutine(check())

    def start(self, request: TranscodeRequest) -> Deferred[str]:
        async def start() -> str:
            body = await self._call("start", "POST", "/api/v1/transcodes",
                                    body=request.to_json(), expect=(201,))
            doc = _json(body)
            if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                raise TranscoderError("Blackbeard answered a start without an id")
            return _safe(doc["id"])

        return Deferred.fromCoroutine(start())

    def status(self, transcode_id: str) -> Deferred[TranscodeStatus]:
        async def status() -> TranscodeStatus:
            body = await self._call("status", "GET", f"/api/v1/transcodes/{_safe(transcode_id)}")
            try:
                return TranscodeStatus.from_json(_json(body))
            except ContractError as e:
                raise TranscoderError(f"malformed status: {e}") from None

        return Deferred.fromCoroutine(status())

    def master_playlist(self, transcode_id: str) -> Deferred[bytes]:
        path = f"/api/v1/transcodes/{_safe(transcode_id)}/master.m3u8"
        return Deferred.fromCoroutine(self._call("master", "GET", path))

    def media_playlist(self, transcode_id: str, profile: str) -> Deferred[bytes]:
        path = f"/api/v1/transcodes/{_safe(transcode_id)}/{_safe(profile)}/index.m3u8"
        return Deferred.fromCoroutine(self._call("playlist", "GET", path))

    def segment(self, transcode_id: str, profile: str, name: str) -> Deferred[bytes]:
        path = f"/api/v1/transcodes/{_safe(transcode_id)}/{_safe(profile)}/{_safe(name)}"
        return Deferred.fromCoroutine(
            self._call("segment", "GET", path, timeout=self._segment_timeout))

    def delete(self, transcode_id: str) -> Deferred[None]:
        async def delete() -> None:
            await self._call("delete", "DELETE", f"/api/v1/transcodes/{_safe(transcode_id)}",
                             expect=(204, 404))

        return Deferred.fromCoroutine(delete())

    # -- one call: breaker, retries, timeout --------------------------------------------------

    async def _call(
        self, operation: str, method: str, path: str, *, body: Any = None,
        expect: tuple[int, ...] = (200,), timeout: float | None = None, retries: bool = True,
    ) -> bytes:
        started = time.monotonic()
        policy = self._retry if retries else RetryPolicy(retries=0)
        try:
            result = await retrying(
                lambda: self._attempt(method, path, body, expect, timeout or self._timeout),
                operation=operation, policy=policy, clock=self._reactor, rng=self._rng)
        except TranscoderUnavailable:
            metrics.CALLS.labels(operation, "unavailable").inc()
            raise
        except TranscoderError:
            metrics.CALLS.labels(operation, "error").inc()
            raise
        metrics.CALLS.labels(operation, "ok").inc()
        metrics.LATENCY.labels(operation).observe(time.monotonic() - started)
        return result

    async def _attempt(
        self, method: str, path: str, body: Any, expect: tuple[int, ...], timeout: float
    ) -> bytes:
        if not self.breaker.allow():
            raise TranscoderUnavailable("Blackbeard is unavailable (circuit open)")
        try:
            response, content = await _with_timeout(
                lambda: self._request(method, path, body), timeout, self._reactor)
        except _NETWORK_ERRORS as e:
            self.breaker.failed()
            raise Retryable(f"network: {type(e).__name__}") from None
        status = response.code
        if status >= 500 and status != 503:
            self.breaker.failed()
        else:
            self.breaker.succeeded()
        if status in expect:
            return content
        retry_after = _retry_after(response)
        if status >= 500 or status in (408, 429):
            raise Retryable(f"status: {status}", status=status, retry_after=retry_after)
        raise TranscoderError(f"Blackbeard answered {status}: {_message(content)}", status=status)

    async def _request(self, method: str, path: str, body: Any) -> tuple[IResponse, bytes]:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["data"] = json.dumps(body).encode()
            kwargs["headers"] = {b"Content-Type": [b"application/json"]}
        response = await self._http.request(method, self.base_url + path, **kwargs)
        content = await treq.content(response)
        return response, content


async def _with_timeout(
    work: Callable[[], Awaitable[T]], seconds: float, clock: Any
) -> T:
    async def run() -> T:
        return await work()

    return await Deferred.fromCoroutine(run()).addTimeout(seconds, clock)


def _retry_after(response: IResponse) -> float | None:
    values = response.headers.getRawHeaders(b"retry-after")
    if not values:
        return None
    try:
        return max(0.0, float(values[0]))
    except ValueError:
        return None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise TranscoderError("Blackbeard answered something that is not JSON") from None


def _message(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace")
