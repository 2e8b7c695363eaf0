"""The transcode cache policy, with a Clock."""

from __future__ import annotations

from twisted.internet.task import Clock

from revenge.playback.cache import SegmentKey, TranscodeCache


def _key(i: int) -> SegmentKey:
    return SegmentKey("m", "p", i)


def test_under_the_high_mark_nothing_is_evicted_and_lru_order_holds() -> None:
    cache = TranscodeCache(clock=Clock(), max_bytes=1000)
    for i in range(8):
        assert cache.put(_key(i), b"x" * 100)
    assert len(cache) == 8 and cache.bytes == 800
    assert cache.get(_key(0)) == b"x" * 100 and cache.get(_key(99)) is None
    assert (cache.hits, cache.misses, cache.hit_ratio) == (1, 1, 0.5)


def test_pressure_evicts_old_lru_entries_but_keeps_young_ones() -> None:
    clock = Clock()
    cache = TranscodeCache(clock=clock, max_bytes=1000, min_retention=30)
    for i in range(5):
        cache.put(_key(i), b"x" * 100)
    clock.advance(31)
    cache.get(_key(0))  # recently used: evicted last
    for i in range(5, 9):
        cache.put(_key(i), b"x" * 100)  # 900 > 800: old entries go, LRU first
    assert _key(0) in cache and _key(1) not in cache
    assert cache.bytes <= 800 and cache.evictions == {"pressure": 1, "emergency": 0}
    # Everything left is young or recently used: above the high mark but under critical,
    # young entries are kept.
    clock.advance(1)
    young = TranscodeCache(clock=clock, max_bytes=1000, min_retention=30)
    for i in range(9):
        young.put(_key(i), b"x" * 100)
    assert young.bytes == 900 and young.evictions["pressure"] == 0


def test_emergency_evicts_regardless_of_age() -> None:
    clock = Clock()
    cache = TranscodeCache(clock=clock, max_bytes=1000, min_retention=30)
    for i in range(9):
        cache.put(_key(i), b"x" * 100)
    cache.put(_key(9), b"x" * 60)  # 960 > 950: back under 800, youngest kept
    assert cache.bytes <= 800 and cache.evictions["emergency"] == 2
    assert _key(0) not in cache and _key(9) in cache


def test_oversized_entries_are_refused_and_shrink_works() -> None:
    cache = TranscodeCache(clock=Clock(), max_bytes=1000)
    assert not cache.put(_key(0), b"x" * 1001)
    for i in range(5):
        cache.put(_key(i), b"x" * 100)
    cache.shrink_to(0.2)
    assert cache.bytes == 200 and _key(4) in cache and _key(0) not in cache
