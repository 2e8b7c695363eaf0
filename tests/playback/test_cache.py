"""The transcode cache policy, driven by a Clock: thresholds, retention, emergency, LRU."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from twisted.internet.task import Clock

from revenge.playback.cache import SegmentKey, TranscodeCache, default_max_bytes


def _key(i: int) -> SegmentKey:
    return SegmentKey("m", "p", i)


def _evicted(reason: str) -> float:
    return REGISTRY.get_sample_value("revenge_cache_evictions_total", {"reason": reason}) or 0.0


def test_keys_are_values() -> None:
    assert SegmentKey("m:1:2", "720p", 3) == SegmentKey("m:1:2", "720p", 3)
    assert len({SegmentKey("m", "p", 1), SegmentKey("m", "p", 1)}) == 1


def test_the_default_cap_is_a_quarter_of_physical_memory() -> None:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert default_max_bytes() == ram // 4
    assert TranscodeCache(clock=Clock()).max_bytes == ram // 4
    assert TranscodeCache(clock=Clock(), max_bytes=123).max_bytes == 123


def test_under_the_high_mark_nothing_is_evicted_and_lookups_are_counted() -> None:
    cache = TranscodeCache(clock=Clock(), max_bytes=1000)
    for i in range(8):
        assert cache.put(_key(i), b"x" * 100)
    assert (len(cache), cache.nbytes) == (8, 800)
    assert cache.get(_key(0)) == b"x" * 100
    assert cache.get(_key(99)) is None
    assert _key(1) in cache  # membership is not a lookup
    stats = cache.stats()
    assert (stats.bytes, stats.entries, stats.hits, stats.misses) == (800, 8, 1, 1)
    assert stats.hit_ratio == 0.5
    assert stats.evictions == {"pressure": 0, "emergency": 0, "memory": 0}
    assert TranscodeCache(clock=Clock(), max_bytes=1).stats().hit_ratio is None


def test_replacing_a_segment_does_not_count_it_twice() -> None:
    cache = TranscodeCache(clock=Clock(), max_bytes=1000)
    cache.put(_key(0), b"x" * 100)
    cache.put(_key(0), b"y" * 50)
    assert (len(cache), cache.nbytes, cache.get(_key(0))) == (1, 50, b"y" * 50)


def test_gauges_follow_the_cache() -> None:
    cache = TranscodeCache(clock=Clock(), max_bytes=1000)
    cache.put(_key(0), b"x" * 300)
    cache.put(_key(1), b"x" * 200)
    assert REGISTRY.get_sample_value("revenge_cache_bytes") == 500
    assert REGISTRY.get_sample_value("revenge_cache_entries") == 2


def test_pressure_evicts_old_entries_least_recently_used_first() -> None:
    clock = Clock()
    cache = TranscodeCache(clock=clock, max_bytes=1000, min_retention=30)
    for i in range(5):
        cache.put(_key(i), b"x" * 100)
    clock.advance(31)
    assert cache.get(_key(0)) is not None  # used again: now the last old one to go
    before = _evicted("pressure")
    for i in range(5, 9):
        cache.put(_key(i), b"x" * 100)  # the last one makes 900 > 800
    assert _key(1) not in cache and _key(0) in cache and _key(2) in cache
    assert cache.nbytes == 800
    assert cache.stats().evictions["pressure"] == 1
    assert _evicted("pressure") == before + 1


def test_retention_keeps_young_entries_above_the_high_mark() -> None:
    clock = Clock()
    cache = TranscodeCache(clock=clock, max_bytes=1000, min_retention=30)
    for i in range(9):
        cache.put(_key(i), b"x" * 100)
        clock.advance(1)
    assert cache.nbytes == 900 and len(cache) == 9  # above 80%, but all younger than 30 s
    clock.advance(30)
    cache.put(_key(9), b"x" * 10)  # 910: now the old ones may go, oldest first
    assert cache.nbytes == 710 and _key(0) not in cache and _key(1) not in cache
    assert _key(9) in cache and cache.stats().evictions == {
        "pressure": 2, "emergency": 0, "memory": 0}


def test_emergency_evicts_regardless_of_age_until_under_the_high_mark() -> None:
    clock = Clock()
    cache = TranscodeCache(clock=clock, max_bytes=1000, min_retention=30)
    for i in range(9):
        cache.put(_key(i), b"x" * 100)
    cache.get(_key(0))
    before = _evicted("emergency")
    assert cache.put(_key(9), b"x" * 60)  # 960 > 950: all young, evicted anyway
    assert cache.nbytes == 760
    assert _key(0) in cache and _key(1) not in cache and _key(2) not in cache
    assert _key(9) in cache
    assert cache.stats().evictions["emergency"] == 2
    assert _evicted("emergency") == before + 2


def test_an_entry_larger_than_the_cap_is_not_kept() -> None:
    cache = TranscodeCache(clock=Clock(), max_bytes=1000)
    cache.put(_key(0), b"x" * 100)
    assert not cache.put(_key(1), b"x" * 1001)
    assert _key(1) not in cache and cache.nbytes == 100
    # One that fits the cap but not under the high mark goes straight out again.
    assert not cache.put(_key(2), b"x" * 900)
    assert cache.nbytes <= 800


def test_memory_pressure_shrinks_to_a_fraction_regardless_of_age() -> None:
    cache = TranscodeCache(clock=Clock(), max_bytes=1000)
    for i in range(5):
        cache.put(_key(i), b"x" * 100)
    cache.get(_key(0))
    assert cache.memory_pressure(0.2) == 300
    assert cache.nbytes == 200 and _key(0) in cache and _key(4) in cache
    assert cache.stats().evictions["memory"] == 3
    assert cache.memory_pressure() == 0  # already under half


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 15), st.integers(0, 400)),
        st.tuples(st.just("get"), st.integers(0, 15), st.just(0)),
        st.tuples(st.just("wait"), st.integers(0, 40), st.just(0)),
        st.tuples(st.just("shrink"), st.integers(0, 100), st.just(0)),
    ),
    max_size=60,
)


@given(OPS)
def test_accounting_and_thresholds_hold_for_any_sequence(ops: list[tuple[str, int, int]]) -> None:
    clock = Clock()
    cache = TranscodeCache(clock=clock, max_bytes=1000, min_retention=30)
    model: dict[int, bytes] = {}
    for op, a, b in ops:
        if op == "put":
            data = bytes([a]) * b
            before = cache.stats().evictions
            kept = cache.put(_key(a), data)
            model[a] = data
            assert kept == (_key(a) in cache)
            assert cache.nbytes <= 950  # never left above the critical mark
            if cache.stats().evictions["emergency"] > before["emergency"]:
                assert cache.nbytes <= 800
        elif op == "get":
            got = cache.get(_key(a))
            assert got is None or got == model[a]
        elif op == "wait":
            clock.advance(a)
        else:
            cache.memory_pressure(a / 100)
            assert cache.nbytes <= a * 10
        held = {i: d for i, d in model.items() if _key(i) in cache}
        assert cache.nbytes == sum(len(d) for d in held.values())
        assert len(cache) == len(held)
