"""Deferred-based retries with backoff and jitter: attempt x 200 ms + 0-100 ms (the seed)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

from revenge.blackbeard import metrics
from revenge.blackbeard.interface import TranscoderError

T = TypeVar("T")
_log = Logger()


@attrs.frozen
class RetryPolicy:
    """How often and how patiently to retry."""

    retries: int = 3
    step: float = 0.2  # x attempt
    jitter: float = 0.1  # uniform 0..jitter added
    max_retry_after: float = 10.0  # cap on a server's Retry-After

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number ``attempt`` (1-based)."""
        return attempt * self.step + rng.uniform(0, self.jitter)


class Retryable(Exception):
    """A failure worth another try: 5xx, 408, 429, a timeout, a reset, a truncated body."""

    def __init__(self, reason: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
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
    """Run ``attempt_once`` until it succeeds, raises a non-``Retryable``, or retries run out
    (then ``TranscoderError`` with the last status)."""
    attempt = 0
    while True:
        try:
            return await attempt_once()
        except Retryable as failure:
            attempt += 1
            if attempt > policy.retries:
                raise TranscoderError(
                    f"{operation} failed after {attempt} attempts: {failure.reason}",
                    status=failure.status,
                ) from None
            wait = policy.delay(attempt, rng)
            if failure.retry_after is not None:
                wait = min(max(failure.retry_after, wait), policy.max_retry_after)
            kind = failure.reason.split(":")[0]
            metrics.RETRIES.labels(operation, kind).inc()
            _log.warn("blackbeard retry {operation} attempt={attempt} delay={delay:.3f}s "
                      "reason={reason}", operation=operation, attempt=attempt, delay=wait,
                      reason=failure.reason)
            await deferLater(clock, wait, lambda: None)
