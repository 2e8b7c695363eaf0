"""The pool as a service: a health check of every Blackbeard every few seconds (so
``/readyz`` notices one that died while idle, and one marked down comes back once it
answers), and the clients' pooled connections closed at stop."""

from __future__ import annotations

from collections.abc import Sequence

from twisted.application.internet import TimerService
from twisted.internet.defer import Deferred, gatherResults
from twisted.internet.interfaces import IReactorTime

from revenge.blackbeard.client import BlackbeardClient
from revenge.blackbeard.placement import Member
from revenge.blackbeard.pool import BlackbeardPool


class BlackbeardHealthService(TimerService):
    """Asks ``GET /api/v1/health`` of each of the pool's Blackbeards every ``interval``
    seconds, through each client's breaker."""

    name = "blackbeard-health"

    def __init__(self, pool: BlackbeardPool, clients: Sequence[BlackbeardClient], *,
                 interval: float = 10.0, clock: IReactorTime | None = None) -> None:
        super().__init__(interval, pool.health)  # type: ignore[no-untyped-call]
        self._clients = tuple(clients)
        if clock is not None:
            self.clock = clock

    def stopService(self) -> Deferred[None]:
        stopped = super().stopService()  # type: ignore[no-untyped-call]

        async def then_close() -> None:
            await stopped
            await gatherResults([client.close() for client in self._clients])

        return Deferred.fromCoroutine(then_close())


def client_pool(clients: Sequence[BlackbeardClient]) -> BlackbeardPool:
    """A pool over ``clients``, each named as its metrics are."""
    return BlackbeardPool([Member(client.name, client) for client in clients])
