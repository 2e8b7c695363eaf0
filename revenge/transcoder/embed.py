"""The transcoder with its HTTP listener, as one service: embedded in ``twistd revenge``
(on a loopback port of its own) or run alone by ``twistd blackbeard``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.endpoints import serverFromString
from twisted.internet.interfaces import IListeningPort
from twisted.logger import Logger
from twisted.web.server import Site

from revenge.transcoder.app import build_app
from revenge.transcoder.manager import TranscoderService
from revenge.transcoder.pacing import Pacing

_log = Logger()


class ListeningService(Service):
    """Listens on a Twisted endpoint string; ``url()`` fires with where, once bound."""

    name = "blackbeard-web"

    def __init__(self, description: str, site: Site, *, reactor: Any) -> None:
        self._endpoint = serverFromString(reactor, description)
        self._site = site
        self._port: IListeningPort | None = None
        self._url: str | None = None
        self._waiting: list[Deferred[str]] = []

    def url(self) -> Deferred[str]:
        """``http://HOST:PORT`` of the bound listener (a port 0 is resolved)."""
        if self._url is not None:
            return succeed(self._url)
        waiting: Deferred[str] = Deferred()
        self._waiting.append(waiting)
        return waiting

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        self._endpoint.listen(self._site).addCallbacks(self._bound, self._failed)

    def _bound(self, port: IListeningPort) -> None:
        self._port = port
        host = port.getHost()
        address = getattr(host, "host", "127.0.0.1")
        if address in ("", "0.0.0.0", "::"):
            address = "127.0.0.1"
        if ":" in address:
            address = f"[{address}]"
        self._url = f"http://{address}:{getattr(host, 'port', 0)}"
        _log.info("Blackbeard listening on {url}", url=self._url)
        waiting, self._waiting = self._waiting, []
        for each in waiting:
            each.callback(self._url)

    def _failed(self, failure: Any) -> None:
        _log.failure("Blackbeard could not listen", failure)
        waiting, self._waiting = self._waiting, []
        for each in waiting:
            each.errback(failure)

    def stopService(self) -> Deferred[None] | None:
        super().stopService()  # type: ignore[no-untyped-call]
        if self._port is not None:
            port, self._port = self._port, None
            stopped: Deferred[None] | None = port.stopListening()
            return stopped
        return None


class BlackbeardService(MultiService):
    """The transcoder and its listener; stops the listener first, then every ffmpeg."""

    name = "blackbeard"

    def __init__(self, transcoder: TranscoderService, web: ListeningService) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.transcoder = transcoder
        self.web = web
        transcoder.setServiceParent(self)  # type: ignore[no-untyped-call]
        web.setServiceParent(self)  # type: ignore[no-untyped-call]

    def url(self) -> Deferred[str]:
        """Where the contract is served, once listening."""
        return self.web.url()

    def stopService(self) -> Deferred[None]:
        Service.stopService(self)

        async def in_order() -> None:
            for child in reversed(list(self)):
                await maybeDeferred(child.stopService)

        return Deferred.fromCoroutine(in_order())


def make_transcoder_service(
    *,
    work_dir: Path,
    ffmpeg: str,
    reactor: Any,
    listen_endpoint: str = "tcp:0:interface=127.0.0.1",
    max_encoders: int = 4,
    pacing: Pacing | None = None,
    reap_after: float = 600.0,
    threads: int = 2,
    preset: str = "veryfast",
) -> tuple[BlackbeardService, Deferred[str]]:
    """A Blackbeard service and a Deferred firing with its base URL once it listens.

    Add the service to a parent and start it; the Deferred fires then (port 0 resolved).
    """
    transcoder = TranscoderService(
        work_dir=work_dir, ffmpeg=ffmpeg, reactor=reactor, max_encoders=max_encoders,
        pacing=pacing, reap_after=reap_after, threads=threads, preset=preset)
    web = ListeningService(listen_endpoint, Site(build_app(transcoder).resource()),
                           reactor=reactor)
    service = BlackbeardService(transcoder, web)
    return service, service.url()
