"""Posters made by the real ffmpeg: a valid JPEG of the promised size from 10-20 % in, not
the black opening; a picture beside the video wins; a restart makes nothing again; a new
version of the file replaces the old poster; a stopped job (posters or thumbnails) leaves
no ffmpeg."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest
import pytest_twisted

from revenge.artwork.poster import POSTER_WIDTH
from revenge.artwork.service import ArtworkService
from revenge.ffmpeg import ffmpeg_binary
from revenge.library.service import LibraryService
from revenge.store.records import MediaRecord, ProbeResult, StreamInfo
from revenge.testing import InlineProbe, MemoryStore
from tests.artwork.support import WatchedProcesses, alive, dark_opening_clip, jpeg
from tests.subtitles.support import REACTOR, CountingProcesses, on_disk, scanned

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> dict[str, MediaRecord]:
    """A 720p film with a dark opening, a small one, and one with its own poster beside."""
    folder = tmp_path_factory.mktemp("films")
    dark_opening_clip(folder / "Dark (2020).mp4")
    dark_opening_clip(folder / "Small.mp4", width=320, height=180, seconds=4.0)
    dark_opening_clip(folder / "Own" / "Own (2001).mkv", seconds=3.0, width=320, height=180)
    (folder / "Own" / "poster.jpg").write_bytes(b"\xff\xd8\xff\xe0 a poster \xff\xd9")
    return {**scanned(folder), **scanned(folder / "Own")}


def _service(directory: Path, *, ffmpeg: str | None = None,
             processes: CountingProcesses | None = None) -> ArtworkService:
    library = LibraryService(store=MemoryStore(), probe=InlineProbe(), roots=(),
                             extensions=(), reactor=REACTOR, scan_on_start=False)
    return ArtworkService(library=library, directory=directory,
                          ffmpeg=ffmpeg or ffmpeg_binary(),
                          reactor=processes or CountingProcesses(), threads=REACTOR,
                          clock=REACTOR, background=False)


@pytest_twisted.async_yield_fixture
async def artwork(tmp_path: Path) -> AsyncIterator[ArtworkService]:
    service = _service(tmp_path / "artwork")
    service.files.prepare()
    service.startService()
    yield service
    await service.stopService()


@pytest_twisted.ensureDeferred
async def test_a_poster_is_a_jpeg_of_the_promised_size_and_not_black(
        artwork: ArtworkService, films: dict[str, MediaRecord], tmp_path: Path) -> None:
    picture = await artwork.poster(films["Dark (2020).mp4"])
    assert picture is not None and picture.content_type == "image/jpeg"
    width, height, luma = jpeg(await artwork.read(picture.path), tmp_path)
    assert (width, height) == (POSTER_WIDTH, 360)
    assert luma > 60  # the test pattern, not the black second and a half it opens with
    small = await artwork.poster(films["Small.mp4"])
    assert small is not None
    assert jpeg(await artwork.read(small.path), tmp_path)[:2] == (320, 180)  # never enlarged


@pytest_twisted.ensureDeferred
async def test_a_picture_beside_the_video_wins(artwork: ArtworkService,
                                               films: dict[str, MediaRecord]) -> None:
    picture = await artwork.poster(films["Own (2001).mkv"])
    assert picture is not None and picture.path.name == "poster.jpg"
    assert await artwork.read(picture.path) == b"\xff\xd8\xff\xe0 a poster \xff\xd9"
    assert list(artwork.files.posters.iterdir()) == []  # nothing made


@pytest_twisted.ensureDeferred
async def test_a_restart_finds_the_posters_made_and_makes_none(
        tmp_path: Path, films: dict[str, MediaRecord]) -> None:
    record = films["Small.mp4"]
    first = _service(tmp_path / "artwork")
    first.startService()
    made = await first.poster(record)
    assert made is not None
    await first.stopService()
    processes = CountingProcesses()
    again = _service(tmp_path / "artwork", ffmpeg="/nonexistent/ffmpeg", processes=processes)
    again.startService()
    queue = again.queues()[0]
    queue.submit([record])
    await queue.urgent(record)
    assert (queue.progress().done, queue.progress().failed) == (1, 0)
    assert processes.spawned == [] and await again.poster(record) == made
    await again.stopService()


@pytest_twisted.ensureDeferred
async def test_a_changed_file_gets_a_new_poster_and_the_old_one_goes(
        artwork: ArtworkService, films: dict[str, MediaRecord]) -> None:
    record = films["Small.mp4"]
    old = await artwork.poster(record)
    newer = attrs.evolve(record, mtime_ns=record.mtime_ns + 1)
    new = await artwork.poster(newer)
    assert old is not None and new is not None and old.path != new.path
    assert [p.name for p in artwork.files.posters.iterdir()] == [new.path.name]


@pytest.mark.parametrize("kind", ["posters", "thumbnails"])
@pytest_twisted.ensureDeferred
async def test_a_stopped_job_leaves_no_ffmpeg(tmp_path: Path, kind: str) -> None:
    fifo = tmp_path / "stuck.mkv"
    os.mkfifo(fifo)  # ffmpeg waits for ever for a writer: a read hung on a dead share
    record = attrs.evolve(on_disk(fifo, [StreamInfo(index=0, kind="video", codec="h264",
                                                    width=64, height=36)]),
                          probe=ProbeResult(duration=60.0, streams=(StreamInfo(
                              index=0, kind="video", codec="h264", width=64, height=36),)))
    processes = WatchedProcesses()
    service = _service(tmp_path / "artwork", processes=processes)
    service.startService()
    (queue,) = [q for q in service.queues() if q.kind == kind]
    queue.submit([record])
    child = await processes.spawned_one
    pid = child.pid
    assert pid is not None and alive(pid)
    assert queue.progress().running and queue.progress().current == "stuck.mkv"
    await service.stopService()
    assert not alive(pid)
    assert not queue.progress().running and queue.progress().failed == 1
    # nothing half-made is left
    assert [p for d in (service.files.posters, service.files.trickplay) if d.exists()
            for p in d.iterdir()] == []
