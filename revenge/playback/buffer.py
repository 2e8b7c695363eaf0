"""The per-transcode segment buffer: stays ahead of the player, one origin fetch per segment.

A request for segment N is served from this buffer (prefetched here), else from the shared
transcode cache, else from the origin (the transcoder). Every request prefetches the next
``prefetch`` segments that are not at hand yet, never more than ``ahead`` past N in total and
never past the end, and forgets buffered segments behind N (they stay in the cache). When N
itself had to be fetched, the prefetches wait until it is answered: a transcoder restarts
its encoder at the first segment it is asked for, which must be N. Prefetches the player no
longer heads for (after a seek) are cancelled.

A request for a segment whose fetch is already under way waits for that fetch: there is never
a second origin fetch for one segment. Such a request reports ``buffer`` when the fetch was a
prefetch (the buffer asked for it before the player did) and ``origin`` when it was another
request's fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, get_args

import attrs
from twisted.internet.defer import CancelledError, Deferred, DeferredList, maybeDeferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from revenge.blackbeard.interface import ITranscoder
from revenge.blackbeard.naming import segment_name
from revenge.playback import metrics
from revenge.playback.cache import SegmentKey, TranscodeCache

Source = Literal["buffer", "cache", "origin"]
# Bound once: ``labels()`` on every segment cost more than the increment.
_SERVED_FROM = {source: metrics.SEGMENTS_SERVED.labels(source) for source in get_args(Source)}
_Key = tuple[str, int]  # (profile, index) within one transcode
_log = Logger()


@attrs.frozen
class Delivery:
    """A segment's bytes and where they came from."""

    data: bytes
    source: Source


@attrs.frozen(kw_only=True)
class BufferPolicy:
    """How far a buffer keeps ahead: at most ``ahead`` segments past the one asked for,
    ``prefetch`` more fetched on every request, ``min_ready`` before a player starts."""

    ahead: int = 8
    prefetch: int = 3
    min_ready: int = 2


@attrs.define
class BufferCounts:
    """What one buffer has done so far: segments served by source, fetches made."""

    origin_fetches: int = 0
    prefetches: int = 0
    failed_prefetches: int = 0
    served: dict[str, int] = attrs.field(factory=lambda: {"buffer": 0, "cache": 0, "origin": 0})


@attrs.frozen
class BufferStats:
    """A buffer's counts, and what it holds now."""

    counts: BufferCounts
    buffered_segments: int
    buffered_bytes: int
    in_flight: int


@attrs.define
class _Fetch:
    """One origin fetch and who waits for it."""

    prefetch: bool
    origin: Deferred[bytes] | None = None
    # Requests that will take the bytes: when there are any, nothing is left in the buffer.
    requests: list[Deferred[bytes]] = attrs.field(factory=list)
    # ready() callers: they only want to know the segment is here.
    watchers: list[Deferred[bytes]] = attrs.field(factory=list)


class SegmentBuffer:
    """Segments of one transcode, buffered ahead of its viewers, backed by the shared cache.

    One per transcode; the sessions sharing a transcode share its buffer.
    """

    def __init__(self, *, transcoder: ITranscoder, transcode_id: str, cache: TranscodeCache,
                 media: str, segment_count: int, policy: BufferPolicy | None = None) -> None:
        self._transcoder = transcoder
        self._transcode_id = transcode_id
        self._cache = cache
        self._clock = cache.clock
        self._media = media
        self.segment_count = segment_count
        self.policy = policy or BufferPolicy()
        self._ready: dict[_Key, bytes] = {}
        self._fetches: dict[_Key, _Fetch] = {}
        self._position = 0
        self._closed = False
        self._counts = BufferCounts()
        # When a prefetch failed: not prefetched again for a while (a request still fetches),
        # so a profile that keeps failing is not asked ``prefetch`` extra times per segment.
        self._failed_at: dict[_Key, float] = {}

    # -- the caller's side -----------------------------------------------------------------

    def get(self, index: int, profile: str) -> Deferred[Delivery]:
        """Segment ``index`` of ``profile``; errbacks with the transcoder's error if the
        origin fetch it needed failed (a ``TranscoderError``: the client already retried)."""
        started = self._clock.seconds()
        key = (profile, index)
        result: Deferred[Delivery]
        launched = False
        at_hand: Delivery | None = None
        if (data := self._ready.pop(key, None)) is not None:
            metrics.BUFFER_BYTES.dec(len(data))
            at_hand = Delivery(data, "buffer")
        elif (fetch := self._fetches.get(key)) is not None:
            source: Source = "buffer" if fetch.prefetch else "origin"
            result = self._wait(fetch.requests).addCallback(Delivery, source)
        elif (cached := self._cache.get(SegmentKey(self._media, profile, index))) is not None:
            at_hand = Delivery(cached, "cache")
        else:
            fetch = _Fetch(prefetch=False)
            waiter = self._wait(fetch.requests)
            self._launch(key, fetch)
            launched = True
            result = waiter.addCallback(Delivery, "origin")
        self._forget_behind(index)
        if launched:
            self._after(key, lambda: self._prefetch_after(profile, index, unless_moved=True))
        else:
            self._prefetch_after(profile, index)
        if at_hand is not None:  # the usual case: no callback chain to run through
            return succeed(self._served_one(at_hand, started))
        return result.addCallback(self._served_one, started)

    def ready(self, start: int, profile: str) -> Deferred[None]:
        """Fire once segments ``start`` .. ``start + min_ready - 1`` are at hand, fetching
        (as prefetches) those that are not; errbacks with the first fetch error."""
        waits: list[Deferred[None]] = []
        for index in range(start, min(start + self.policy.min_ready, self.segment_count)):
            key = (profile, index)
            if key in self._ready or SegmentKey(self._media, profile, index) in self._cache:
                continue
            fetch = self._fetches.get(key)
            if fetch is None:
                waits.append(self._later_prefetch((profile, index - 1), key))
            else:
                waits.append(self._wait(fetch.watchers).addCallback(lambda _: None))
        if not waits:
            return succeed(None)
        return DeferredList(waits, consumeErrors=True).addCallback(_first_failure)

    def _later_prefetch(self, before: _Key, key: _Key) -> Deferred[None]:
        """Prefetch ``key`` once the fetch of ``before`` (if any) is over; fires when it is
        at hand."""
        arrived: Deferred[None] = Deferred()

        def launch() -> None:
            if self._closed:
                arrived.errback(CancelledError())
                return
            if key in self._ready or SegmentKey(self._media, *key) in self._cache:
                arrived.callback(None)
                return
            fetch = self._fetches.get(key)
            if fetch is None:
                fetch = _Fetch(prefetch=True)
                self._launch(key, fetch)
            self._wait(fetch.watchers).addCallback(lambda _: None).chainDeferred(arrived)

        self._after(before, launch)
        return arrived

    def _after(self, key: _Key, then: Callable[[], None]) -> None:
        """Run ``then`` once the origin fetch of ``key`` under way is over, else now.

        Segments after one being fetched are asked for only once it is answered: a
        transcoder takes the first request of a segment it has no encoder near as the place
        to (re)start one, so the segment a player waits for must reach it first.
        """
        fetch = self._fetches.get(key)
        if fetch is None or fetch.origin is None:
            then()
            return

        def over(result: object) -> object:
            then()
            return result

        fetch.origin.addBoth(over)

    def close(self) -> None:
        """Cancel prefetches under way and let go of buffered segments; fetches a request
        waits for finish (into the cache) for that request."""
        self._closed = True
        for fetch in list(self._fetches.values()):
            if not fetch.requests and fetch.origin is not None:
                fetch.origin.cancel()
        metrics.BUFFER_BYTES.dec(sum(len(d) for d in self._ready.values()))
        self._ready.clear()

    def stats(self) -> BufferStats:
        """Segments served by source, fetches made, and what is held now."""
        return BufferStats(
            counts=attrs.evolve(self._counts, served=dict(self._counts.served)),
            buffered_segments=len(self._ready),
            buffered_bytes=sum(len(d) for d in self._ready.values()),
            in_flight=len(self._fetches),
        )

    # -- inside ----------------------------------------------------------------------------

    def _served_one(self, delivery: Delivery, started: float) -> Delivery:
        self._counts.served[delivery.source] += 1
        _SERVED_FROM[delivery.source].inc()
        metrics.SEGMENT_LATENCY.observe(self._clock.seconds() - started)
        return delivery

    @staticmethod
    def _wait(waiters: list[Deferred[bytes]]) -> Deferred[bytes]:
        """A Deferred for a fetch's result; cancelling it (a player gone) leaves the fetch
        running for the others and for the cache."""

        def leave(d: Deferred[bytes]) -> None:
            waiters.remove(d)

        waiter: Deferred[bytes] = Deferred(leave)
        waiters.append(waiter)
        return waiter

    def _launch(self, key: _Key, fetch: _Fetch) -> None:
        profile, index = key
        self._fetches[key] = fetch
        self._counts.origin_fetches += 1
        if fetch.prefetch:
            self._counts.prefetches += 1
            metrics.PREFETCHES.inc()
        started = self._clock.seconds()
        origin: Deferred[bytes] = maybeDeferred(
            self._transcoder.segment, self._transcode_id, profile, segment_name(index))
        fetch.origin = origin

        def done(result: bytes | Failure) -> None:
            del self._fetches[key]
            waiters = [*fetch.requests, *fetch.watchers]
            if isinstance(result, Failure):
                if fetch.prefetch and not result.check(CancelledError):
                    self._failed_at[key] = self._clock.seconds()
                    self._counts.failed_prefetches += 1
                    metrics.PREFETCH_FAILURES.inc()
                    _log.warn("prefetch of segment {index} ({profile}) of transcode {id} "
                              "failed: {error}", index=index, profile=profile,
                              id=self._transcode_id, error=result.getErrorMessage())
                for waiter in waiters:
                    waiter.errback(result)
                return
            metrics.ORIGIN_LATENCY.observe(self._clock.seconds() - started)
            self._cache.put(SegmentKey(self._media, profile, index), result)
            # Buffered only if no request takes it now and the player has not moved past it.
            if not fetch.requests and not self._closed and index >= self._position:
                self._ready[key] = result
                metrics.BUFFER_BYTES.inc(len(result))
            for waiter in waiters:
                waiter.callback(result)

        origin.addBoth(done)

    def _forget_behind(self, index: int) -> None:
        """The player is at ``index``: drop what is buffered behind it, and stop prefetching
        what it no longer heads for (after a seek, the old position's segments would keep
        the transcoder making them, or restart it back there)."""
        self._position = index
        for key in [k for k in self._ready if k[1] < index]:
            metrics.BUFFER_BYTES.dec(len(self._ready.pop(key)))
        wanted = range(index - 1, index + self.policy.ahead + 1)
        for key, fetch in list(self._fetches.items()):
            if key[1] not in wanted and fetch.prefetch and not fetch.requests \
                    and fetch.origin is not None:
                fetch.origin.cancel()

    def _prefetch_after(self, profile: str, index: int, *, unless_moved: bool = False) -> None:
        if self._closed or (unless_moved and abs(self._position - index) > 1):
            return
        held = {k for k in (*self._ready, *self._fetches) if k[0] == profile and k[1] > index}
        last = min(index + self.policy.prefetch, index + self.policy.ahead,
                   self.segment_count - 1)
        for target in range(index + 1, last + 1):
            if len(held) >= self.policy.ahead:
                break
            key = (profile, target)
            if key in held or SegmentKey(self._media, profile, target) in self._cache:
                continue
            if self._clock.seconds() - self._failed_at.get(key, -PREFETCH_BACKOFF) < \
                    PREFETCH_BACKOFF:
                continue
            self._launch(key, _Fetch(prefetch=True))
            held.add(key)


PREFETCH_BACKOFF = 30.0  # seconds a failed prefetch is not tried again as a prefetch


def _first_failure(results: list[tuple[bool, Any]]) -> Failure | None:
    for ok, value in results:
        if not ok:
            assert isinstance(value, Failure)
            return value
    return None
