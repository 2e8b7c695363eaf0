"""``SubtitleService``: one extraction per media shared by all who ask, at most N at once,
urgent askers first; a failed or hung ffmpeg is a clear error, never a hang; a changed file
is extracted again; a media gone takes its cache with it.

Hung runs are ffmpeg reading a FIFO nobody writes (it blocks opening it); their stall
timeout runs on a ``Clock``, so nothing here waits for real time to pass.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest
import pytest_twisted
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from revenge.ffmpeg import ffmpeg_binary
from revenge.store.records import MediaRecord
from revenge.subtitles.service import SubtitleError, SubtitleService
from revenge.subtitles.tracks import subtitle_tracks
from revenge.subtitles.webvtt import Cue
from tests.subtitles.support import REACTOR, SRT_STREAM, CountingProcesses, on_disk, srt_clip

STALL = 30.0

pytestmark = pytest.mark.slow


@attrs.define
class Harness:
    """A started service, the processes it spawned and the clock of its stall timeouts."""

    subtitles: SubtitleService
    processes: CountingProcesses
    clock: Clock
    directory: Path


@pytest_twisted.async_yield_fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    processes, clock = CountingProcesses(), Clock()
    subtitles = SubtitleService(directory=tmp_path / "cache", ffmpeg=ffmpeg_binary(),
                                reactor=processes, threads=REACTOR, clock=clock,
                                max_extractions=1, stall_timeout=STALL, retry_after=600.0)
    subtitles.startService()
    yield Harness(subtitles, processes, clock, tmp_path / "cache")
    await subtitles.stopService()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two versions of a film: the same picture, different subtitles."""
    directory = tmp_path_factory.mktemp("clips")
    return (srt_clip(directory / "one.mkv", [(1.0, 2.0, "first version")]),
            srt_clip(directory / "two.mkv", [(3.0, 4.5, "second version"),
                                             (6.0, 7.0, "more")]))


def _fifo(path: Path) -> MediaRecord:
    os.mkfifo(path)
    return on_disk(path, [SRT_STREAM])


def _cues(h: Harness, record: MediaRecord) -> Deferred[tuple[Cue, ...]]:
    return Deferred.fromCoroutine(h.subtitles.cues(record, subtitle_tracks(record)[0]))


async def _failure(d: Deferred[tuple[Cue, ...]]) -> str:
    with pytest.raises(SubtitleError) as caught:
        await d
    return str(caught.value)


@pytest_twisted.ensureDeferred
async def test_concurrent_askers_share_one_extraction(harness: Harness, clips: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    path = Path(shutil.copy(clips[0], tmp_path / "film.mkv"))
    record = on_disk(path, [SRT_STREAM])
    harness.subtitles.warm(record)
    asked = [_cues(harness, record) for _ in range(3)]
    harness.subtitles.warm(record)
    for d in asked:
        assert await d == (Cue(1.0, 2.0, "first version"),)
    assert await _cues(harness, record) == (Cue(1.0, 2.0, "first version"),)
    assert harness.processes.inputs() == [str(path)]


@pytest_twisted.ensureDeferred
async def test_a_failed_run_is_a_clear_error_remembered_for_a_while(
        harness: Harness, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(b"not a matroska file" * 1000)
    record = on_disk(broken, [SRT_STREAM])
    message = await _failure(_cues(harness, record))
    assert message.startswith("ffmpeg could not read the subtitles of broken.mkv: ")
    assert "Invalid data" in message and str(tmp_path) not in message
    # Asked again: the same answer, without running ffmpeg again ...
    assert await _failure(_cues(harness, record)) == message
    assert len(harness.processes.spawned) == 1
    harness.subtitles.warm(record)
    assert len(harness.processes.spawned) == 1
    # ... until the retry time has passed.
    harness.clock.advance(600)
    assert await _failure(_cues(harness, record)) == message
    assert len(harness.processes.spawned) == 2


@pytest_twisted.ensureDeferred
async def test_a_track_ffmpeg_cannot_make_does_not_cost_the_others(
        harness: Harness, clips: tuple[Path, Path]) -> None:
    # Stream 0 is the picture: ffmpeg refuses it at once, and with it the whole run.
    bad = attrs.evolve(SRT_STREAM, index=0)
    record = on_disk(clips[0], [bad, SRT_STREAM])
    unmakeable, good = subtitle_tracks(record)
    assert await harness.subtitles.cues(record, good) == (Cue(1.0, 2.0, "first version"),)
    assert "Encoder not found" in await _failure(
        Deferred.fromCoroutine(harness.subtitles.cues(record, unmakeable)))
    # Both together, then each alone; nothing more when asked again.
    assert harness.processes.maps() == [["0:0", "0:1"], ["0:0"], ["0:1"]]
    assert await harness.subtitles.cues(record, good) == (Cue(1.0, 2.0, "first version"),)
    assert len(harness.processes.spawned) == 3


@pytest_twisted.ensureDeferred
async def test_a_hung_run_is_killed_and_its_askers_told(harness: Harness,
                                                        tmp_path: Path) -> None:
    record = _fifo(tmp_path / "hung.mkv")
    asked = [_cues(harness, record), _cues(harness, record)]
    await _spawned(harness, 1)
    harness.clock.advance(STALL - 1)
    assert not any(d.called for d in asked)
    harness.clock.advance(1)
    for d in asked:
        assert await _failure(d) == "ffmpeg reading hung.mkv did nothing for 30 s"


@pytest_twisted.ensureDeferred
async def test_at_most_n_run_at_once_and_askers_go_before_warming(
        harness: Harness, tmp_path: Path) -> None:
    first, second, third = (_fifo(tmp_path / f"{n}.mkv") for n in ("a", "b", "c"))
    harness.subtitles.warm(first)
    harness.subtitles.warm(second)
    asked = _cues(harness, third)  # someone waits for this one: it goes before the second
    await _spawned(harness, 1)
    assert harness.processes.inputs() == [first.path]
    harness.clock.advance(STALL)
    await _spawned(harness, 2)
    assert harness.processes.inputs() == [first.path, third.path]
    harness.clock.advance(STALL)
    assert "did nothing" in await _failure(asked)
    await _spawned(harness, 3)
    assert harness.processes.inputs() == [first.path, third.path, second.path]


async def _spawned(h: Harness, count: int) -> None:
    """Let the reactor turn (it reaps a killed child) until ``count`` processes were
    spawned; a bounded number of turns."""
    for _ in range(10_000):
        if len(h.processes.spawned) >= count:
            return
        d: Deferred[None] = Deferred()
        REACTOR.callLater(0, d.callback, None)
        await d
    raise AssertionError(f"{len(h.processes.spawned)} processes spawned, not {count}")


@pytest_twisted.ensureDeferred
async def test_a_changed_file_is_extracted_again_and_its_old_cues_dropped(
        harness: Harness, clips: tuple[Path, Path], tmp_path: Path) -> None:
    path = tmp_path / "film.mkv"
    shutil.copy(clips[0], path)
    before = on_disk(path, [SRT_STREAM])
    assert await _cues(harness, before) == (Cue(1.0, 2.0, "first version"),)
    shutil.copy(clips[1], path)
    os.utime(path, ns=(before.mtime_ns + 10**9, before.mtime_ns + 10**9))
    after = on_disk(path, [SRT_STREAM])
    assert await _cues(harness, after) == (Cue(3.0, 4.5, "second version"),
                                           Cue(6.0, 7.0, "more"))
    assert len(harness.processes.spawned) == 2
    assert [p.name for p in (harness.directory / after.id).iterdir()] == [
        f"s1-{after.size}-{after.mtime_ns}.vtt"]


@pytest_twisted.ensureDeferred
async def test_forgetting_a_media_drops_its_cache(harness: Harness, clips: tuple[Path, Path],
                                                  tmp_path: Path) -> None:
    path = Path(shutil.copy(clips[0], tmp_path / "film.mkv"))
    record = on_disk(path, [SRT_STREAM])
    await _cues(harness, record)
    assert harness.subtitles.cache.bytes > 0 and (harness.directory / record.id).is_dir()
    await harness.subtitles.forget(record.id)
    assert harness.subtitles.cache.bytes == 0
    assert not (harness.directory / record.id).exists()
    await _cues(harness, record)  # back in the library: extracted again
    assert len(harness.processes.spawned) == 2


@pytest_twisted.ensureDeferred
async def test_forgetting_a_media_stops_its_extraction(harness: Harness,
                                                       tmp_path: Path) -> None:
    running, queued = _fifo(tmp_path / "a.mkv"), _fifo(tmp_path / "b.mkv")
    asked = [_cues(harness, running), _cues(harness, queued)]
    await _spawned(harness, 1)
    await harness.subtitles.forget(queued.id)
    await harness.subtitles.forget(running.id)
    for d in asked:
        assert await _failure(d) == "the media is no longer in the library"
    assert not (harness.directory / running.id).exists()
    assert len(harness.processes.spawned) == 1


@pytest_twisted.ensureDeferred
async def test_stopping_the_service_ends_every_wait(harness: Harness, tmp_path: Path) -> None:
    running, queued = _fifo(tmp_path / "a.mkv"), _fifo(tmp_path / "b.mkv")
    asked = [_cues(harness, running), _cues(harness, queued)]
    await _spawned(harness, 1)
    await harness.subtitles.stopService()
    assert await _failure(asked[0]) == "the extraction of a.mkv was stopped"
    assert await _failure(asked[1]) == "the subtitle service is stopped"
    assert len(harness.processes.spawned) == 1
    harness.subtitles.startService()


@pytest_twisted.ensureDeferred
async def test_a_track_not_of_the_media_is_refused(harness: Harness, clips: tuple[Path, Path]
                                                   ) -> None:
    record = on_disk(clips[0], [SRT_STREAM])
    stranger = attrs.evolve(subtitle_tracks(record)[0], stream_index=None, sidecar="/x.srt")
    with pytest.raises(SubtitleError, match="not one of this media's"):
        await harness.subtitles.cues(record, stranger)
    assert harness.processes.spawned == []
