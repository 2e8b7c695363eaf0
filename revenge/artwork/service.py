"""The artwork service: after every scan, posters (then thumbnails) for every video, each
kind in a queue of its own with its own limit, so they never take more than their share
of the CPU from playback; what a restart finds on disk is not made again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from twisted.application.service import Service
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.interfaces import IReactorProcess, IReactorThreads, IReactorTime
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger

from revenge.artwork.files import ArtworkFiles, artwork_key
from revenge.artwork.posters import Picture, Posters
from revenge.artwork.queue import Progress, WorkQueue
from revenge.artwork.thumbnails import Thumbnails
from revenge.library.cover import has_cover
from revenge.library.service import LibraryService
from revenge.store.records import MediaRecord

T = TypeVar("T")
_log = Logger()


def _videos(library: LibraryService) -> list[MediaRecord]:
    return [r for r in library.records() if r.probe.video is not None and r.probe.error is None]


class ArtworkService(Service):
    """Makes and finds the pictures of the library's videos."""

    name = "artwork"

    def __init__(self, *, library: LibraryService, directory: Path, ffmpeg: str,
                 reactor: IReactorProcess, threads: IReactorThreads, clock: IReactorTime,
                 background: bool = True, poster_jobs: int = 1,
                 thumbnail_jobs: int = 1) -> None:
        self._library = library
        self._background = background
        self._threads = threads
        self.files = ArtworkFiles(directory)
        self.posters = Posters(files=self.files, ffmpeg=ffmpeg, reactor=reactor,
                               threads=threads, clock=clock)
        self.thumbnails = Thumbnails(files=self.files, ffmpeg=ffmpeg, reactor=reactor,
                                     threads=threads, clock=clock)
        self._covered: dict[str, tuple[str, bool]] = {}
        self._poster_queue = WorkQueue("posters", self.posters.make, limit=poster_jobs)
        self._thumbnail_queue = WorkQueue("thumbnails", self.thumbnails.make,
                                          limit=thumbnail_jobs)
        library.when_scanned(self.refresh)
        library.when_gone(self.forget)

    def _thread(self, work: Callable[[], T]) -> Deferred[T]:
        return deferToThreadPool(self._threads, self._threads.getThreadPool(), work)

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]

        def loaded(result: None) -> None:
            self._thread(self.files.prepare).addCallback(lambda _: self.refresh()).addErrback(
                lambda f: _log.failure("artwork could not start", f))
            return result

        self._library.loaded.addCallback(loaded)

    def stopService(self) -> Deferred[None]:
        """Stop every queue; fires once none of their ffmpeg children is left."""
        super().stopService()  # type: ignore[no-untyped-call]
        stops = [q.stop() for q in self.queues()]
        return DeferredList(stops).addCallback(lambda _: None)

    def queues(self) -> list[WorkQueue]:
        """The work queues (each runs after a scan, side by side, within its own limit)."""
        return [self._poster_queue, self._thumbnail_queue]

    def progress(self) -> list[Progress]:
        """Where each queue stands."""
        return [q.progress() for q in self.queues()]

    def refresh(self) -> None:
        """Bring every video's artwork up to date with the index (in the background only
        if so configured)."""
        if not self.running:
            return
        # Which songs have a cover is looked up now, so listings name only covers there are.
        songs = [r for r in self._library.records() if r.probe.video is None and r.probe.audio]
        Deferred.fromCoroutine(self.covered(songs)).addErrback(
            lambda f: _log.failure("covers could not be looked for", f))
        if not self._background:
            return
        videos = _videos(self._library)
        for queue in self.queues():
            queue.submit(videos)

    def forget(self, media_id: str) -> Deferred[None]:
        """Stop making, and remove, the pictures of a media gone."""
        self.posters.forget(media_id)
        self._covered.pop(media_id, None)
        self.thumbnails.forget(media_id)
        stops = [q.cancel(media_id) for q in self.queues()]
        return DeferredList(stops).addCallback(
            lambda _: self._thread(lambda: self.files.forget(media_id)))

    async def covered(self, records: Sequence[MediaRecord]) -> set[str]:
        """The ids of ``records`` with cover art (looked for on disk once per version of
        each file, all in one thread)."""
        unknown = [r for r in records
                   if self._covered.get(r.id, ("", False))[0] != artwork_key(r)]
        if unknown:
            found = await self._thread(lambda: [has_cover(r) for r in unknown])
            for record, cover in zip(unknown, found, strict=True):
                self._covered[record.id] = (artwork_key(record), cover)
        return {r.id for r in records if self._covered[r.id][1]}

    def cover_known(self, record: MediaRecord) -> bool | None:
        """Whether ``record`` has cover art, if that was looked for in its current version."""
        key, found = self._covered.get(record.id, ("", False))
        return found if key == artwork_key(record) else None

    def read(self, path: Path) -> Deferred[bytes]:
        """The bytes of a picture (read in a thread)."""
        return self._thread(path.read_bytes)

    async def poster(self, record: MediaRecord) -> Picture | None:
        """``record``'s poster, made now (ahead of the queue) if it has none yet."""
        found = await self.posters.find(record)
        if found is None and record.probe.video is not None and record.probe.error is None:
            await self._poster_queue.urgent(record)
            found = self.posters.known(record)
        return found
