"""Retries, their schedule and the give-up error, driven by a ``Clock`` through memory."""

from __future__ import annotations

import random
from typing import cast

import pytest
from twisted.internet.defer import CancelledError
from twisted.internet.task import Clock
from twisted.logger import ILogObserver, globalLogPublisher

from revenge.blackbeard.breaker import BreakerPolicy
from revenge.blackbeard.interface import (
    TranscodeNotFound,
    TranscoderError,
    TranscoderUnavailable,
)
from revenge.blackbeard.retry import RetryPolicy
from tests.blackbeard.outcomes import failure_of, pending, result_of, sample
from tests.blackbeard.scripted import Script, answer, error, hang, in_memory

EPSILON = 1e-6


def run_for(clock: Clock, seconds: float) -> None:
    """Let ``seconds`` pass in 10 ms steps, so delays scheduled on the way fire too."""
    clock.pump([0.01] * round(seconds / 0.01))


def seed_delays(seed: int, count: int) -> list[float]:
    """The seed's schedule, computed independently: attempt x 200 ms + Int63n(100) ms."""
    rng = random.Random(seed)
    return [attempt * 0.2 + rng.randrange(100) / 1000 for attempt in range(1, count + 1)]


def test_delays_follow_the_seed_formula() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)
    delays = [policy.delay(attempt, rng) for attempt in (1, 2, 3)]
    assert delays == seed_delays(7, 3)
    for attempt, delay in enumerate(delays, start=1):
        assert attempt * 0.2 <= delay < attempt * 0.2 + 0.1


def test_retries_wait_exactly_the_seeded_schedule_then_succeed() -> None:
    script = Script([answer(500), answer(502), answer(500), answer(200, b"SEGMENT")])
    wired = in_memory(script, seed=11)
    d = wired.client.segment("t1", "p360", "0.ts")
    expected = seed_delays(11, 3)
    for count, delay in enumerate(expected, start=1):
        assert len(script.seen) == count
        wired.clock.advance(delay - EPSILON)
        assert len(script.seen) == count, "retried before its delay"
        wired.clock.advance(EPSILON)
        assert len(script.seen) == count + 1
    assert result_of(d) == b"SEGMENT"
    assert script.times == pytest.approx([0, expected[0], sum(expected[:2]), sum(expected)])
    assert all(each.path == "/api/v1/transcodes/t1/p360/0.ts" for each in script.seen)


def test_giving_up_raises_with_the_last_status() -> None:
    before = sample("revenge_blackbeard_client_retries_total", operation="status",
                    reason="server_error")
    failed = sample("revenge_blackbeard_client_requests_total", operation="status",
                    outcome="failed")
    script = Script([error(500, "boom"), error(500, "boom"), error(500, "boom"),
                     error(502, "bad_gateway")])
    wired = in_memory(script)
    d = wired.client.status("t1")
    run_for(wired.clock, 10)
    e = failure_of(d)
    assert type(e) is TranscoderError
    assert e.status == 502
    assert "after 4 attempts" in str(e) and "scripted bad_gateway" in str(e)
    assert len(script.seen) == 4
    assert sample("revenge_blackbeard_client_retries_total", operation="status",
                  reason="server_error") == before + 3
    assert sample("revenge_blackbeard_client_requests_total", operation="status",
                  outcome="failed") == failed + 1


def test_retry_count_is_configurable() -> None:
    script = Script([answer(500)])
    wired = in_memory(script, retry=RetryPolicy(retries=1))
    d = wired.client.master_playlist("t1")
    run_for(wired.clock, 10)
    assert failure_of(d).status == 500  # type: ignore[attr-defined]
    assert len(script.seen) == 2


def test_retry_after_is_obeyed_instead_of_the_backoff() -> None:
    script = Script([error(503, "not_yet", {"Retry-After": "3"}), answer(200, b"late")])
    wired = in_memory(script)
    d = wired.client.segment("t1", "p", "4.ts")
    wired.clock.advance(3 - EPSILON)
    assert len(script.seen) == 1 and pending(d)
    wired.clock.advance(EPSILON)
    assert result_of(d) == b"late"
    assert script.times == [0, 3]


def test_retry_after_is_capped() -> None:
    script = Script([error(503, "busy", {"Retry-After": "3600"}), answer(200)])
    wired = in_memory(script, retry=RetryPolicy(max_retry_after=5))
    d = wired.client.segment("t1", "p", "4.ts")
    wired.clock.advance(5)
    assert result_of(d) == b"ok"
    assert script.times == [0, 5]


@pytest.mark.parametrize("status", [408, 429])
def test_timeout_and_too_many_requests_are_retried(status: int) -> None:
    script = Script([error(status, "slow_down"), answer(200, b"{}")])
    wired = in_memory(script)
    d = wired.client.media_playlist("t1", "p")
    run_for(wired.clock, 1)
    assert result_of(d) == b"{}"
    assert len(script.seen) == 2


@pytest.mark.parametrize("status,code", [(400, "bad_request"), (403, "forbidden"),
                                         (404, "segment_not_found"), (410, "gone")])
def test_other_4xx_are_not_retried(status: int, code: str) -> None:
    script = Script([error(status, code), answer(200)])
    wired = in_memory(script)
    d = wired.client.segment("t1", "p", "9999.ts")
    e = failure_of(d)
    assert type(e) is TranscoderError
    assert (e.status, e.code) == (status, code)
    run_for(wired.clock, 60)
    assert len(script.seen) == 1
    assert wired.client.healthy  # an answer, however unwelcome, proves Blackbeard alive


def test_unknown_transcode_is_its_own_error() -> None:
    wired = in_memory(Script([error(404, "transcode_not_found")]))
    e = failure_of(wired.client.status("gone"))
    assert isinstance(e, TranscodeNotFound)
    assert (e.status, e.code) == (404, "transcode_not_found")


def test_delete_of_an_unknown_transcode_is_not_an_error() -> None:
    script = Script([error(404, "transcode_not_found")])
    wired = in_memory(script)
    assert result_of(wired.client.delete("gone")) is None
    assert [(s.method, s.path) for s in script.seen] == [("DELETE", "/api/v1/transcodes/gone")]


def test_a_hang_times_out_and_giving_up_says_unavailable() -> None:
    script = Script([hang])
    wired = in_memory(script, timeout=2, retry=RetryPolicy(retries=1, jitter_ms=0))
    d = wired.client.status("t1")
    wired.clock.advance(2 - EPSILON)
    assert pending(d)
    wired.clock.advance(EPSILON)  # attempt 1 times out; retry 1 waits 200 ms
    wired.clock.advance(0.2)
    assert len(script.seen) == 2
    wired.clock.advance(2)
    e = failure_of(d)
    assert isinstance(e, TranscoderUnavailable) and e.status is None
    assert "timeout" in str(e)
    assert script.times == pytest.approx([0, 2.2])


def test_cancelling_stops_the_call_for_good() -> None:
    before = sample("revenge_blackbeard_client_requests_total", operation="segment",
                    outcome="cancelled")
    script = Script([hang])
    wired = in_memory(script, timeout=5)
    d = wired.client.segment("t1", "p", "0.ts")
    d.cancel()
    assert isinstance(failure_of(d), CancelledError)
    run_for(wired.clock, 120)
    assert len(script.seen) == 1
    assert wired.client.breaker.failures == 0  # a caller leaving says nothing of Blackbeard
    assert sample("revenge_blackbeard_client_requests_total", operation="segment",
                  outcome="cancelled") == before + 1


def test_cancelling_during_a_backoff_stops_the_retries() -> None:
    script = Script([answer(500)])
    wired = in_memory(script)
    d = wired.client.segment("t1", "p", "0.ts")
    assert len(script.seen) == 1
    d.cancel()
    assert isinstance(failure_of(d), CancelledError)
    run_for(wired.clock, 60)
    assert len(script.seen) == 1


def test_unsafe_path_parts_never_reach_the_wire() -> None:
    script = Script([answer(200)])
    wired = in_memory(script)
    e = failure_of(wired.client.segment("t1", "..", "0.ts"))
    assert isinstance(e, TranscoderError) and "unsafe" in str(e)
    assert failure_of(wired.client.status("a/b"))
    assert script.seen == []


def test_every_retry_and_breaker_change_is_a_structured_log_event() -> None:
    events: list[dict[str, object]] = []
    observer = cast(ILogObserver, events.append)  # as ``twisted.logger.capturedLogs`` does
    globalLogPublisher.addObserver(observer)
    try:
        wired = in_memory(Script([answer(502)]), retry=RetryPolicy(retries=2),
                          breaker=BreakerPolicy(threshold=3))
        d = wired.client.status("t1")
        run_for(wired.clock, 2)
        failure_of(d)
    finally:
        globalLogPublisher.removeObserver(observer)
    retries = [e for e in events if "blackbeard retry" in str(e.get("log_format"))]
    assert [(e["operation"], e["attempt"], e["reason"]) for e in retries] == [
        ("status", 1, "server_error"), ("status", 2, "server_error")]
    assert retries[0]["delay"] == pytest.approx(seed_delays(4, 1)[0])
    moves = [e for e in events if "circuit breaker" in str(e.get("log_format"))]
    assert [(e["from_state"], e["to_state"]) for e in moves] == [("closed", "open")]
