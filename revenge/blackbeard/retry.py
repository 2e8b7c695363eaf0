"""Deferred-based retries with backoff and jitter, as the seed prescribes.

The seed (``streaming-best-practices.md``, "Retry Logic") waits
``attempt x 200 ms + rand.Int63n(100) ms`` before retry ``attempt`` (1-based): whole
milliseconds of jitter in [0, 100). That is what :meth:`RetryPolicy.delay` computes; the
seed calls it exponential, but the step grows linearly with the attempt, and so does ours.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

from revenge.blackbeard import metrics
from revenge.blackbeard.interface import TranscoderError, TranscoderUnavailable

T = TypeVar("T")
_log = Logger()


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How often and how patiently to retry one call."""

    retries: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    step: float = attrs.field(default=0.2, validator=attrs.validators.ge(0))  # x attempt
    jitter_ms: int = attrs.field(default=100, validator=attrs.validators.ge(0))
    # A server's Retry-After is obeyed up to this many seconds, so a confused or hostile
    # Blackbeard cannot park a player's request for minutes.
    max_retry_after: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based), without Retry-After."""
        jitter = rng.randrange(self.jitter_ms) if self.jitter_ms else 0
        return attempt * self.step + jitter / 1000

    def wait(self, attempt: int, rng: random.Random, retry_after: float | None) -> float:
        """The wait actually used: the server's Retry-After (capped) when it gave one."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return self.delay(attempt, rng)


class Retryable(Exception):
    """A failure worth another try: 5xx, 408, 429, a timeout, a reset, a truncated body.

    ``reason`` is a short, bounded label (it becomes a metric label); ``detail`` is for
    people.
    """

    def __init__(self, reason: str, detail: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


async def retrying(
    attempt_once: Callable[[], Awaitable[T]],
    *,
    operation: str,
    policy: RetryPolicy,
    clock: IReactorTime,
    rng: random.Random,
) -> T:
    """Await ``attempt_once()`` until it succeeds or raises something not ``Retryable``.

    When the retries run out, raise ``TranscoderError`` carrying the last status (its
    ``TranscoderUnavailable`` subclass when the last attempt got no answer at all).
    A caller's cancel surfaces as ``CancelledError`` (never ``Retryable``) and ends it.
    """
    attempt = 0
    while True:
        try:
            return await attempt_once()
        except Retryable as failure:
            attempt += 1
            if attempt > policy.retries:
                _log.warn("blackbeard gave up {operation} after {attempts} attempts: "
                          "{reason} ({detail})", operation=operation, attempts=attempt,
                          reason=failure.reason, detail=failure.detail)
                give_up = TranscoderError if failure.status is not None else TranscoderUnavailable
                raise give_up(
                    f"{operation} failed after {attempt} attempts: {failure}",
                    status=failure.status,
                ) from failure
            wait = policy.wait(attempt, rng, failure.retry_after)
            metrics.RETRIES.labels(operation, failure.reason).inc()
            _log.warn("blackbeard retry {operation} attempt={attempt} delay={delay:.3f} "
                      "reason={reason} detail={detail}", operation=operation, attempt=attempt,
                      delay=wait, reason=failure.reason, detail=failure.detail,
                      status=failure.status)
            await deferLater(clock, wait, lambda: None)
