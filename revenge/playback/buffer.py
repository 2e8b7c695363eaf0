"""The per-transcode segment buffer: stays ahead of the player, one origin fetch per segment.

Every request for segment N prefetches the next ``prefetch`` segments (never more than
``ahead`` past N, never past the end) and forgets buffered segments behind N (they stay in the
shared cache). A request for a segment whose fetch is already under way waits for that
fetch: there is never a second origin fetch for one segment.
"""

from __future__ import annotations

import time
from typing import Literal

import attrs
from twisted.internet.defer import CancelledError, Deferred, DeferredList
from twisted.logger import Logger
from twisted.python.failure import Failure

from revenge.blackbeard.interface import ITranscoder
from revenge.playback import metrics
from revenge.playback.cache import SegmentKey, TranscodeCache

Source = Literal["buffer", "cache", "origin"]
_log = Logger()


def segment_name(index: int) -> str:
    """Blackbeard's name for segment ``index`` (the one place that knows it)."""
    return f"{index}.ts"


@attrs.frozen
class Delivery:
    """A segment's bytes and where they came from."""

    data: bytes
    source: Source


@attrs.define
class _Fetch:
    prefetch: bool
    origin: Deferred[bytes]
    waiters: list[Deferred[bytes]] = attrs.field(factory=list)


class SegmentBuffer:
    """Segments of one transcode: buffered ahead of its viewers, backed by the shared cache."""

    def __init__(
        self,
        *,
        transcoder: ITranscoder,
        transcode_id: str,
        cache: TranscodeCache,
        media: str,
        segment_count: int,
        ahead: int = 8,
        prefetch: int = 3,
        min_ready: int = 2,
    ) -> None:
        self._transcoder = transcoder
        self._transcode_id = transcode_id
        self._cache = cache
        self._media = media
        self.segment_count = segment_count
        self.ahead = ahead
        self.prefetch = prefetch
        self.min_ready = min_ready
        self._ready: dict[tuple[str, int], bytes] = {}
        self._fetches: dict[tuple[str, int], _Fetch] = {}
        self._closed = False
        self.served: dict[Source, int] = {"buffer": 0, "cache": 0, "origin": 0}
        self.origin_fetches = 0

    # -- reading ---------------------------------------------------------------------------

    async def get(self, index: int, profile: str) -> Delivery:
        """Segment ``index`` of ``profile``; a failed origin fetch raises its error."""
        started = time.monotonic()
        key = (profile, index)
        if key in self._ready:
            delivery = Delivery(self._take(key), "buffer")
        elif (cached := self._cache.get(SegmentKey(self._media, profile, index))) is not None:
            delivery = Delivery(cached, "cache")
        else:
            fetch = self._fetches.get(key) or self._start(key, prefetch=False)
            source: Source = "buffer" if fetch.prefetch else "origin"
            data = await self._join(fetch)
            if key in self._ready:  # a prefetch that finished into the buffer
                self._take(key)
            delivery = Delivery(data, source)
        self._forget_behind(profile, index)
        self._prefetch_after(profile, index)
        self.served[delivery.source] += 1
        metrics.SEGMENTS_SERVED.labels(delivery.source).inc()
        metrics.SEGMENT_LATENCY.observe(time.monotonic() - started)
        return delivery

    async def ready(self, start: int, profile: str) -> None:
        """Fire once segments ``start`` .. ``start + min_ready - 1`` are at hand."""
        waits = []
        for index in range(start, min(start + self.min_ready, self.segment_count)):
            key = (profile, index)
            if key in self._ready or SegmentKey(self._media, profile, index) in self._cache:
                continue
            waits.append(self._join(self._fetches.get(key) or self._start(key, prefetch=True)))
        for outcome, value in await DeferredList(waits, consumeErrors=True):
            if not outcome:
                assert isinstance(value, Failure)
                value.raiseException()

    def close(self) -> None:
        """Cancel fetches under way and let go of buffered segments."""
        self._closed = True
        for fetch in list(self._fetches.values()):
            fetch.origin.cancel()
        self._fetches.clear()
        metrics.BUFFER_BYTES.dec(sum(len(d) for d in self._ready.values()))
        self._ready.clear()

    # -- inside ----------------------------------------------------------------------------

    def _take(self, key: tuple[str, int]) -> bytes:
        data = self._ready.pop(key)
        metrics.BUFFER_BYTES.dec(len(data))
        return data

    def _join(self, fetch: _Fetch) -> Deferred[bytes]:
        waiter: Deferred[bytes] = Deferred()
        fetch.waiters.append(waiter)
        return waiter

    def _start(self, key: tuple[str, int], *, prefetch: bool) -> _Fetch:
        profile, index = key
        self.origin_fetches += 1
        if prefetch:
            metrics.PREFETCHES.inc()
        started = time.monotonic()
        origin = self._transcoder.segment(self._transcode_id, profile, segment_name(index))
        fetch = _Fetch(prefetch, origin)
        self._fetches[key] = fetch

        def done(result: bytes | Failure) -> None:
            self._fetches.pop(key, None)
            if isinstance(result, Failure):
                if not result.check(CancelledError) and not fetch.waiters:
                    _log.warn("prefetch of segment {index} ({profile}) failed: {error}",
                              index=index, profile=profile, error=result.getErrorMessage())
                for waiter in fetch.waiters:
                    waiter.errback(result)
                return
            metrics.ORIGIN_LATENCY.observe(time.monotonic() - started)
            self._cache.put(SegmentKey(self._media, profile, index), result)
            if fetch.prefetch and not self._closed:
                self._ready[key] = result
                metrics.BUFFER_BYTES.inc(len(result))
            for waiter in fetch.waiters:
                waiter.callback(result)

        origin.addBoth(done)
        return fetch

    def _forget_behind(self, profile: str, index: int) -> None:
        for key in [k for k in self._ready if k[0] == profile and k[1] < index]:
            self._take(key)

    def _prefetch_after(self, profile: str, index: int) -> None:
        if self._closed:
            return
        pending = sum(1 for p, i in (*self._ready, *self._fetches) if p == profile and i > index)
        for ahead in range(1, self.prefetch + 1):
            target = index + ahead
            if target >= self.segment_count or ahead > self.ahead or pending >= self.ahead:
                break
            key = (profile, target)
            if key in self._ready or key in self._fetches:
                continue
            if SegmentKey(self._media, profile, target) in self._cache:
                continue
            self._start(key, prefetch=True)
            pending += 1
