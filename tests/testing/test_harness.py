"""The rest of ``revenge.testing``: the inline clock and probe, the client, and the harness
driven by hand (a segment the transcoder has not made yet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from twisted.internet.interfaces import IReactorThreads, IReactorTime
from twisted.internet.threads import deferToThreadPool
from zope.interface.verify import verifyObject

from revenge.library.probe import IProbe
from revenge.store.interface import IStore
from revenge.store.records import ProbeResult
from revenge.testing import (
    AppHarness,
    FakeTranscoder,
    InlineProbe,
    InlineThreadsClock,
    MemoryStore,
)
from revenge.testing.client import Answer
from revenge.testing.media import video_record
from tests.fired import failure_of, result_of

FILM = video_record("Film")


def test_the_fakes_provide_their_interfaces() -> None:
    clock = InlineThreadsClock()
    assert verifyObject(IReactorThreads, clock) and verifyObject(IReactorTime, clock)
    assert verifyObject(IProbe, InlineProbe())
    assert verifyObject(IStore, MemoryStore())


def test_threaded_work_runs_inline_and_the_clock_still_ticks() -> None:
    clock = InlineThreadsClock()
    pool = clock.getThreadPool()
    assert result_of(deferToThreadPool(clock, pool, lambda: 6 * 7)) == 42
    assert isinstance(failure_of(deferToThreadPool(clock, pool, lambda: 1 // 0)),
                      ZeroDivisionError)
    ran: list[str] = []
    clock.callInThread(ran.append, "in thread")
    clock.callFromThread(ran.append, "from thread")
    clock.callLater(5, ran.append, "later")
    clock.advance(4)
    assert ran == ["in thread", "from thread"]
    clock.advance(1)
    assert ran == ["in thread", "from thread", "later"]


def test_the_probe_answers_what_it_was_told_and_probes_the_rest(tmp_path: Path) -> None:
    told = ProbeResult(duration=1.0, container="told")
    probe = InlineProbe({"told.mp4": told})
    (tmp_path / "told.mp4").write_bytes(b"")
    (tmp_path / "junk.mp4").write_bytes(b"junk" * 100)
    assert result_of(probe.probe(tmp_path / "told.mp4")) == told
    junk = result_of(probe.probe(tmp_path / "junk.mp4"))
    assert junk.error is not None and str(tmp_path) not in junk.error
    assert probe.probed == [tmp_path / "told.mp4", tmp_path / "junk.mp4"]


def test_records_and_folders_do_not_mix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="records or folders"):
        AppHarness(records=[FILM], folders=[tmp_path])


def test_a_record_no_store_could_keep_is_refused_at_once() -> None:
    tags: dict[str, Any] = {"x": object()}  # no str, no JSON
    unkeepable = attrs.evolve(FILM, probe=attrs.evolve(FILM.probe, tags=tags))
    with pytest.raises(TypeError, match="not JSON serializable"):
        AppHarness(records=[unkeepable])


def test_a_segment_the_transcoder_has_not_made_waits_until_it_is() -> None:
    harness = AppHarness(records=[FILM], transcoder=FakeTranscoder(immediate=False))
    viewer = harness.new_user("viewer")
    created = viewer.post("/api/v1/playback/sessions", {"media_id": FILM.id,
                                                         "profile": "source"}).json()
    base, token = created["master_url"].rsplit("/", 1)[0], created["master_url"].split("?t=")[1]
    with pytest.raises(AssertionError, match="still waiting"):
        viewer.get(f"{base}/source/3.ts?t={token}")
    answers: list[Answer] = []
    viewer.request("GET", f"{base}/source/3.ts?t={token}").addCallback(answers.append)
    assert answers == [] and ("source", "3.ts") in harness.transcoder.pending()
    harness.transcoder.answer("source", "3.ts", b"at last")
    assert answers == []  # made, but not yet moved over the connection
    viewer.flush()
    (answer,) = answers
    assert (answer.status, answer.body, answer.header("X-Served-From")) == (
        200, b"at last", "origin")
    # The request given up on above and this one waited on one fetch.
    assert harness.transcoder.calls.count(("t1", "source", "3.ts")) == 1
