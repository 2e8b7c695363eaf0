"""Demand pacing, idle stop, seeks, crashes, the encoder budget and stopping, driven with a
``Clock`` and fake ffmpeg processes (no time passes, no process runs)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from prometheus_client import REGISTRY
from twisted.internet.defer import Deferred

from revenge.transcoder import Busy, Pacing, TranscoderService
from revenge.transcoder.pacing import first_missing, needs_seek, should_pause
from revenge.transcoder.transcode import EncoderFailed, NotYet, Transcode
from tests.contract import request, video
from tests.transcoder.fakes import FakeReactor

D = 2.0
REQUEST = request(source_url="http://127.0.0.1:1/stream/1", duration=60.0,
                  video_profiles=(video("360p", 360, 800_000),), segment_duration=D)


def starts(reason: str) -> float:
    return REGISTRY.get_sample_value("revenge_blackbeard_encoder_starts_total",
                                     {"reason": reason}) or 0.0


@pytest.fixture
def reactor() -> FakeReactor:
    return FakeReactor()


_asked: list[Deferred[Path]] = []


@pytest.fixture
def service(reactor: FakeReactor, tmp_path: Path) -> Iterator[TranscoderService]:
    service = TranscoderService(work_dir=tmp_path / "work", ffmpeg="ffmpeg", reactor=reactor,
                                max_encoders=2, pacing=Pacing(), reap_after=600.0)
    service.startService()
    yield service
    for transcode in service.transcodes.values():
        Deferred.fromCoroutine(transcode.close())  # answers every request left waiting
    for process in reactor.processes:
        process.crash()  # none may be left to a later test
    for asked in _asked:
        asked.addErrback(lambda _: None)  # left unasserted on purpose by the test
    _asked.clear()


@pytest.fixture
def transcode(service: TranscoderService) -> Transcode:
    return service.create(REQUEST)


def ask(transcode: Transcode, index: int) -> Deferred[Path]:
    asked = Deferred.fromCoroutine(transcode.segment("360p", index))
    _asked.append(asked)
    return asked


def result(deferred: Deferred[Any]) -> Any:
    outcome: list[Any] = []
    deferred.addBoth(outcome.append)
    assert outcome, "the request is still waiting"
    if hasattr(outcome[0], "raiseException"):
        outcome[0].raiseException()
    return outcome[0]


def test_the_pure_decisions() -> None:
    pacing = Pacing(lookahead=8, seek_ahead=4)
    assert not should_pause(pacing, writing=9, furthest=2)
    assert should_pause(pacing, writing=10, furthest=2)
    assert not needs_seek(pacing, index=7, run_start=0, writing=3)
    assert needs_seek(pacing, index=8, run_start=0, writing=3)
    assert needs_seek(pacing, index=4, run_start=5, writing=9)
    assert first_missing({0, 1, 3}, start=0, count=5) == 2
    assert first_missing({0, 1, 2}, start=1, count=3) is None
    with pytest.raises(ValueError):
        Pacing(lookahead=0)


def test_a_segment_is_served_only_once_its_file_is_closed(
    reactor: FakeReactor, transcode: Transcode
) -> None:
    waiting = ask(transcode, 0)
    process = reactor.last
    assert process.start == 0
    process.ended_only(0)  # logged before ffmpeg closes the file
    assert not waiting.called
    process.protocol.errReceived(b"[segment @ 0x1] Opening '/w/1.ts' for writing\n")
    assert not waiting.called  # opened, but its first packet is not written yet
    process.started(1)
    assert result(waiting).name == "0.ts"


def test_the_encoder_pauses_a_lookahead_ahead_and_resumes_with_demand(
    reactor: FakeReactor, transcode: Transcode
) -> None:
    ask(transcode, 0)
    process = reactor.last
    for index in range(7):
        process.finished(index)  # now writing 7: 0 asked, 7 < 0 + 8
    assert signal.SIGSTOP not in process.signals
    process.finished(7)  # writing 8 = 0 + 8
    assert process.signals == [signal.SIGSTOP]
    assert transcode.status().state == "paused"
    assert result(ask(transcode, 1)).name == "1.ts"  # finished, and demand moved on
    assert process.signals == [signal.SIGSTOP, signal.SIGCONT]
    assert transcode.status().state == "running"


def test_no_demand_for_three_segment_durations_stops_the_encoder(
    reactor: FakeReactor, service: TranscoderService, transcode: Transcode
) -> None:
    ask(transcode, 0)
    process = reactor.last
    process.finished(0)
    reactor.advance(3 * D - 0.1)
    assert service.encoders and signal.SIGKILL not in process.signals
    reactor.advance(0.2)
    assert process.signals[-1] == signal.SIGKILL and not service.encoders
    # The finished segment stays; asking again resumes at the first missing one.
    assert result(ask(transcode, 0)).name == "0.ts"
    assert reactor.last is not process and reactor.last.start == 1


def test_a_waiting_request_keeps_the_encoder_from_idling(
    reactor: FakeReactor, service: TranscoderService, transcode: Transcode
) -> None:
    waiting = ask(transcode, 0)
    reactor.advance(3 * D + 0.1)  # the wait (10 s) outlasts the idle time (6 s)
    assert service.encoders and not waiting.called
    reactor.last.finished(0)
    assert result(waiting).name == "0.ts"


def test_a_request_not_written_within_the_wait_is_not_yet(
    reactor: FakeReactor, transcode: Transcode
) -> None:
    waiting = ask(transcode, 0)
    reactor.advance(Pacing().wait)
    with pytest.raises(NotYet):
        result(waiting)
    assert not transcode.profiles["360p"].waiters


def test_far_ahead_or_behind_restarts_ffmpeg_there(
    reactor: FakeReactor, transcode: Transcode
) -> None:
    before = starts("seek")
    ask(transcode, 0)
    first = reactor.last
    first.finished(0)  # writing 1
    ask(transcode, 5)  # within seek_ahead (4) of 1: waits for this run
    assert reactor.last is first
    ask(transcode, 10)
    assert first.signals[-1] == signal.SIGKILL
    assert reactor.last.start == 10 and starts("seek") == before + 1
    seek = reactor.last
    ask(transcode, 3)  # behind where the run started
    assert seek.signals[-1] == signal.SIGKILL and reactor.last.start == 3
    assert starts("seek") == before + 2


def test_a_seek_does_not_wait_for_the_old_run_to_end(
    reactor: FakeReactor, transcode: Transcode, service: TranscoderService
) -> None:
    ask(transcode, 0)
    old = reactor.last
    old.lingers = True  # killed, but not reaped yet
    ask(transcode, 10)
    assert old.signals[-1] == signal.SIGKILL and old.pid is not None
    new = reactor.last
    assert new is not old and new.start == 10  # started at once, at the seek
    assert len(service.encoders) == 2  # the dying one is alive until reaped
    old.crash()  # reaped at last: the new run is untouched
    (encoder,) = transcode.encoders
    assert encoder.pid == new.pid and encoder.outputs["360p"].start == 10


def test_a_crash_restarts_at_the_segment_waited_for(
    reactor: FakeReactor, transcode: Transcode
) -> None:
    before = starts("restart_after_crash")
    waiting = ask(transcode, 0)
    process = reactor.last
    process.ended_only(0)
    process.crash()
    assert 0 not in transcode.profiles["360p"].segments  # never closed: dropped
    assert reactor.last is not process and reactor.last.start == 0
    assert starts("restart_after_crash") == before + 1
    reactor.last.finished(0)
    assert result(waiting).name == "0.ts"
    assert "Error while decoding" in transcode.status().errors[0]


def test_ffmpeg_that_keeps_dying_fails_the_request(
    reactor: FakeReactor, transcode: Transcode
) -> None:
    waiting = ask(transcode, 0)
    for _ in range(3):
        reactor.last.crash()
    assert len(reactor.processes) == 3
    with pytest.raises(EncoderFailed):
        result(waiting)
    assert transcode.status().state == "failed"


def test_a_clean_exit_confirms_the_last_segment_and_an_early_one_is_an_error(
    reactor: FakeReactor, transcode: Transcode, service: TranscoderService
) -> None:
    ask(transcode, 29)
    process = reactor.last
    process.ended_only(29)
    process.exit()
    assert result(ask(transcode, 29)).name == "29.ts"
    assert transcode.status().errors == ()
    other = service.create(REQUEST)
    ask(other, 3)
    reactor.last.finished(3)
    reactor.last.ended_only(4)
    reactor.last.exit()  # the input ended at 4 of 29: what was made is served
    assert set(other.profiles["360p"].segments) == {3, 4}
    assert "ended before segment 29 (at 4)" in other.status().errors[0]


def test_the_budget_evicts_a_paused_encoder_else_refuses(
    reactor: FakeReactor, service: TranscoderService
) -> None:
    a, b, c = (service.create(REQUEST) for _ in range(3))
    ask(a, 0)
    ask(b, 0)
    with pytest.raises(Busy):
        result(ask(c, 0))
    for index in range(8):
        reactor.processes[0].finished(index)  # a's encoder pauses
    assert reactor.processes[0].signals == [signal.SIGSTOP]
    ask(c, 0)
    assert reactor.processes[0].signals[-1] == signal.SIGKILL
    assert len(service.encoders) == 2 and reactor.last.start == 0
    assert a.profiles["360p"].encoder is None


@pytest_twisted.ensureDeferred
async def test_stopping_terminates_then_kills_and_removes_files(
    reactor: FakeReactor, service: TranscoderService, transcode: Transcode
) -> None:
    ask(transcode, 0)
    process = reactor.last
    process.finished(0)
    assert transcode.directory.exists()
    stopped = service.stopService()
    assert process.signals[-2:] == [signal.SIGTERM, signal.SIGCONT]
    assert not stopped.called
    reactor.advance(Pacing().stop_grace)
    assert process.signals[-1] == signal.SIGKILL
    await stopped
    assert not service.transcodes and not service.work_dir.exists()


@pytest_twisted.ensureDeferred
async def test_an_unused_transcode_is_reaped(
    reactor: FakeReactor, service: TranscoderService, transcode: Transcode
) -> None:
    reactor.advance(500)
    assert service.get(transcode.id) is transcode  # used: the clock starts again
    reactor.advance(599)
    assert transcode.id in service.transcodes
    reactor.advance(2)
    assert transcode.id not in service.transcodes
