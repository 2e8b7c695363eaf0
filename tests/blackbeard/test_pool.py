"""``BlackbeardPool``: where a transcode goes, and how it moves when its Blackbeard is gone."""

from __future__ import annotations

import pytest
from twisted.internet.defer import Deferred
from zope.interface.verify import verifyObject

from revenge.blackbeard.breaker import BreakerPolicy
from revenge.blackbeard.contract import TranscodeRequest
from revenge.blackbeard.interface import (
    ITranscoder,
    MediaFailed,
    TranscodeNotFound,
    TranscoderError,
    TranscoderUnavailable,
)
from revenge.blackbeard.placement import Member
from revenge.blackbeard.pool import BlackbeardPool
from revenge.blackbeard.retry import RetryPolicy
from revenge.playback.ladder import build_ladder
from revenge.testing import FakeTranscoder, segment_body
from revenge.testing.media import video_record
from tests.blackbeard.fake_blackbeard import FakeBlackbeard
from tests.blackbeard.outcomes import sample
from tests.blackbeard.scripted import Script, answer, in_memory
from tests.blackbeard.test_breaker import healthy
from tests.fired import failure_of, result_of

FILM = video_record("Film", duration=60.0)
GONE = TranscoderUnavailable("connection refused, after 4 attempts")


def _request(start: int = 0) -> TranscodeRequest:
    ladder = build_ladder(FILM.probe)
    return TranscodeRequest(source_url="http://node-a.test/internal/stream/film",
                            source=ladder.source, video=ladder.video, audio=ladder.audio,
                            segment_duration=6.0, start_segment=start)


def _pool(count: int, *, immediate: bool = True) -> tuple[BlackbeardPool, list[FakeTranscoder]]:
    fakes = [FakeTranscoder(immediate=immediate) for _ in range(count)]
    return BlackbeardPool([Member(f"bb{n}", f) for n, f in enumerate(fakes)]), fakes


def _failovers(reason: str) -> float:
    return sample("revenge_blackbeard_pool_failovers_total", reason=reason)


def test_it_provides_the_interface() -> None:
    assert verifyObject(ITranscoder, _pool(1)[0])


def test_each_transcode_goes_to_the_healthy_blackbeard_with_the_fewest() -> None:
    pool, (_, b, c) = _pool(3)
    ids = [result_of(pool.start(_request())) for _ in range(4)]
    assert [pool.where(i) for i in ids] == ["bb0", "bb1", "bb2", "bb0"]
    result_of(pool.delete(ids[1]))
    assert b.deleted == ["t1"]
    c.healthy = False  # its breaker is open
    placed = result_of(pool.start(_request()))
    assert pool.where(placed) == "bb1"  # 2, 0 (now), 1 but down
    assert pool.describe() == [{"name": "bb0", "up": True, "active": 2},
                               {"name": "bb1", "up": True, "active": 1},
                               {"name": "bb2", "up": False, "active": 1}]
    assert sample("revenge_blackbeard_pool_transcodes", blackbeard="bb0") == 2
    assert sample("revenge_blackbeard_pool_up", blackbeard="bb2") == 0


def test_a_start_refused_for_want_of_an_answer_goes_to_the_next() -> None:
    pool, (a, _) = _pool(2)
    a.fail_starts(GONE)
    placed = result_of(pool.start(_request()))
    assert pool.where(placed) == "bb1" and len(a.started) == 1
    assert pool.describe()[0] == {"name": "bb0", "up": False, "active": 0}
    assert pool.healthy


def test_a_media_failure_is_not_tried_elsewhere() -> None:
    pool, (a, b) = _pool(2)
    a.fail_starts(MediaFailed("unreadable source", status=422, code="media_failed"))
    assert isinstance(failure_of(pool.start(_request())), MediaFailed)
    assert not b.started and pool.describe()[0]["up"]


def test_a_dead_blackbeards_transcode_moves_at_the_segment_asked_for() -> None:
    before = _failovers("unavailable")
    pool, (a, b) = _pool(2)
    placed = result_of(pool.start(_request()))
    assert result_of(pool.segment(placed, "source", "3.ts")) == segment_body("source", "3.ts")
    a.fail_segments(GONE)
    assert result_of(pool.segment(placed, "source", "4.ts")) == segment_body("source", "4.ts")
    assert pool.where(placed) == "bb1"
    assert [r.start_segment for r in b.started] == [4]
    assert b.started[0].source_url == _request().source_url  # still read from its node
    assert b.calls == [("t1", "source", "4.ts")]
    assert a.deleted == ["t1"]  # asked, in case it is only unreachable from here
    assert _failovers("unavailable") == before + 1
    assert [m["active"] for m in pool.describe()] == [0, 1]
    # From now on it is asked of the new one directly; playlists too.
    assert result_of(pool.segment(placed, "audio-0", "5.ts")) == segment_body("audio-0", "5.ts")
    assert b"#EXT-X-ENDLIST" in result_of(pool.media_playlist(placed, "source"))
    assert len(b.started) == 1 and len(a.calls) == 2


def test_fetches_under_way_when_it_dies_move_it_once_at_the_lowest() -> None:
    pool, (a, b) = _pool(2, immediate=False)
    placed = result_of(pool.start(_request()))
    fetches = {n: pool.segment(placed, "source", f"{n}.ts") for n in (7, 5, 6)}
    a.fail("source", "7.ts", GONE)
    assert [r.start_segment for r in b.started] == [5]
    a.fail("source", "5.ts", GONE)
    a.fail("source", "6.ts", GONE)
    assert len(b.started) == 1  # the others follow the move, they do not move it again
    for n in (5, 6, 7):
        b.answer("source", f"{n}.ts")
        assert result_of(fetches[n]) == segment_body("source", f"{n}.ts")


def test_a_blackbeard_that_lost_the_transcode_makes_it_again() -> None:
    before = _failovers("not_found")
    pool, (a,) = _pool(1, immediate=False)
    placed = result_of(pool.start(_request()))
    fetch = pool.segment(placed, "source", "2.ts")
    a.fail("source", "2.ts", TranscodeNotFound("gone", status=404, code="transcode_not_found"))
    assert [r.start_segment for r in a.started] == [0, 2]  # it restarted: there again
    a.answer("source", "2.ts")
    assert result_of(fetch) == segment_body("source", "2.ts")
    assert a.calls == [("t1", "source", "2.ts"), ("t2", "source", "2.ts")]
    assert not a.deleted  # it has forgotten the old one already
    assert _failovers("not_found") == before + 1 and pool.healthy


@pytest.mark.parametrize("error", [
    TranscoderError("encoder crashed", status=500),
    MediaFailed("truncated", status=422, code="media_failed"),
])
def test_an_error_of_one_segment_does_not_move_the_transcode(error: TranscoderError) -> None:
    pool, (a, b) = _pool(2)
    placed = result_of(pool.start(_request()))
    a.fail_segments(error)
    assert failure_of(pool.segment(placed, "source", "1.ts")) is error
    assert not b.started and pool.where(placed) == "bb0" and pool.describe()[0]["up"]


def test_with_nowhere_to_go_the_error_is_the_callers() -> None:
    pool, (a,) = _pool(1)
    placed = result_of(pool.start(_request()))
    a.fail_segments(GONE)
    assert failure_of(pool.segment(placed, "source", "1.ts")) is GONE
    assert len(a.started) == 1 and not pool.healthy
    a.clear_failures()
    assert result_of(pool.health()) is True  # it answers again: up
    assert result_of(pool.segment(placed, "source", "1.ts")) == segment_body("source", "1.ts")


def test_a_transcode_deleted_while_it_moves_leaves_nothing_behind() -> None:
    pool, (a, b) = _pool(2)
    placed = result_of(pool.start(_request()))
    a.fail_segments(GONE)
    held: Deferred[str] = Deferred()
    b.start = lambda request: held  # type: ignore[method-assign]
    fetch = pool.segment(placed, "source", "3.ts")
    result_of(pool.delete(placed))
    held.callback("t9")
    assert failure_of(fetch) is GONE
    assert b.deleted == ["t9"] and [m["active"] for m in pool.describe()] == [0, 0]
    assert isinstance(failure_of(pool.segment(placed, "source", "3.ts")), TranscodeNotFound)


def test_an_open_breaker_keeps_new_transcodes_away_until_its_probe_passes() -> None:
    policy = BreakerPolicy(threshold=2, cooldown=30)
    sick = in_memory(Script([answer(502), answer(502), answer(200, b"{}"),
                             answer(201, b'{"id": "s1"}')]),
                     retry=RetryPolicy(retries=0), breaker=policy)
    well = in_memory(FakeBlackbeard(), clock=sick.clock, breaker=policy)
    pool = BlackbeardPool([Member("sick", sick.client), Member("well", well.client)])
    for _ in range(2):
        failure_of(sick.client.status("x"))
    assert sick.client.breaker.state == "open"
    assert not sick.client.healthy
    ids = [result_of(pool.start(_request())) for _ in range(3)]
    assert {pool.where(i) for i in ids} == {"well"}
    assert [m["up"] for m in pool.describe()] == [False, True]
    sick.clock.advance(30)  # the client's own probe of /api/v1/health answers 200
    assert healthy(sick.client)
    assert pool.where(result_of(pool.start(_request()))) == "sick"
