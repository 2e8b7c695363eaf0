"""The store as a service: opened first at start, closed last at stop."""

from __future__ import annotations

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from revenge.store.interface import IStore

_log = Logger()


class StoreService(Service):
    """Opens the store when started; closes it when stopped."""

    name = "store"

    def __init__(self, store: IStore) -> None:
        self.store = store

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        # Work queued before the open completes waits behind it on the store's thread.
        self.store.open().addErrback(lambda f: _log.failure("the store failed to open", f))

    def stopService(self) -> Deferred[None]:
        super().stopService()  # type: ignore[no-untyped-call]
        return self.store.close()
