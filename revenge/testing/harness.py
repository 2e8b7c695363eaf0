"""``AppHarness``: Revenge's public HTTP app in memory, with fakes only at the edges.

The routes, the library and playback services, the session logic, the signed stream URLs,
the manifest rewriting, the segment buffer and cache are the real ones, wired by the
functions ``twistd revenge`` uses (``revenge.server``); what is replaced is what lies outside
one process: the store (``MemoryStore``), Blackbeard (``FakeTranscoder``), the probe
(``InlineProbe``), time and threads (``InlineThreadsClock``). Requests go through
``treq.testing.StubTreq``, segments through the same fast route ``RevengeSite`` dispatches
before Klein. What only the real ``Site`` and listeners do (the ``Server`` header, CORS,
request size limits, timeouts, metrics of requests) is not here; that needs a real process.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from treq.testing import StubTreq
from twisted.application.service import MultiService
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.web.resource import IResource, Resource
from twisted.web.server import Request

from revenge.api.segments import SegmentRoute
from revenge.artwork.service import ArtworkService
from revenge.config import Config
from revenge.library.probe import IProbe
from revenge.library.service import LibraryService
from revenge.server import (
    INTERNAL_TOKEN_HEADER,
    build_artwork,
    build_playback,
    build_subtitles,
    public_app,
)
from revenge.store.records import MediaRecord
from revenge.subtitles.service import SubtitleService
from revenge.testing.client import Client
from revenge.testing.probe import InlineProbe
from revenge.testing.reactor import InlineThreadsClock
from revenge.testing.store import MemoryStore
from revenge.testing.transcoder import FakeTranscoder

__all__ = ["INTERNAL_ORIGIN", "AppHarness"]

INTERNAL_ORIGIN = "http://internal.revenge.test"
SIGNING_KEY = b"revenge.testing: a key for tests"
INTERNAL_TOKEN = "revenge.testing-internal-token"


def _at_once(d: Deferred[None]) -> None:
    """Raise what an in-memory call failed with, rather than leave it to the garbage."""
    failures: list[Failure] = []
    d.addErrback(failures.append)
    if failures:
        failures[0].raiseException()


def _subtitles(config: Config, directory: Path, clock: InlineThreadsClock) -> SubtitleService:
    """Subtitles extracted by the real ffmpeg (run by the real reactor) into ``directory``;
    their file work inline and their timers on ``clock``, as the rest of the harness."""
    from twisted.internet import reactor

    return build_subtitles(config, reactor=reactor, directory=directory, threads=clock,
                           clock=clock)


def _artwork(config: Config, library: LibraryService, directory: Path,
             clock: InlineThreadsClock, *, background: bool) -> ArtworkService:
    """Posters and thumbnails made by the real ffmpeg (run by the real reactor) into
    ``directory``; their file work inline and their timers on ``clock``."""
    from twisted.internet import reactor

    return build_artwork(config, library=library, reactor=reactor, directory=directory,
                         threads=clock, clock=clock, background=background)


class _SegmentsFirst(Resource):
    """The app's resource, but a request the fast route takes goes there instead, as
    ``RevengeSite.getResourceFor`` dispatches it."""

    isLeaf = True

    def __init__(self, app: IResource, fast_route: Callable[[Request], IResource | None]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._app = app
        self._fast_route = fast_route

    def render(self, request: Request) -> bytes | int:
        chosen = self._fast_route(request) or self._app
        result: bytes | int = chosen.render(request)
        return result


class AppHarness:
    """The public app over prepared ``records``, or over the media in ``folders`` (scanned
    at start, with ``config.library.media``), ready to take requests.

    ``anonymous`` sends no token; ``new_user`` makes a user and a client with a token of
    theirs. The objects behind the app are attributes, for assertions and for steering:
    ``clock`` (advance it to expire URLs and idle sessions), ``transcoder``, ``store``,
    ``library``, ``playback``, ``streaming``, ``cache``, ``subtitles`` (real ffmpeg extractions
    into a scratch directory removed by ``stop``), ``artwork`` (posters and thumbnails by the
    real ffmpeg, there too: made when asked for, or after each scan with
    ``artwork_background``).
    """

    def __init__(
        self,
        *,
        records: Sequence[MediaRecord] = (),
        folders: Sequence[str | Path] = (),
        config: Config | None = None,
        store: MemoryStore | None = None,
        transcoder: FakeTranscoder | None = None,
        probe: IProbe | None = None,
        clock: InlineThreadsClock | None = None,
        subtitles: SubtitleService | None = None,
        artwork_background: bool = False,
    ) -> None:
        self.config = config if config is not None else Config()
        roots = (*self.config.library.media, *(str(f) for f in folders))
        if records and roots:
            raise ValueError("give records or folders: a scan forgets records not in them")
        self.clock = clock if clock is not None else InlineThreadsClock()
        self.store = store if store is not None else MemoryStore()
        self.transcoder = transcoder if transcoder is not None else FakeTranscoder()
        self.probe = probe if probe is not None else InlineProbe(
            segment_duration=self.config.playback.segment_duration,
            bootstrap_duration=self.config.playback.bootstrap_duration)
        if not self.store.is_open():
            _at_once(self.store.open())
        if records:
            _at_once(self.store.save_media(records))
        self.library = LibraryService(
            store=self.store, probe=self.probe, roots=roots,
            extensions=self.config.library.extensions, reactor=self.clock,
            scan_on_start=self.config.library.scan_on_start and bool(roots))
        self._scratch = tempfile.TemporaryDirectory(prefix="revenge-harness-")
        if subtitles is None:
            subtitles = _subtitles(self.config, Path(self._scratch_dir("subtitles")),
                                   self.clock)
        self.subtitles = subtitles
        self.library.when_gone(subtitles.forget)
        core = build_playback(self.config, library=self.library, store=self.store,
                              transcoder=self.transcoder, source=self._source,
                              signing_key=SIGNING_KEY, clock=self.clock, subtitles=subtitles)
        self.cache, self.transcodes = core.cache, core.transcodes
        self.playback, self.streaming = core.service, core.streaming
        self.artwork = _artwork(self.config, self.library, Path(self._scratch_dir("artwork")),
                                self.clock, background=artwork_background)
        self.app = public_app(self.config, library=self.library, store=self.store, core=core,
                              artwork=self.artwork, checks={"store": self.store.is_open,
                                      "blackbeard": lambda: self.transcoder.healthy})
        self.resource = _SegmentsFirst(self.app.resource(), SegmentRoute(self.streaming).match)
        self.anonymous = Client(StubTreq(self.resource))  # type: ignore[no-untyped-call]
        self._services = MultiService()
        for service in (self.library, self.subtitles, self.artwork, self.playback):
            self._services.addService(service)
        self._services.startService()

    def new_user(self, name: str, *, admin: bool = False) -> Client:
        """Create user ``name``; a client sending a new token of theirs."""
        self.store.add_user(name, admin=admin)
        return self.anonymous.with_token(self.store.create_token(name))

    def source_url(self, media_id: str) -> str:
        """The URL transcodes of ``media_id`` are told to read it from."""
        return f"{INTERNAL_ORIGIN}/internal/stream/{media_id}"

    def fail_media(self, media_id: str, error: Exception) -> None:
        """From now on every segment of ``media_id`` fails with ``error`` (say, a
        ``MediaFailed``: the media cannot be made)."""
        self.transcoder.fail_segments(error, source_url=self.source_url(media_id))

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass (timers fire: the session reaper, the cache), then move
        what waits on the connections."""
        self.clock.advance(seconds)
        self.anonymous.flush()

    def stop(self) -> None:
        """Stop the services as a server stops (sessions stay in the store)."""
        self._services.stopService()
        self._scratch.cleanup()

    def _scratch_dir(self, name: str) -> str:
        return f"{self._scratch.name}/{name}"

    def _source(self, media_id: str) -> tuple[str, dict[str, str]]:
        return self.source_url(media_id), {INTERNAL_TOKEN_HEADER: INTERNAL_TOKEN}
