"""Graceful stop: after the listeners close, let in-flight responses finish, within a bound."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

_log = Logger()


class _HasInFlight(Protocol):
    """A site or factory that knows its requests under way."""

    @property
    def in_flight(self) -> Collection[object]: ...
_POLL = 0.05


class DrainService(Service):
    """Its stop waits until no request is in flight on ``sites``, or ``grace`` seconds."""

    name = "drain"

    def __init__(self, sites: Sequence[_HasInFlight], *, grace: float,
                 clock: IReactorTime) -> None:
        self._sites = sites
        self._grace = grace
        self._clock = clock

    def _busy(self) -> int:
        return sum(len(site.in_flight) for site in self._sites)

    def stopService(self) -> Deferred[None]:
        super().stopService()  # type: ignore[no-untyped-call]
        return Deferred.fromCoroutine(self._drain())

    async def _drain(self) -> None:
        deadline = self._clock.seconds() + self._grace
        if self._busy():
            _log.info("waiting for {count} response(s) to finish", count=self._busy())
        while self._busy() and self._clock.seconds() < deadline:
            await deferLater(self._clock, _POLL, lambda: None)
        if self._busy():
            _log.warn("{count} response(s) still running after {grace}s; closing them",
                      count=self._busy(), grace=self._grace)
