"""A queue of artwork work of one kind (posters, thumbnails): at most ``limit`` media at a
time, in library order, a media someone is waiting for first; its progress for the jobs
route; and a stop that fires once none of its ffmpeg children is left.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import attrs
from twisted.internet.defer import Deferred, DeferredList, succeed
from twisted.logger import Logger

from revenge.artwork.child import ArtworkFailed
from revenge.halt import Halt
from revenge.store.records import MediaRecord

_log = Logger()


Work = Callable[[MediaRecord, Halt], Awaitable[None]]


@attrs.frozen
class Progress:
    """Where a queue stands, for ``GET /api/v1/library/jobs``."""

    kind: str
    running: bool
    done: int
    total: int
    failed: int
    current: str | None

    def to_json(self) -> dict[str, object]:
        return attrs.asdict(self)


class WorkQueue:
    """Runs ``work(record, halt)`` for submitted media, ``limit`` at a time."""

    def __init__(self, kind: str, work: Work, *, limit: int) -> None:
        self.kind = kind
        self._work = work
        self._limit = limit
        self._pending: deque[MediaRecord] = deque()
        self._running: dict[str, tuple[MediaRecord, Halt]] = {}
        self._tasks: dict[str, Deferred[None]] = {}
        self._idle: list[Deferred[None]] = []
        self._waiters: dict[str, list[Deferred[None]]] = {}
        self._done = self._failed = self._total = 0
        self._counted: set[str] = set()  # the media this round's progress counts
        self._stopped = False

    def progress(self) -> Progress:
        """What is done of what was asked since the last ``submit``."""
        current = next(iter(self._running.values()), None)
        return Progress(self.kind, bool(self._running or self._pending), self._done,
                        self._total, self._failed,
                        current[0].relative_path if current else None)

    def idle(self) -> Deferred[None]:
        """Fires once nothing is pending or running (at once if nothing is)."""
        if not (self._pending or self._running):
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._idle.append(waiter)
        return waiter

    def submit(self, records: Sequence[MediaRecord]) -> None:
        """Make artwork for ``records`` (what was pending and is not among them is not)."""
        running = set(self._running)
        self._pending = deque(r for r in records if r.id not in running)
        self._done = self._failed = 0
        self._counted = {r.id for r in records}
        self._total = len(self._counted)
        self._fill()

    def urgent(self, record: MediaRecord) -> Deferred[None]:
        """Make ``record``'s artwork next; fires when it is done (made or failed)."""
        waiter: Deferred[None] = Deferred()
        self._waiters.setdefault(record.id, []).append(waiter)
        if record.id not in self._running:
            self._pending = deque(r for r in self._pending if r.id != record.id)
            self._pending.appendleft(record)
            self._fill()
        return waiter

    def cancel(self, media_id: str) -> Deferred[None]:
        """Drop ``media_id``'s work; fires once its ffmpeg (if one ran) is gone."""
        self._pending = deque(r for r in self._pending if r.id != media_id)
        running = self._running.get(media_id)
        return running[1].stop() if running else succeed(None)

    def stop(self) -> Deferred[None]:
        """Stop everything; fires once no ffmpeg of this queue is left and the work it
        was doing has cleaned up after itself."""
        self._stopped = True
        self._pending.clear()
        for _, halt in list(self._running.values()):
            halt.stop()
        return DeferredList(list(self._tasks.values())).addCallback(lambda _: None)

    def _fill(self) -> None:
        while not self._stopped and self._pending and len(self._running) < self._limit:
            record = self._pending.popleft()
            halt = Halt()
            self._running[record.id] = (record, halt)
            task = Deferred.fromCoroutine(self._run(record, halt))
            if not task.called:
                self._tasks[record.id] = task
                task.addBoth(self._finished, record.id)

    def _finished(self, result: object, media_id: str) -> None:
        self._tasks.pop(media_id, None)

    async def _run(self, record: MediaRecord, halt: Halt) -> None:
        made = False
        try:
            await self._work(record, halt)
            made = True
        except ArtworkFailed as e:
            if not halt.stopped:
                _log.warn("{kind} of {file}: {error}", kind=self.kind,
                          file=record.relative_path, error=str(e))
        except Exception:
            _log.failure("{kind} of {file} failed", kind=self.kind, file=record.relative_path)
        finally:
            if record.id in self._counted:
                self._counted.discard(record.id)
                self._done += made
                self._failed += not made
            del self._running[record.id]
            for waiter in self._waiters.pop(record.id, []):
                waiter.callback(None)
            self._fill()
            if not (self._pending or self._running):
                idle, self._idle = self._idle, []
                for waiter in idle:
                    waiter.callback(None)
