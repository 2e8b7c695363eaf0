"""A circuit breaker: fail fast while Blackbeard is down, let one probe through after a rest.

closed → open after ``threshold`` consecutive failed attempts → (``cooldown`` later) the next
attempt is the one probe of half-open → closed when it succeeds, open again when it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import attrs
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from revenge.blackbeard import metrics
from revenge.blackbeard.interface import TranscoderUnavailable

State = Literal["closed", "open", "half_open"]
_STATES: tuple[State, ...] = ("closed", "open", "half_open")
_log = Logger()


@attrs.frozen(kw_only=True)
class BreakerPolicy:
    """Open after ``threshold`` consecutive failures; probe after ``cooldown`` seconds."""

    threshold: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    cooldown: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))


class CircuitBreaker:
    """Counts attempts' verdicts and decides whether the next attempt may go out.

    Every attempt that ``acquire`` lets through must end in exactly one of ``succeeded``,
    ``failed`` or ``abandoned``, passing back the ``probe`` flag ``acquire`` returned.
    ``name`` labels its metrics (which Blackbeard it guards).
    """

    def __init__(self, *, policy: BreakerPolicy, clock: IReactorTime,
                 name: str = "blackbeard") -> None:
        self.policy = policy
        self.name = name
        self._clock = clock
        self.state: State = "closed"
        self.failures = 0  # consecutive failures while closed
        self._opened_at = 0.0
        self._probe_out = False
        self._listeners: list[Callable[[State], None]] = []
        self._show("closed")

    def subscribe(self, listener: Callable[[State], None]) -> None:
        """Call ``listener(new_state)`` after every state change."""
        self._listeners.append(listener)

    def reopens_in(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when it would now)."""
        if self.state != "open":
            return 0.0
        return max(0.0, self._opened_at + self.policy.cooldown - self._clock.seconds())

    def acquire(self) -> bool:
        """Let an attempt out, or raise ``TranscoderUnavailable``; return whether it is the
        half-open probe."""
        if self.state == "open":
            wait = self.reopens_in()
            if wait > 0:
                raise TranscoderUnavailable(
                    f"Blackbeard is unavailable (circuit open, next probe in {wait:.1f} s)")
            self._move("half_open")
        if self.state == "half_open":
            if self._probe_out:
                raise TranscoderUnavailable("Blackbeard is unavailable (probe in flight)")
            self._probe_out = True
            return True
        return False

    def succeeded(self, probe: bool) -> None:
        """An attempt got a sane answer: Blackbeard is alive."""
        self.failures = 0
        if probe:
            self._probe_out = False
        # Any answer proves Blackbeard alive, even one to a request sent before it opened.
        if self.state != "closed":
            self._probe_out = False
            self._move("closed")

    def failed(self, probe: bool) -> None:
        """An attempt found Blackbeard unreachable, hanging or broken."""
        if self.state == "closed":
            self.failures += 1
            if self.failures >= self.policy.threshold:
                self._open()
        elif self.state == "half_open" and probe:
            self._probe_out = False
            self._open()
        # Otherwise a request sent before the breaker opened failed late: already counted.

    def abandoned(self, probe: bool) -> None:
        """An attempt ended without a verdict (its caller cancelled): free the probe slot."""
        if probe and self.state == "half_open":
            self._probe_out = False

    def _open(self) -> None:
        self._opened_at = self._clock.seconds()
        self._move("open")

    def _move(self, state: State) -> None:
        before = self.state
        if before == state:
            return
        self.state = state
        self._show(state)
        metrics.BREAKER_TRANSITIONS.labels(self.name, before, state).inc()
        _log.warn("blackbeard circuit breaker {from_state} -> {to_state} "
                  "(failures={failures}, cooldown={cooldown}, blackbeard={blackbeard})",
                  from_state=before, to_state=state, failures=self.failures,
                  cooldown=self.policy.cooldown, blackbeard=self.name)
        if state != "open":
            self.failures = 0
        for listener in list(self._listeners):
            listener(state)

    def _show(self, state: State) -> None:
        for each in _STATES:
            metrics.BREAKER_STATE.labels(self.name, each).set(1 if each == state else 0)
