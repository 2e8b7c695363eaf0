"""The transcode cache: segments in memory, shared by every session, under memory pressure.

Keys name content, not transcodes (media identity, profile, index), so a second viewer of a
title reuses the first viewer's segments. Policy (from the seed): above ``high_water`` of the
cap, evict least-recently-used segments older than ``min_retention``; above ``critical``,
evict least-recently-used regardless of age, until back under ``high_water``.
"""

from __future__ import annotations

import os
from collections import OrderedDict

import attrs
from twisted.internet.interfaces import IReactorTime

from revenge.playback import metrics


@attrs.frozen
class SegmentKey:
    """What a segment is: the same key always means the same bytes."""

    media: str
    profile: str
    index: int


def default_cache_bytes() -> int:
    """25% of physical memory."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4


@attrs.define
class _Entry:
    data: bytes
    stored_at: float


class TranscodeCache:
    """LRU over segment bytes with the seed's two thresholds and a retention floor."""

    def __init__(
        self,
        *,
        clock: IReactorTime,
        max_bytes: int | None = None,
        high_water: float = 0.8,
        critical: float = 0.95,
        min_retention: float = 30.0,
    ) -> None:
        self._clock = clock
        self.max_bytes = max_bytes or default_cache_bytes()
        self.high_water = high_water
        self.critical = critical
        self.min_retention = min_retention
        self._entries: OrderedDict[SegmentKey, _Entry] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.evictions: dict[str, int] = {"pressure": 0, "emergency": 0}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: SegmentKey) -> bool:
        return key in self._entries

    def get(self, key: SegmentKey) -> bytes | None:
        """The segment, marked most recently used; None on a miss."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            metrics.CACHE_MISSES.inc()
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        metrics.CACHE_HITS.inc()
        return entry.data

    def put(self, key: SegmentKey, data: bytes) -> bool:
        """Keep a segment (False if it alone is larger than the cap), then apply the policy."""
        if len(data) > self.max_bytes:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= len(old.data)
        self._entries[key] = _Entry(data, self._clock.seconds())
        self.bytes += len(data)
        self._enforce()
        return True

    @property
    def hit_ratio(self) -> float | None:
        """Hits over lookups so far."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else None

    def shrink_to(self, fraction: float) -> None:
        """Memory pressure from outside: evict LRU segments until under ``fraction`` of cap."""
        self._evict_until(fraction * self.max_bytes, respect_retention=False,
                          reason="emergency")

    def _enforce(self) -> None:
        high = self.high_water * self.max_bytes
        if self.bytes > self.critical * self.max_bytes:
            self._evict_until(high, respect_retention=False, reason="emergency")
        elif self.bytes > high:
            self._evict_until(high, respect_retention=True, reason="pressure")
        metrics.CACHE_BYTES.set(self.bytes)
        metrics.CACHE_ENTRIES.set(len(self._entries))

    def _evict_until(self, target: float, *, respect_retention: bool, reason: str) -> None:
        now = self._clock.seconds()
        for key in list(self._entries):
            if self.bytes <= target:
                break
            entry = self._entries[key]
            if respect_retention and now - entry.stored_at < self.min_retention:
                continue
            del self._entries[key]
            self.bytes -= len(entry.data)
            self.evictions[reason] += 1
            metrics.CACHE_EVICTIONS.labels(reason).inc()
        metrics.CACHE_BYTES.set(self.bytes)
        metrics.CACHE_ENTRIES.set(len(self._entries))
