"""The service tree of ``twistd revenge``: named children, started in order, stopped in reverse."""

from __future__ import annotations

import signal
from typing import Any

from twisted.application import strports
from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, maybeDeferred

from revenge.api.app import build_api
from revenge.api.drain import DrainService
from revenge.api.site import RevengeSite
from revenge.config import Config
from revenge.library.probe import PyAVProbe
from revenge.library.service import LibraryService
from revenge.security.first_start import FirstStartService
from revenge.store.service import StoreService
from revenge.store.sqlite import SQLiteStore


class _ProbeService(Service):
    """Stops the probe's worker threads with the server."""

    name = "probe"

    def __init__(self, probe: PyAVProbe) -> None:
        self.probe = probe

    def stopService(self) -> Deferred[None] | None:
        super().stopService()  # type: ignore[no-untyped-call]
        self.probe.stop()
        return None


class RevengeService(MultiService):
    """The root service; SIGTERM is a graceful stop, so twistd exits 0 after it."""

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
        # One child at a time, last started first: listeners close, in-flight responses
        # drain, then playback persists and stops transcodes, and the store closes last.
        Service.stopService(self)
        return Deferred.fromCoroutine(self._stop_in_order())

    async def _stop_in_order(self) -> None:
        for child in reversed(list(self)):
            await maybeDeferred(child.stopService)


def build_service(config: Config, *, reactor: Any) -> RevengeService:
    """Everything ``twistd revenge`` runs, as one ``MultiService``."""
    store = SQLiteStore(config.data_path / "revenge.sqlite3", reactor=reactor)
    probe = PyAVProbe(reactor=reactor, threads=config.library.probe_threads)
    library = LibraryService(
        store=store,
        probe=probe,
        roots=config.library.media,
        extensions=config.library.extensions,
        reactor=reactor,
        scan_on_start=config.library.scan_on_start,
    )
    api = build_api(library=library, store=store, checks={"store": store.is_open})
    site = RevengeSite(api.resource(), listener="public", cors=config.server.cors,
                       timeout=config.server.connection_timeout)
    listeners = [strports.service(endpoint, site) for endpoint in config.server.listen]
    for number, listener in enumerate(listeners):
        listener.setName(f"web-{number}")

    root = RevengeService(reactor=reactor)
    first_start = FirstStartService(store, public_url=_public_url(config.server.listen[0]))
    drain = DrainService([site], grace=config.server.shutdown_grace, clock=reactor)
    for child in (StoreService(store), first_start, _ProbeService(probe), library, drain,
                  *listeners):
        root.addService(child)  # type: ignore[no-untyped-call]
    return root


def _public_url(endpoint: str) -> str:
    """A URL for humans from a listen endpoint such as ``tcp:8080:interface=127.0.0.1``."""
    parts = endpoint.split(":")
    port = next((p for p in parts[1:] if p.isdigit()), "8080")
    host = next((p.split("=", 1)[1] for p in parts if p.startswith("interface=")), "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"
