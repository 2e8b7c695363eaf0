"""Extracting one media's missing tracks: its sidecars, then all its embedded text tracks in
one read of the file, each result filed in the cache as it is made.

A run that fails (one track ffmpeg cannot make, such as TTML, stops it before it reads
anything) is tried again track by track, so one bad track does not cost the others; a run
that stalled or was stopped is not, as each try would read the whole file again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorProcess, IReactorThreads, IReactorTime
from twisted.internet.threads import deferToThreadPool

from revenge.halt import Halt
from revenge.subtitles.cache import Entry, SubtitleCache
from revenge.subtitles.encoding import MAX_SIDECAR_BYTES, charset
from revenge.subtitles.errors import ExtractionFailed
from revenge.subtitles.extraction import Extraction, Output, extraction_argv

T = TypeVar("T")


@attrs.frozen
class Wanted:
    """A track to extract: its cache entry, the file ffmpeg reads and the stream in it."""

    entry: Entry
    source: str
    stream: int
    sidecar: bool = False


class Extractor:
    """Runs extractions' ffmpeg children into ``cache``."""

    def __init__(self, *, cache: SubtitleCache, ffmpeg: str, reactor: IReactorProcess,
                 threads: IReactorThreads, clock: IReactorTime, stall_timeout: float) -> None:
        self._cache = cache
        self._ffmpeg = ffmpeg
        self._reactor = reactor
        self._threads = threads
        self._clock = clock
        self._stall_timeout = stall_timeout

    def _thread(self, work: Callable[[], T]) -> Deferred[T]:
        return deferToThreadPool(self._threads, self._threads.getThreadPool(), work)

    async def extract(self, media_id: str, wanted: Sequence[Wanted],
                      halt: Halt) -> dict[Entry, str]:
        """Extract ``wanted`` (tracks of ``media_id``) unless halted; what failed, and why."""
        failures: dict[Entry, str] = {}
        await self._cache.prepare(media_id)
        for sidecar in [w for w in wanted if w.sidecar]:
            failures |= await self._sidecar(sidecar, halt)
        embedded = [w for w in wanted if not w.sidecar]
        if embedded:
            failures |= await self._embedded(embedded, halt)
        return failures

    async def _sidecar(self, wanted: Wanted, halt: Halt) -> dict[Entry, str]:
        try:
            encoding = await self._thread(lambda: _charset_of(wanted.source))
        except (OSError, ExtractionFailed) as e:
            return {wanted.entry: str(e) if isinstance(e, ExtractionFailed)
                    else f"cannot read {os.path.basename(wanted.source)}: {e.strerror}"}
        failure, _ = await self._run([wanted], halt, encoding=encoding)
        return {wanted.entry: failure} if failure else {}

    async def _embedded(self, wanted: Sequence[Wanted], halt: Halt) -> dict[Entry, str]:
        failure, again = await self._run(wanted, halt)
        if failure is None:
            return {}
        if not again or len(wanted) == 1:
            return {w.entry: failure for w in wanted}
        failures = {}
        for one in wanted:
            alone, _ = await self._run([one], halt)
            if alone is not None:
                failures[one.entry] = alone
        return failures

    async def _run(self, wanted: Sequence[Wanted], halt: Halt, *,
                   encoding: str | None = None) -> tuple[str | None, bool]:
        """One ffmpeg run: None, or why it failed and whether trying again may help."""
        entries = [w.entry for w in wanted]
        what = os.path.basename(wanted[0].source)
        if halt.stopped:
            return f"the extraction of {what} was stopped", False
        argv = extraction_argv(self._ffmpeg, wanted[0].source,
                               [Output(w.stream, self._cache.part(w.entry)) for w in wanted],
                               charset=encoding)
        run = Extraction(argv, reactor=self._reactor, clock=self._clock,
                         stall_timeout=self._stall_timeout, what=what)
        halt.running = run
        try:
            await run.done
        except ExtractionFailed as e:
            await self._cache.discard(entries)
            return str(e), not (run.stalled or run.stopped)
        finally:
            halt.running = None
        if halt.stopped:
            await self._cache.discard(entries)
            return f"the extraction of {what} was stopped", False
        await self._cache.commit(entries)
        return None, False


def _charset_of(path: str) -> str | None:
    """The ``-sub_charenc`` a sidecar file needs (blocking)."""
    if os.stat(path).st_size > MAX_SIDECAR_BYTES:
        raise ExtractionFailed(f"{os.path.basename(path)} is too large for a subtitle file")
    with open(path, "rb") as f:
        return charset(f.read(MAX_SIDECAR_BYTES))
