"""The transcode cache: segments in memory, shared by every session, under memory pressure.

Keys name content, not transcodes (media identity, profile, index), so a second viewer of a
title reuses the first viewer's segments. Policy (from the seed), applied after each insert:
above ``high_water`` of the cap, evict least-recently-used segments older than
``min_retention`` until under ``high_water``; above ``critical``, evict least-recently-used
segments regardless of age until under ``high_water``. A segment larger than the whole cap is
not kept. Age counts from the insert: a seek back within ``min_retention`` finds the segment
even if nobody asked for it since.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Literal, NamedTuple

import attrs
from twisted.internet.interfaces import IReactorTime

from revenge.playback import metrics

EvictionReason = Literal["pressure", "emergency", "memory"]


class SegmentKey(NamedTuple):
    """What a segment is: the same key always means the same bytes. A tuple, so that its
    hash and comparison (several per segment served) are the C tuple's."""

    media: str
    profile: str
    number: int  # the segment's (``index`` is a tuple's method)


@attrs.frozen
class CacheStats:
    """A snapshot of the cache's accounting."""

    bytes: int
    entries: int
    max_bytes: int
    hits: int
    misses: int
    evictions: dict[str, int]

    @property
    def hit_ratio(self) -> float | None:
        """Hits over lookups (None before the first lookup)."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else None


def default_max_bytes(fraction: float = 0.25) -> int:
    """``fraction`` of physical memory (the seed's default cap is 25%)."""
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * fraction)


@attrs.define
class _Entry:
    data: bytes
    stored_at: float


class TranscodeCache:
    """LRU over segment bytes with the seed's two thresholds and a retention floor.

    One per process, shared by every ``SegmentBuffer``. ``max_bytes=None`` means
    ``default_max_bytes()``.
    """

    def __init__(
        self,
        *,
        clock: IReactorTime,
        max_bytes: int | None = None,
        high_water: float = 0.8,
        critical: float = 0.95,
        min_retention: float = 30.0,
    ) -> None:
        if not 0 < high_water <= critical <= 1:
            raise ValueError("need 0 < high_water <= critical <= 1")
        self.clock = clock
        self.max_bytes = default_max_bytes() if max_bytes is None else max_bytes
        self.high_water = high_water
        self.critical = critical
        self.min_retention = min_retention
        # Least recently used first: eviction walks from the front.
        self._entries: OrderedDict[SegmentKey, _Entry] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._evictions: dict[str, int] = {"pressure": 0, "emergency": 0, "memory": 0}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        """Whether the segment is kept; neither counts as a lookup nor marks it used."""
        return key in self._entries

    @property
    def nbytes(self) -> int:
        """Bytes of segments kept."""
        return self._bytes

    def stats(self) -> CacheStats:
        """Bytes, entries, hits, misses and evictions by reason, as of now."""
        return CacheStats(self._bytes, len(self._entries), self.max_bytes, self._hits,
                          self._misses, dict(self._evictions))

    def get(self, key: SegmentKey) -> bytes | None:
        """The segment, marked most recently used; None on a miss."""
        entry = self._entries.get(key)
        if entry is None:
            self._misses += 1
            metrics.CACHE_MISSES.inc()
            return None
        self._entries.move_to_end(key)
        self._hits += 1
        metrics.CACHE_HITS.inc()
        return entry.data

    def put(self, key: SegmentKey, data: bytes) -> bool:
        """Keep a segment as most recently used, then apply the policy.

        Returns whether it was kept: not when it alone is larger than the cap, nor when the
        policy had to evict it at once (larger than the room under the high mark).
        """
        if len(data) > self.max_bytes:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.data)
        self._entries[key] = _Entry(data, self.clock.seconds())
        self._bytes += len(data)
        high = self.high_water * self.max_bytes
        if self._bytes > self.critical * self.max_bytes:
            self._evict_until(high, respect_retention=False, reason="emergency")
        elif self._bytes > high:
            self._evict_until(high, respect_retention=True, reason="pressure")
        self._publish()
        return key in self._entries

    def memory_pressure(self, fraction: float = 0.5) -> int:
        """The process is short of memory: evict LRU segments, young or not, until at most
        ``fraction`` of the cap is used. Returns the bytes freed."""
        before = self._bytes
        self._evict_until(fraction * self.max_bytes, respect_retention=False, reason="memory")
        self._publish()
        return before - self._bytes

    def _evict_until(self, target: float, *, respect_retention: bool,
                     reason: EvictionReason) -> None:
        if self._bytes <= target:
            return
        now = self.clock.seconds()
        for key, entry in list(self._entries.items()):
            if self._bytes <= target:
                break
            if respect_retention and now - entry.stored_at < self.min_retention:
                continue
            del self._entries[key]
            self._bytes -= len(entry.data)
            self._evictions[reason] += 1
            metrics.CACHE_EVICTIONS.labels(reason).inc()

    def _publish(self) -> None:
        metrics.CACHE_BYTES.set(self._bytes)
        metrics.CACHE_ENTRIES.set(len(self._entries))
