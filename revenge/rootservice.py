"""The root service of a ``twistd`` process: SIGTERM is a clean stop; children stop in order."""

from __future__ import annotations

import signal
from typing import Any

from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, maybeDeferred


class RootService(MultiService):
    """Stops its children one at a time, last started first, and exits 0 on SIGTERM."""

    def __init__(self, *, reactor: Any) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._reactor = reactor

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        # Twisted's own handler makes twistd re-raise the signal at exit (status -15);
        # a stop asked for with SIGTERM is a normal, successful end of the server. The
        # reactor installs its handlers as it starts running, so ours goes in after.
        self._reactor.callWhenRunning(signal.signal, signal.SIGTERM, self._stop_on_signal)

    def _stop_on_signal(self, signum: int, frame: object) -> None:
        self._reactor.callFromThread(self._reactor.stop)

    def stopService(self) -> Deferred[None]:
        # Listeners close first, then in-flight responses drain, then the rest.
        Service.stopService(self)
        return Deferred.fromCoroutine(self._stop_in_order())

    async def _stop_in_order(self) -> None:
        for child in reversed(list(self)):
            await maybeDeferred(child.stopService)
