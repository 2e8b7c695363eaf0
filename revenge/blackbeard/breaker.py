"""A circuit breaker: fail fast while Blackbeard is down, probe once after a cool-down."""

from __future__ import annotations

from typing import Literal

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from revenge.blackbeard import metrics

State = Literal["closed", "open", "half_open"]
_log = Logger()


@attrs.frozen
class BreakerPolicy:
    """Open after ``threshold`` consecutive failures; probe after ``cooldown`` seconds."""

    threshold: int = 5
    cooldown: float = 30.0


class CircuitBreaker:
    """closed → open (after the threshold) → half-open (one probe) → closed or open again."""

    def __init__(self, *, policy: BreakerPolicy, clock: IReactorTime) -> None:
        self._policy = policy
        self._clock = clock
        self.state: State = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    def allow(self) -> bool:
        """May a call go out now?"""
        if self.state == "open":
            if self._clock.seconds() - self._opened_at < self._policy.cooldown:
                return False
            self._move("half_open")
        if self.state == "half_open":
            if self._probing:
                return False
            self._probing = True
        return True

    def succeeded(self) -> None:
        """A call reached a live Blackbeard."""
        self._failures = 0
        self._probing = False
        if self.state != "closed":
            self._move("closed")

    def failed(self) -> None:
        """A call found Blackbeard unreachable or broken."""
        self._failures += 1
        self._probing = False
        if self.state == "half_open" or (
            self.state == "closed" and self._failures >= self._policy.threshold
        ):
            self._opened_at = self._clock.seconds()
            self._move("open")

    def _move(self, state: State) -> None:
        _log.warn("blackbeard circuit breaker {before} -> {after}", before=self.state,
                  after=state)
        self.state = state
        metrics.BREAKER_STATE.set(0 if state == "closed" else 1)
        metrics.BREAKER_CHANGES.labels(state).inc()
