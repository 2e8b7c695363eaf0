"""The segment buffer: sources, prefetch bounds, one fetch per segment, failures, ready()."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.task import Clock
from twisted.logger import capturedLogs
from twisted.python.failure import Failure

from revenge.blackbeard.interface import TranscoderError
from revenge.blackbeard.naming import segment_name
from revenge.playback.buffer import BufferPolicy, Delivery, SegmentBuffer
from revenge.playback.cache import SegmentKey, TranscodeCache
from revenge.testing import FakeTranscoder, segment_body
from tests.fired import failure_of, result_of


def _cache() -> TranscodeCache:
    return TranscodeCache(clock=Clock(), max_bytes=10**9)


def _buffer(fake: FakeTranscoder, *, count: int = 20, cache: TranscodeCache | None = None,
            transcode_id: str = "t", **options: int) -> SegmentBuffer:
    return SegmentBuffer(transcoder=fake, transcode_id=transcode_id,
                         cache=_cache() if cache is None else cache, media="m",
                         segment_count=count, policy=BufferPolicy(**options))


def _served(source: str) -> float:
    return REGISTRY.get_sample_value("revenge_playback_segments_served_total",
                                     {"source": source}) or 0.0


def _indices(fake: FakeTranscoder) -> list[int]:
    return sorted(int(name.split(".")[0]) for _, name in fake.pending())


@pytest.mark.parametrize("index", [0, 7, 123])
def test_segment_names(index: int) -> None:
    assert segment_name(index) == f"{index}.ts"


def test_origin_then_prefetched_segments_come_from_the_buffer() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake)
    before = _served("buffer")
    first = buffer.get(0, "p")
    # The request alone: the transcoder must see it first, as where to start encoding.
    assert _indices(fake) == [0]
    fake.answer("p", "0.ts")
    assert result_of(first) == Delivery(segment_body("p", "0.ts"), "origin")
    assert _indices(fake) == [1, 2, 3]  # then the next three
    for i in (1, 2, 3):
        fake.answer("p", segment_name(i))
    assert result_of(buffer.get(1, "p")) == Delivery(segment_body("p", "1.ts"), "buffer")
    assert _indices(fake) == [4]  # 2 and 3 are buffered already
    stats = buffer.stats()
    assert stats.counts.served == {"buffer": 1, "cache": 0, "origin": 1}
    assert (stats.counts.origin_fetches, stats.counts.prefetches, stats.in_flight) == (5, 4, 1)
    assert (stats.buffered_segments, stats.buffered_bytes) == (
        2, 2 * len(segment_body("p", "2.ts")))
    assert _served("buffer") == before + 1


def test_concurrent_requests_share_one_origin_fetch() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, prefetch=0)
    a, b = buffer.get(5, "p"), buffer.get(5, "p")
    assert len(fake.fetches[("p", "5.ts")]) == 1
    fake.answer("p", "5.ts")
    assert result_of(a) == result_of(b) == Delivery(segment_body("p", "5.ts"), "origin")
    assert buffer.stats().counts.origin_fetches == 1


def test_a_request_for_a_segment_being_prefetched_waits_for_the_prefetch() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake)
    first = buffer.get(0, "p")
    fake.answer("p", "0.ts")
    assert result_of(first).source == "origin"
    second = buffer.get(1, "p")  # 1 is being prefetched: join it, say "buffer"
    assert len(fake.fetches[("p", "1.ts")]) == 1
    assert not second.called
    assert _indices(fake) == [1, 2, 3, 4]  # joining a fetch under way prefetches at once
    fake.answer("p", "1.ts")
    assert result_of(second) == Delivery(segment_body("p", "1.ts"), "buffer")
    assert buffer.stats().buffered_segments == 0  # handed over, not kept as well
    assert all(len(ds) == 1 for ds in fake.fetches.values())


def test_a_transcoder_that_answers_at_once_still_delivers() -> None:
    fake = FakeTranscoder()
    buffer = _buffer(fake, count=5)
    assert result_of(buffer.get(0, "p")) == Delivery(segment_body("p", "0.ts"), "origin")
    assert result_of(buffer.get(1, "p")).source == "buffer"
    assert result_of(buffer.ready(3, "p")) is None


def test_prefetch_stops_at_the_end() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, count=3)
    buffer.get(1, "p")
    fake.answer("p", "1.ts")
    assert _indices(fake) == [2]
    buffer.get(2, "p")
    assert _indices(fake) == [2]


def test_prefetch_never_holds_more_than_ahead_past_the_request() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, count=100, ahead=6, prefetch=3)
    buffer.get(10, "p")
    fake.answer("p", "10.ts")
    buffer.get(11, "p")  # joins 11; prefetches 14
    assert _indices(fake) == [11, 12, 13, 14]
    buffer.get(8, "p")  # a step back: 11..14 still count, so only 9 is fetched
    fake.answer("p", "8.ts")
    assert _indices(fake) == [9, 11, 12, 13, 14]
    # A prefetch window larger than ahead is cut to ahead.
    fake2 = FakeTranscoder(immediate=False)
    _buffer(fake2, count=100, ahead=2, prefetch=5).get(0, "p")
    fake2.answer("p", "0.ts")
    assert _indices(fake2) == [1, 2]


def test_a_seek_cancels_the_prefetches_the_player_no_longer_heads_for() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, count=100, ahead=8, prefetch=3)
    buffer.get(10, "p")
    fake.answer("p", "10.ts")
    waited = buffer.get(11, "p")  # a request waits on the prefetch of 11: it stays
    assert _indices(fake) == [11, 12, 13, 14]
    buffer.get(40, "p")
    # Only the seek's own request goes out; its prefetches follow once it is answered.
    assert _indices(fake) == [11, 40]
    fake.answer("p", "40.ts")
    assert _indices(fake) == [11, 41, 42, 43]
    fake.answer("p", "11.ts")
    assert result_of(waited).source == "buffer"


def test_buffered_segments_behind_the_player_are_dropped_but_stay_cached() -> None:
    fake = FakeTranscoder(immediate=False)
    cache = _cache()
    buffer = _buffer(fake, cache=cache)
    first = buffer.get(0, "p")
    for i in range(4):
        fake.answer("p", segment_name(i))
    result_of(first)
    assert buffer.stats().buffered_segments == 3  # 1, 2, 3
    assert result_of(buffer.get(3, "p")).source == "buffer"
    assert buffer.stats().buffered_segments == 0  # 1 and 2 are behind: dropped
    calls = len(fake.calls)
    assert result_of(buffer.get(1, "p")) == Delivery(segment_body("p", "1.ts"), "cache")
    assert SegmentKey("m", "p", 2) in cache
    assert ("t", "p", "1.ts") not in fake.calls[calls:]


def test_a_prefetch_landing_behind_the_player_is_not_buffered() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, prefetch=2)
    buffer.get(0, "p")
    fake.answer("p", "0.ts")  # then prefetches 1, 2
    buffer.get(2, "p")
    fake.answer("p", "1.ts")
    assert buffer.stats().buffered_segments == 0


def test_another_buffer_on_the_same_media_is_served_from_the_cache() -> None:
    fake = FakeTranscoder(immediate=False)
    cache = _cache()
    one = _buffer(fake, cache=cache, prefetch=0)
    d = one.get(2, "p")
    fake.answer("p", "2.ts")
    result_of(d)
    two = _buffer(fake, cache=cache, transcode_id="t2", prefetch=0)
    assert result_of(two.get(2, "p")) == Delivery(segment_body("p", "2.ts"), "cache")
    assert [c for c in fake.calls if c[0] == "t2"] == []
    assert cache.stats().hits == 1


def test_prefetch_skips_segments_already_cached() -> None:
    fake = FakeTranscoder(immediate=False)
    cache = _cache()
    cache.put(SegmentKey("m", "p", 2), b"cached")
    buffer = _buffer(fake, cache=cache)
    buffer.get(0, "p")
    fake.answer("p", "0.ts")
    assert _indices(fake) == [1, 3]


def test_profiles_are_separate_segments() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, prefetch=0)
    hi, lo = buffer.get(0, "hi"), buffer.get(0, "lo")
    fake.answer("hi", "0.ts")
    fake.answer("lo", "0.ts")
    assert result_of(hi).data == segment_body("hi", "0.ts")
    assert result_of(lo).data == segment_body("lo", "0.ts")


def test_a_failed_fetch_fails_the_request_and_a_later_request_retries() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, prefetch=0)
    a, b = buffer.get(0, "p"), buffer.get(0, "p")
    fake.fail("p", "0.ts", TranscoderError("boom", status=503))
    for d in (a, b):
        error = failure_of(d)
        assert isinstance(error, TranscoderError) and error.status == 503
    again = buffer.get(0, "p")
    fake.answer("p", "0.ts")
    assert result_of(again).source == "origin"
    assert len(fake.fetches[("p", "0.ts")]) == 2


def test_a_failed_prefetch_is_logged_and_forgotten() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, prefetch=2)
    buffer.get(0, "p")
    fake.answer("p", "0.ts")
    with capturedLogs() as events:
        fake.fail("p", "1.ts")
    assert any("prefetch of segment" in e.get("log_format", "") and e.get("index") == 1
               for e in events)
    assert buffer.stats().counts.failed_prefetches == 1
    retry = buffer.get(1, "p")
    assert len(fake.fetches[("p", "1.ts")]) == 2
    fake.answer("p", "1.ts")
    assert result_of(retry).source == "origin"


def test_a_request_waiting_on_a_failing_prefetch_gets_the_error() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake)
    buffer.get(0, "p")
    joined = buffer.get(1, "p")
    fake.fail("p", "1.ts", TranscoderError("boom", status=502))
    error = failure_of(joined)
    assert isinstance(error, TranscoderError) and error.status == 502


def test_a_player_gone_leaves_the_fetch_to_the_others_and_the_buffer() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, prefetch=0)
    a, b = buffer.get(0, "p"), buffer.get(0, "p")
    a.cancel()
    assert isinstance(failure_of(a), CancelledError)
    fake.answer("p", "0.ts")
    assert result_of(b).source == "origin"
    # The only requester gone: the fetch still lands, in the buffer, for the retry.
    c = buffer.get(1, "p")
    c.cancel()
    failure_of(c)
    fake.answer("p", "1.ts")
    assert result_of(buffer.get(1, "p")) == Delivery(segment_body("p", "1.ts"), "buffer")


def test_ready_fetches_the_first_segments_as_prefetches() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, min_ready=2)
    ready = buffer.ready(4, "p")
    assert _indices(fake) == [4]  # one after the other: 4 reaches the transcoder first
    fake.answer("p", "4.ts")
    assert _indices(fake) == [5]
    assert not ready.called
    fake.answer("p", "5.ts")
    assert result_of(ready) is None
    assert result_of(buffer.get(4, "p")).source == "buffer"
    assert result_of(buffer.get(5, "p")).source == "buffer"
    # Near the end only what exists is waited for; cached segments count as ready.
    fake2 = FakeTranscoder(immediate=False)
    cache = _cache()
    cache.put(SegmentKey("m", "p", 8), b"cached")
    end = _buffer(fake2, count=10, cache=cache, min_ready=3)
    assert not end.ready(8, "p").called
    assert _indices(fake2) == [9]


def test_ready_joins_fetches_under_way_and_reports_failures() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake, min_ready=2, prefetch=0)
    request = buffer.get(0, "p")
    ready = buffer.ready(0, "p")
    assert _indices(fake) == [0]
    fake.answer("p", "0.ts")
    assert _indices(fake) == [1]
    fake.fail("p", "1.ts", TranscoderError("boom", status=500))
    assert result_of(request).source == "origin"
    error = failure_of(ready)
    assert isinstance(error, TranscoderError) and error.status == 500


def test_close_cancels_prefetches_and_frees_the_buffer() -> None:
    fake = FakeTranscoder(immediate=False)
    buffer = _buffer(fake)
    result = buffer.get(0, "p")
    fake.answer("p", "0.ts")  # then 1, 2, 3 are prefetched
    result_of(result)
    waiting = buffer.get(2, "p")  # a request joins 2: finished for it, not cancelled
    fake.answer("p", "3.ts")  # buffered
    assert buffer.stats().buffered_segments == 1
    buffer.close()
    stats = buffer.stats()
    assert (stats.buffered_segments, stats.buffered_bytes) == (0, 0)
    answered = {("p", "0.ts"), ("p", "3.ts")}
    cancelled = [key for key, ds in fake.fetches.items() for d in ds
                 if d.called and key not in answered]
    assert sorted(cancelled) == [("p", f"{i}.ts") for i in (1, 4, 5)]
    assert not waiting.called
    fake.answer("p", "2.ts")
    assert result_of(waiting).source == "buffer"
    calls = len(fake.calls)
    buffer.get(10, "p")  # after close: no more prefetching
    assert len(fake.calls) == calls + 1
    assert buffer.stats().buffered_segments == 0


SCRIPT = st.lists(
    st.one_of(
        st.tuples(st.just("get"), st.integers(0, 29)),
        st.tuples(st.just("answer"), st.integers(0, 1000)),
        st.tuples(st.just("fail"), st.integers(0, 1000)),
        st.tuples(st.just("cancel"), st.integers(0, 1000)),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(SCRIPT, st.integers(1, 8), st.integers(0, 5))
def test_bounds_and_single_fetches_hold_for_any_request_order(
    script: list[tuple[str, int]], ahead: int, prefetch: int
) -> None:
    fake = FakeTranscoder(immediate=False)
    count = 25
    buffer = _buffer(fake, count=count, ahead=ahead, prefetch=prefetch)
    requests: list[tuple[int, Deferred[Delivery]]] = []
    for op, n in script:
        pending = fake.pending()
        if op == "get":
            calls = len(fake.calls)
            requests.append((n, buffer.get(n, "p")))
            launched = [int(name.split(".")[0]) for _, _, name in fake.calls[calls:]]
            prefetched = [i for i in launched if i != n]
            # Prefetches go at most min(prefetch, ahead) past the request, never past the end.
            assert all(n < i <= n + min(prefetch, ahead) and i < count for i in prefetched)
            if prefetched:
                held = {i for i in _indices(fake) if i > n}
                held |= {i for (_, i) in buffer._ready if i > n}
                assert len(held) <= ahead
        elif pending and op in ("answer", "fail"):
            profile, name = pending[n % len(pending)]
            if op == "answer":
                fake.answer(profile, name)
            else:
                fake.fail(profile, name)
        elif op == "cancel" and requests:
            requests[n % len(requests)][1].cancel()
        # Never two origin fetches in flight for one segment.
        assert len(fake.pending()) == len(set(fake.pending()))
    while fake.pending():
        fake.answer(*fake.pending()[0])
    for index, d in requests:
        outcome: list[Any] = []
        d.addBoth(outcome.append)
        assert outcome, "a request never finished"
        got = outcome[0]
        if isinstance(got, Failure):
            assert got.check(TranscoderError, CancelledError)
        else:
            assert got.data == segment_body("p", segment_name(index))
