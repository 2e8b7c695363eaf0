"""Delivery timing: how long a client took for each response on its connection."""

from __future__ import annotations

import pytest
from twisted.internet.task import Clock

from revenge.files.delivery import Deliveries


class _Socket:
    """A connection whose unacknowledged bytes the test sets."""

    queued = 0

    def getHandle(self) -> _Socket:
        return self


def _queued(transport: object) -> int:
    assert isinstance(transport, _Socket)
    return transport.queued


def test_a_delivery_the_client_took_at_once_is_reported_at_once() -> None:
    clock, reported = Clock(), list[float]()
    Deliveries(_queued).time(_Socket(), 1000, 0.25, clock, reported.append)
    assert reported == [0.25]
    assert clock.getDelayedCalls() == []


def test_a_delivery_still_queued_is_settled_once_the_client_took_most() -> None:
    clock, connection, reported = Clock(), _Socket(), list[float]()
    connection.queued = 800
    deliveries = Deliveries(_queued)
    deliveries.time(connection, 1000, 0.1, clock, reported.append)
    clock.advance(0.05)  # still 800 queued: looks again after 0.1 s
    assert reported == [] and len(clock.getDelayedCalls()) == 1
    connection.queued = 200
    clock.advance(0.1)
    # 0.25 s so far for 800 of 1000 bytes: 0.3125 s for all of them
    assert reported == [pytest.approx(0.25 * 1000 / 800)]
    assert clock.getDelayedCalls() == []


def test_a_client_that_never_acknowledges_is_settled_after_the_last_wait() -> None:
    clock, connection, reported = Clock(), _Socket(), list[float]()
    connection.queued = 1000
    Deliveries(_queued).time(connection, 1000, 0.0, clock, reported.append)
    clock.pump([0.05, 0.1, 0.2, 0.4, 0.8, 1.6])
    assert reported == []
    clock.advance(3.2)
    assert reported == [pytest.approx(6.35 * 1000)]  # extrapolated from 1 byte, all it knows
    assert clock.getDelayedCalls() == []


def test_the_next_response_settles_the_one_before_with_what_lies_beyond_it() -> None:
    """Back-to-back fetches: the client asked for the next one, so the earlier response is
    what the socket holds beyond the new one; one check waits for the connection."""
    clock, connection, reported = Clock(), _Socket(), list[tuple[str, float]]()
    deliveries = Deliveries(_queued)
    connection.queued = 900
    deliveries.time(connection, 1000, 0.1, clock, lambda s: reported.append(("first", s)))
    clock.advance(0.02)
    connection.queued = 100 + 2000  # 100 of the first still unacknowledged, all of the second
    deliveries.time(connection, 2000, 0.01, clock, lambda s: reported.append(("second", s)))
    assert [name for name, _ in reported] == ["first"]
    assert reported[0][1] == pytest.approx(0.12 * 1000 / 900)
    assert len(clock.getDelayedCalls()) == 1
    connection.queued = 0
    clock.advance(0.03)  # the check set for the first, due now, settles the second
    assert reported[1][0] == "second" and reported[1][1] == pytest.approx(0.04)
    assert clock.getDelayedCalls() == []


def test_a_new_delivery_is_not_kept_waiting_by_an_earlier_ones_long_wait() -> None:
    clock, connection, reported = Clock(), _Socket(), list[float]()
    deliveries = Deliveries(_queued)
    connection.queued = 1000
    deliveries.time(connection, 1000, 0.0, clock, reported.append)
    clock.pump([0.05, 0.1, 0.2, 0.4])  # the next check is 0.8 s away
    deliveries.time(connection, 1000, 0.0, clock, reported.append)  # all 1000 its own
    assert len(reported) == 1
    connection.queued = 0
    clock.advance(0.05)
    assert reported[1] == pytest.approx(0.05)


def test_a_delivery_on_a_connection_closed_since_reports_what_it_knows() -> None:
    """A closed ``tcp.Server`` drops its socket, so ``getHandle`` raises: a delivery timed
    on it ends with the time measured, not an error in a timer."""

    class Closed:
        def getHandle(self) -> object:
            raise AttributeError("socket")

    reported: list[float] = []
    Deliveries().time(Closed(), 1000, 0.25, Clock(), reported.append)
    assert reported == [0.25]
