"""The circuit breaker: opening, failing fast, half-opening after the cool-down, closing."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.web.server import NOT_DONE_YET, Request

from revenge.blackbeard.breaker import BreakerPolicy, CircuitBreaker, State
from revenge.blackbeard.client import BlackbeardClient
from revenge.blackbeard.interface import TranscoderError, TranscoderUnavailable
from revenge.blackbeard.retry import RetryPolicy
from tests.blackbeard.outcomes import failure_of, result_of, sample
from tests.blackbeard.scripted import Script, answer, in_memory

NO_RETRIES = RetryPolicy(retries=0)
POLICY = BreakerPolicy(threshold=3, cooldown=30)
NAME = "http://blackbeard.test:8081"  # the metrics label of ``in_memory``'s client


def state(breaker: CircuitBreaker) -> State:
    """``breaker.state``, read afresh (mypy would keep an earlier assert's narrowing)."""
    return breaker.state


def healthy(client: BlackbeardClient) -> bool:
    """``client.healthy``, read afresh (as ``state``)."""
    return client.healthy


def test_opens_after_the_threshold_of_consecutive_failures_and_fails_fast() -> None:
    opened = sample("revenge_blackbeard_client_breaker_transitions_total",
                    blackbeard=NAME, from_state="closed", to_state="open")
    script = Script([answer(502)])
    wired = in_memory(script, retry=NO_RETRIES, breaker=POLICY)
    for _ in range(2):
        failure_of(wired.client.status("t1"))
    assert wired.client.healthy and wired.client.breaker.state == "closed"
    failure_of(wired.client.status("t1"))
    assert state(wired.client.breaker) == "open" and not healthy(wired.client)
    assert sample("revenge_blackbeard_client_breaker_state", blackbeard=NAME,
                  state="open") == 1
    assert sample("revenge_blackbeard_client_breaker_transitions_total", blackbeard=NAME,
                  from_state="closed", to_state="open") == opened + 1

    e = failure_of(wired.client.segment("t1", "p", "0.ts"))
    assert isinstance(e, TranscoderUnavailable) and "circuit open" in str(e)
    assert len(script.seen) == 3  # failed fast: nothing went out


def test_a_success_resets_the_count() -> None:
    script = Script([answer(502), answer(502), answer(200, b"{}"), answer(502), answer(502)])
    wired = in_memory(script, retry=NO_RETRIES, breaker=POLICY)
    for _ in range(5):
        wired.client.master_playlist("t1").addErrback(lambda _: None)
    assert wired.client.breaker.state == "closed"
    assert wired.client.breaker.failures == 2


def test_retries_count_as_attempts_and_stop_once_it_opens() -> None:
    script = Script([answer(502)])
    wired = in_memory(script, breaker=POLICY)  # 3 retries, so 4 attempts wanted
    d = wired.client.status("t1")
    wired.clock.pump([0.01] * 200)
    e = failure_of(d)
    assert isinstance(e, TranscoderUnavailable)
    assert len(script.seen) == 3


def test_half_opens_after_the_cooldown_probes_itself_and_closes_on_success() -> None:
    script = Script([answer(502), answer(502), answer(502), answer(200, b"{}")])
    wired = in_memory(script, retry=NO_RETRIES, breaker=POLICY)
    for _ in range(3):
        failure_of(wired.client.status("t1"))
    wired.clock.advance(29.9)
    assert isinstance(failure_of(wired.client.status("t1")), TranscoderUnavailable)
    assert len(script.seen) == 3
    # No caller needed: the client probes /api/v1/health when the cool-down ends, so a
    # readiness check that keeps traffic away still sees Blackbeard come back.
    wired.clock.advance(0.1)
    assert [s.path for s in script.seen][-1] == "/api/v1/health"
    assert wired.client.breaker.state == "closed" and wired.client.healthy
    assert result_of(wired.client.master_playlist("t1")) == b"{}"
    assert len(script.seen) == 5


def test_half_open_lets_exactly_one_probe_through() -> None:
    held: list[Request] = []

    def hold(request: Request) -> int:
        held.append(request)
        return NOT_DONE_YET

    script = Script([answer(502), answer(502), answer(502), hold, answer(200, b"SEG")])
    wired = in_memory(script, retry=NO_RETRIES, breaker=POLICY)
    for _ in range(3):
        failure_of(wired.client.status("t1"))
    wired.clock.advance(30)  # the self-probe goes out and is held
    assert wired.client.breaker.state == "half_open" and len(held) == 1
    e = failure_of(wired.client.segment("t1", "p", "0.ts"))
    assert isinstance(e, TranscoderUnavailable) and "probe in flight" in str(e)
    assert len(script.seen) == 4
    held[0].setHeader(b"Content-Length", b"2")
    held[0].write(b"ok")
    held[0].finish()
    wired.agent.flush()  # type: ignore[no-untyped-call]
    assert state(wired.client.breaker) == "closed"
    assert result_of(wired.client.segment("t1", "p", "0.ts")) == b"SEG"


def test_a_failed_probe_opens_it_again_for_another_cooldown() -> None:
    script = Script([answer(502)])
    wired = in_memory(script, retry=NO_RETRIES, breaker=POLICY)
    for _ in range(3):
        failure_of(wired.client.status("t1"))
    wired.clock.advance(30)
    assert len(script.seen) == 4 and wired.client.breaker.state == "open"
    wired.clock.advance(29.9)
    assert len(script.seen) == 4
    wired.clock.advance(0.1)
    assert len(script.seen) == 5 and script.seen[-1].path == "/api/v1/health"
    assert wired.client.breaker.state == "open"


def test_a_cancelled_probe_frees_the_slot() -> None:
    breaker = CircuitBreaker(policy=BreakerPolicy(threshold=1, cooldown=5), clock=Clock())
    breaker.failed(probe=False)
    assert state(breaker) == "open"
    breaker._clock.advance(5)  # type: ignore[attr-defined]
    assert breaker.acquire() is True
    breaker.abandoned(probe=True)
    assert breaker.acquire() is True  # not stuck half-open with a phantom probe
    breaker.succeeded(probe=True)
    assert breaker.state == "closed" and breaker.acquire() is False


def test_close_cancels_the_scheduled_probe() -> None:
    script = Script([answer(502)])
    wired = in_memory(script, retry=NO_RETRIES, breaker=POLICY)
    for _ in range(3):
        failure_of(wired.client.status("t1"))
    assert wired.clock.getDelayedCalls()
    result_of(wired.client.close())
    assert not wired.clock.getDelayedCalls()


def test_a_500_is_an_answer_and_never_opens_the_breaker() -> None:
    """One profile's failing encoder must not cut every session off from Blackbeard."""
    script = Script([answer(500)])
    wired = in_memory(script, retry=NO_RETRIES, breaker=POLICY)
    for _ in range(POLICY.threshold * 2):
        e = failure_of(wired.client.segment("t1", "source", "0.ts"))
        assert isinstance(e, TranscoderError) and e.status == 500
    assert wired.client.breaker.state == "closed" and wired.client.healthy
