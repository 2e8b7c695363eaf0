"""The segment buffer: sources, prefetch bounds, one fetch per segment, failures."""

from __future__ import annotations

import pytest
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from zope.interface.verify import verifyObject

from revenge.blackbeard.interface import ITranscoder, TranscoderError
from revenge.playback.buffer import Delivery, SegmentBuffer, segment_name
from revenge.playback.cache import SegmentKey, TranscodeCache
from tests.playback.fakes import FakeTranscoder


def _buffer(fake: FakeTranscoder, count: int = 20, **kw: int) -> SegmentBuffer:
    cache = TranscodeCache(clock=Clock(), max_bytes=10**9)
    return SegmentBuffer(transcoder=fake, transcode_id="t", cache=cache, media="m",
                         segment_count=count, **kw)


def _result(d: Deferred[Delivery]) -> Delivery:
    results: list[Delivery] = []
    d.addCallback(results.append)
    assert results, "not fired"
    return results[0]


def _get(buffer: SegmentBuffer, index: int) -> Deferred[Delivery]:
    return Deferred.fromCoroutine(buffer.get(index, "p"))


def test_the_fake_speaks_the_interface() -> None:
    assert verifyObject(ITranscoder, FakeTranscoder())


def test_origin_then_prefetched_segments_come_from_the_buffer() -> None:
    fake = FakeTranscoder()
    buffer = _buffer(fake)
    first = _get(buffer, 0)
    assert fake.pending() == [("p", "0.ts")]
    fake.answer("p", "0.ts")
    assert _result(first) == Delivery(b"p/0.ts", "origin")
    assert sorted(fake.pending()) == [("p", "1.ts"), ("p", "2.ts"), ("p", "3.ts")]
    for i in (1, 2, 3):
        fake.answer("p", segment_name(i))
    assert _result(_get(buffer, 1)).source == "buffer"
    assert ("p", "4.ts") in fake.pending()


def test_a_request_joins_the_fetch_under_way() -> None:
    fake = FakeTranscoder()
    buffer = _buffer(fake)
    a, b = _get(buffer, 5), _get(buffer, 5)
    assert fake.fetches[("p", "5.ts")].__len__() == 1
    fake.answer("p", "5.ts")
    assert _result(a).data == _result(b).data == b"p/5.ts"
    # A request for a segment being prefetched waits for that prefetch: "buffer".
    c = _get(buffer, 6)
    assert len(fake.fetches[("p", "6.ts")]) == 1
    fake.answer("p", "6.ts")
    assert _result(c).source == "buffer"
    assert buffer.origin_fetches == len(fake.fetches)


def test_prefetch_never_runs_more_than_ahead_or_past_the_end() -> None:
    fake = FakeTranscoder()
    buffer = _buffer(fake, count=20, ahead=4, prefetch=3)
    for index in range(0, 6):
        d = _get(buffer, index)
        for key in list(fake.pending()):
            if key == ("p", segment_name(index)):
                fake.answer(*key)
        _result(d)
        furthest = max(int(name.split(".")[0]) for _, name in fake.fetches)
        assert furthest <= index + 4
    end = _buffer(FakeTranscoder(), count=3)
    fake2 = end._transcoder  # type: ignore[attr-defined]
    d = _get(end, 1)
    fake2.answer("p", "1.ts")
    _result(d)
    assert [name for _, name in fake2.fetches] == ["1.ts", "2.ts"]


def test_cache_serves_another_buffer_and_behind_is_forgotten() -> None:
    fake = FakeTranscoder()
    cache = TranscodeCache(clock=Clock(), max_bytes=10**9)
    one = SegmentBuffer(transcoder=fake, transcode_id="t", cache=cache, media="m",
                        segment_count=5, prefetch=0)
    d = Deferred.fromCoroutine(one.get(2, "p"))
    fake.answer("p", "2.ts")
    _result(d)
    assert SegmentKey("m", "p", 2) in cache
    two = SegmentBuffer(transcoder=fake, transcode_id="t2", cache=cache, media="m",
                        segment_count=5, prefetch=0)
    assert _result(Deferred.fromCoroutine(two.get(2, "p"))).source == "cache"


def test_ready_fetches_the_first_segments() -> None:
    fake = FakeTranscoder()
    buffer = _buffer(fake, min_ready=2)
    ready = Deferred.fromCoroutine(buffer.ready(4, "p"))
    assert sorted(fake.pending()) == [("p", "4.ts"), ("p", "5.ts")]
    fake.answer("p", "4.ts")
    assert not ready.called
    fake.answer("p", "5.ts")
    assert ready.called
    assert _result(_get(buffer, 4)).source == "buffer"


def test_a_failed_fetch_fails_the_request_and_can_be_retried() -> None:
    fake = FakeTranscoder()
    buffer = _buffer(fake, prefetch=0)
    d = _get(buffer, 0)
    errors: list[TranscoderError] = []
    d.addErrback(lambda f: errors.append(f.value))
    fake.fetches[("p", "0.ts")][0].errback(TranscoderError("boom", status=500))
    assert errors and errors[0].status == 500
    again = _get(buffer, 0)
    fake.answer("p", "0.ts")
    assert _result(again).source == "origin"


def test_a_failed_prefetch_is_forgotten_and_close_cancels() -> None:
    fake = FakeTranscoder()
    buffer = _buffer(fake, prefetch=2)
    d = _get(buffer, 0)
    fake.answer("p", "0.ts")
    _result(d)
    fake.fetches[("p", "1.ts")][0].errback(TranscoderError("boom"))
    retry = _get(buffer, 1)
    assert len(fake.fetches[("p", "1.ts")]) == 2
    fake.answer("p", "1.ts")
    assert _result(retry).source == "origin"
    buffer.close()
    assert all(d.called for ds in fake.fetches.values() for d in ds)


@pytest.mark.parametrize("index", [0, 7, 123])
def test_segment_names(index: int) -> None:
    assert segment_name(index) == f"{index}.ts"
