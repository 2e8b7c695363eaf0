"""The client as a service: a health check every few seconds (so ``/readyz`` notices a
Blackbeard that died while idle), and its pooled connections closed at stop."""

from __future__ import annotations

from twisted.application.internet import TimerService
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from revenge.blackbeard.client import BlackbeardClient


class BlackbeardHealthService(TimerService):
    """Asks ``GET /api/v1/health`` every ``interval`` seconds through the client's breaker."""

    name = "blackbeard-health"

    def __init__(self, client: BlackbeardClient, *, interval: float = 10.0,
                 clock: IReactorTime | None = None) -> None:
        super().__init__(interval, client.health)  # type: ignore[no-untyped-call]
        self._client = client
        if clock is not None:
            self.clock = clock

    def stopService(self) -> Deferred[None]:
        stopped = super().stopService()  # type: ignore[no-untyped-call]

        async def then_close() -> None:
            await stopped
            await self._client.close()

        return Deferred.fromCoroutine(then_close())
