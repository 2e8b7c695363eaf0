"""``SubtitleService``: the cues of a media's text subtitle tracks, extracted in the
background once, kept on disk, and shared by everyone who asks.

``warm(record)`` queues the extraction of what is not cached yet and returns at once (a
session never waits for it); ``cues(record, track)`` answers from memory or the disk cache,
else waits for that extraction, which it moves to the front of the queue. One extraction
per media at a time, whoever asked; at most ``max_extractions`` at once. A failed or stalled
extraction is an ``ExtractionFailed`` for its waiters, and for later askers too, until
``retry_after`` seconds have passed or the file changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs
from twisted.application.service import Service
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.interfaces import IReactorProcess, IReactorThreads, IReactorTime
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger

from revenge.halt import Halt
from revenge.store.records import MediaRecord
from revenge.subtitles.cache import Entry, SubtitleCache, sidecar_source
from revenge.subtitles.encoding import MAX_SIDECAR_BYTES, decode
from revenge.subtitles.errors import ExtractionFailed, NotText, SubtitleError
from revenge.subtitles.jobs import Extractor, Wanted
from revenge.subtitles.memory import CueMemory
from revenge.subtitles.tracks import SubtitleTrack, subtitle_tracks
from revenge.subtitles.webvtt import Cue, parse_webvtt

__all__ = ["ExtractionFailed", "NotText", "SubtitleError", "SubtitleService"]

_log = Logger()
_MAX_FAILURES = 1024  # failures remembered (the oldest are forgotten first)
# Jobs a caller of ``cues`` may end up waiting for: one running for an older version of
# the file, then its own; the third is for safety against a cache evicting at once.
_ATTEMPTS = 3


@attrs.define(eq=False)
class _Job:
    """The extraction of one media's missing tracks, and who waits for it."""

    record: MediaRecord
    urgent: bool
    running: bool = False
    halt: Halt = attrs.Factory(Halt)
    waiters: list[Deferred[None]] = attrs.Factory(list)
    failures: dict[Entry, str] = attrs.Factory(dict)  # once it ran: what failed, and why
    forgotten: bool = False  # the media left the library

    def wait(self) -> Deferred[None]:
        waiter: Deferred[None] = Deferred()
        self.waiters.append(waiter)
        return waiter

    def finish(self) -> None:
        waiters, self.waiters = self.waiters, []
        for waiter in waiters:
            if not waiter.called:  # else cancelled: its caller went away
                waiter.callback(None)


class SubtitleService(Service):
    """Text subtitle cues by media and track, extracted by ffmpeg into ``directory``."""

    name = "subtitles"

    def __init__(self, *, directory: Path, ffmpeg: str, reactor: Any,
                 threads: IReactorThreads | None = None, clock: IReactorTime | None = None,
                 max_bytes: int = 256 * 1024 * 1024, max_extractions: int = 2,
                 stall_timeout: float = 60.0, memory_bytes: int = 32 * 1024 * 1024,
                 retry_after: float = 300.0) -> None:
        """``reactor`` runs the ffmpeg children; ``threads`` the file work and ``clock``
        times stalls and retries (both the reactor unless given)."""
        processes: IReactorProcess = reactor
        self._threads: IReactorThreads = threads if threads is not None else reactor
        self._clock: IReactorTime = clock if clock is not None else reactor
        self.cache = SubtitleCache(directory, max_bytes=max_bytes, reactor=self._threads)
        self._extractor = Extractor(cache=self.cache, ffmpeg=ffmpeg, reactor=processes,
                                    threads=self._threads, clock=self._clock,
                                    stall_timeout=stall_timeout)
        self._memory = CueMemory(max_bytes=memory_bytes)
        self._max_extractions = max_extractions
        self._retry_after = retry_after
        self._jobs: dict[str, _Job] = {}
        self._queue: list[_Job] = []  # urgent ones first
        self._running = 0
        self._failed: dict[Entry, tuple[str, float]] = {}
        self._stopped = False

    # -- the service ------------------------------------------------------------------------

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        self._stopped = False
        Deferred.fromCoroutine(self.cache.open()).addErrback(
            lambda f: _log.failure("subtitle cache failed to open", f))

    def stopService(self) -> Deferred[None]:
        super().stopService()  # type: ignore[no-untyped-call]
        self._stopped = True
        queued, self._queue = self._queue, []
        for job in queued:
            self._jobs.pop(job.record.id, None)
            job.finish()
        running = [job.halt.stop() for job in self._jobs.values() if job.running]
        return DeferredList(running).addCallback(lambda _: None)

    # -- asking -----------------------------------------------------------------------------

    def warm(self, record: MediaRecord) -> None:
        """Have the text tracks of ``record`` extracted, unless cached already; no wait."""
        if not self._stopped and self._missing(record):
            self._job(record, urgent=False)

    async def cues(self, record: MediaRecord, track: SubtitleTrack) -> tuple[Cue, ...]:
        """The cues of ``track`` (one of ``subtitle_tracks(record)``), by start time.

        Raises ``NotText`` for a picture subtitle, ``ExtractionFailed`` when ffmpeg could
        not make it (now or a little while ago), ``SubtitleError`` when the service stopped.
        """
        if not track.text:
            raise NotText(f"subtitle track {track.number} is a picture subtitle "
                          f"({track.codec}): it can only be burned in")
        wanted = _wanted(record, track)
        if track.codec == "webvtt" and wanted.sidecar:
            return await self._webvtt_sidecar(wanted)
        await self.cache.when_open()
        for _ in range(_ATTEMPTS):
            found = await self._load(wanted.entry)
            if found is not None:
                return found
            failure = self._failure(wanted.entry)
            if failure is not None:
                raise ExtractionFailed(failure)
            if self._stopped:
                raise SubtitleError("the subtitle service is stopped")
            job = self._job(record, urgent=True)
            await job.wait()
            if job.forgotten:
                raise SubtitleError("the media is no longer in the library")
            if wanted.entry in job.failures:
                raise ExtractionFailed(job.failures[wanted.entry])
        raise ExtractionFailed(f"subtitle track {track.number} could not be kept in the cache")

    def forget(self, media_id: str) -> Deferred[None]:
        """The media went away: stop its extraction and drop all that was made from it."""
        self._memory.forget(media_id)
        self._failed = {e: f for e, f in self._failed.items() if e.media_id != media_id}
        job = self._jobs.pop(media_id, None)
        if job is not None:
            job.forgotten = True

        async def forget() -> None:
            if job is not None and job.running:
                ended = job.wait()
                await job.halt.stop()
                await ended
            elif job is not None:
                self._queue.remove(job)
                job.finish()
            await self.cache.forget(media_id)

        return Deferred.fromCoroutine(forget())

    # -- the parts ----------------------------------------------------------------------------

    async def _load(self, entry: Entry) -> tuple[Cue, ...] | None:
        """The cues of ``entry`` from memory, else from the disk cache."""
        found = self._memory.get(entry)
        if found is None:
            text = await self.cache.read(entry)
            if text is None:
                return None
            found = await self._in_thread(parse_webvtt, text)
            self._memory.put(entry, found)
        return found

    async def _webvtt_sidecar(self, wanted: Wanted) -> tuple[Cue, ...]:
        """A WebVTT sidecar is read as it is: ffmpeg would drop its cue settings."""
        found = self._memory.get(wanted.entry)
        if found is None:
            try:
                found = await self._in_thread(_read_webvtt, wanted.source)
            except OSError as e:
                raise ExtractionFailed(f"cannot read {os.path.basename(wanted.source)}: "
                                       f"{e.strerror}") from None
            self._memory.put(wanted.entry, found)
        return found

    def _in_thread(self, work: Any, *args: Any) -> Deferred[Any]:
        return deferToThreadPool(self._threads, self._threads.getThreadPool(), work, *args)

    def _failure(self, entry: Entry) -> str | None:
        """Why ``entry`` could not be made, if it failed less than ``retry_after`` ago."""
        found = self._failed.get(entry)
        if found is None:
            return None
        if self._clock.seconds() - found[1] >= self._retry_after:
            del self._failed[entry]
            return None
        return found[0]

    def _missing(self, record: MediaRecord) -> list[Wanted]:
        """The tracks of ``record`` to extract: text, not cached, not failed just now (a
        WebVTT sidecar is read as it is)."""
        wanted = [_wanted(record, t) for t in subtitle_tracks(record) if t.text
                  and not (t.codec == "webvtt" and t.sidecar)]
        return [w for w in wanted
                if not self.cache.has(w.entry) and self._failure(w.entry) is None]

    def _job(self, record: MediaRecord, *, urgent: bool) -> _Job:
        """The job extracting ``record``: the one queued or running, else a new one."""
        job = self._jobs.get(record.id)
        if job is not None and job.running and job.record != record:
            return job  # for an older version of the file: wait for it, then ask again
        if job is None:
            job = self._jobs[record.id] = _Job(record, urgent)
            self._enqueue(job)
        elif not job.running:
            job.record = record
            if urgent and not job.urgent:
                job.urgent = True
                self._queue.remove(job)
                self._enqueue(job)
        self._pump()
        return job

    def _enqueue(self, job: _Job) -> None:
        if job.urgent:
            self._queue.insert(sum(1 for j in self._queue if j.urgent), job)
        else:
            self._queue.append(job)

    def _pump(self) -> None:
        while self._queue and self._running < self._max_extractions and not self._stopped:
            job = self._queue.pop(0)
            job.running = True
            self._running += 1
            Deferred.fromCoroutine(self._run(job))

    async def _run(self, job: _Job) -> None:
        record = job.record
        started = self._clock.seconds()
        wanted: list[Wanted] = []
        try:
            await self.cache.when_open()
            wanted = self._missing(record)
            if wanted:
                job.failures = await self._extractor.extract(record.id, wanted, job.halt)
                _log.info("subtitles of {media}: {made} track(s) extracted, {failed} failed, "
                          "in {seconds:.2f}s", media=record.id, failed=len(job.failures),
                          made=len(wanted) - len(job.failures),
                          seconds=self._clock.seconds() - started)
        except Exception as e:
            _log.failure("subtitle extraction of {media} crashed", media=record.id)
            job.failures = {w.entry: f"the extraction crashed: {e}" for w in wanted}
        finally:
            self._running -= 1
            if self._jobs.get(record.id) is job:  # else forgotten: its failures don't count
                del self._jobs[record.id]
                if not self._stopped:
                    self._remember(job.failures)
            job.finish()
            self._pump()

    def _remember(self, failures: dict[Entry, str]) -> None:
        now = self._clock.seconds()
        for entry, why in failures.items():
            self._failed.pop(entry, None)
            self._failed[entry] = (why, now)
        while len(self._failed) > _MAX_FAILURES:
            del self._failed[next(iter(self._failed))]


def _wanted(record: MediaRecord, track: SubtitleTrack) -> Wanted:
    """Where ``track`` of ``record`` comes from, and its cache entry."""
    if track.stream_index is not None:
        return Wanted(Entry(record.id, f"s{track.stream_index}", record.size, record.mtime_ns),
                      record.path, track.stream_index)
    sidecar = next((s for s in record.sidecars if s.path == track.sidecar), None)
    if sidecar is None:
        raise SubtitleError(f"subtitle track {track.number} is not one of this media's")
    return Wanted(Entry(record.id, sidecar_source(sidecar.path), sidecar.size, sidecar.mtime_ns),
                  sidecar.path, 0, sidecar=True)


def _read_webvtt(path: str) -> tuple[Cue, ...]:
    """Parse a WebVTT file (blocking)."""
    with open(path, "rb") as f:
        return parse_webvtt(decode(f.read(MAX_SIDECAR_BYTES)))
