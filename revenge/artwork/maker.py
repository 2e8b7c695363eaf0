"""What posters and thumbnails share: the ffmpeg they run, where they run it, and what was
last found on disk of each media (so listings name it without touching the disk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorProcess, IReactorThreads, IReactorTime
from twisted.internet.threads import deferToThreadPool

from revenge.artwork.files import ArtworkFiles, artwork_key
from revenge.store.records import MediaRecord

T = TypeVar("T")
Made = TypeVar("Made")


class Maker(Generic[Made]):
    """Finds (``_look``, blocking) and remembers one kind of artwork of each media."""

    def __init__(self, *, files: ArtworkFiles, ffmpeg: str, reactor: IReactorProcess,
                 threads: IReactorThreads, clock: IReactorTime) -> None:
        self._files = files
        self._ffmpeg = ffmpeg
        self._reactor = reactor
        self._threads = threads
        self._clock = clock
        self._known: dict[str, tuple[str, Made | None]] = {}

    def _thread(self, work: Callable[[], T]) -> Deferred[T]:
        return deferToThreadPool(self._threads, self._threads.getThreadPool(), work)

    def _look(self, record: MediaRecord) -> Made | None:
        raise NotImplementedError

    def known(self, record: MediaRecord) -> Made | None:
        """What was last found of ``record`` as it is now (memory only: no disk)."""
        key, found = self._known.get(record.id, ("", None))
        return found if key == artwork_key(record) else None

    async def find(self, record: MediaRecord) -> Made | None:
        """What is on disk of ``record`` now, if it is made."""
        found = await self._thread(lambda: self._look(record))
        self._known[record.id] = (artwork_key(record), found)
        return found

    def forget(self, media_id: str) -> None:
        """Forget what was found of a media gone."""
        self._known.pop(media_id, None)
