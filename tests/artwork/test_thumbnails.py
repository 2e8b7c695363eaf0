"""Scrubbing previews: the layout promised (320 px every 10 s, sheets no larger than
4096 px), the WebVTT track naming each one's place, and the real ffmpeg making them: valid
JPEG sheets of that size, served through the track's own relative, signed URLs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import attrs
import pytest
import pytest_twisted

from revenge.artwork.trickplay import MAX_SHEET, Layout, layout, thumbnails_vtt
from revenge.store.records import MediaRecord, ProbeResult, StreamInfo
from revenge.testing import AppHarness
from revenge.testing.media import video_record
from tests.artwork.support import jpeg
from tests.media import make_clip


def _video(width: int, height: int, duration: float, *, display_width: int | None = None,
           display_height: int | None = None) -> MediaRecord:
    stream = StreamInfo(index=0, kind="video", codec="h264", width=width, height=height,
                        display_width=display_width, display_height=display_height)
    return attrs.evolve(video_record("x"), probe=ProbeResult(duration=duration,
                                                             streams=(stream,)))


@pytest.mark.parametrize(("record", "expected"), [
    (_video(1920, 1080, 3600.0), Layout(320, 180, 10, 10, 360)),
    (_video(720, 576, 95.0, display_width=1024, display_height=576),
     Layout(320, 180, 10, 1, 10)),
    (_video(1080, 1920, 7200.0), Layout(320, 568, 10, 7, 720)),
    (_video(160, 120, 25.0), Layout(160, 120, 3, 1, 3)),
    (_video(1, 1, 10.0), Layout(2, 2, 1, 1, 1)),  # one pixel, as damaged files claim
    (_video(7, 1080, 10.0), Layout(6, 926, 1, 1, 1)),
])
def test_the_layout_keeps_its_promises(record: MediaRecord, expected: Layout) -> None:
    plan = layout(record)
    assert plan == expected
    assert plan.columns * plan.width <= MAX_SHEET and plan.rows * plan.height <= MAX_SHEET


def test_no_layout_without_a_sized_video_and_a_duration() -> None:
    assert layout(_video(0, 0, 10.0)) is None
    assert layout(attrs.evolve(_video(64, 36, 1.0), probe=ProbeResult(
        streams=_video(64, 36, 1.0).probe.streams))) is None


def test_the_track_names_each_preview_and_its_place() -> None:
    vtt = thumbnails_vtt(Layout(320, 180, 2, 2, 6), 55.5, query="v=k&t=1.x")
    assert vtt.splitlines()[:4] == ["WEBVTT", "", "00:00:00.000 --> 00:00:10.000",
                                    "sheet-000.jpg?v=k&t=1.x#xywh=0,0,320,180"]
    cues = vtt.strip().split("\n\n")[1:]
    assert [c.splitlines()[1].split("?")[0] + c.split("#")[1] for c in cues] == [
        "sheet-000.jpgxywh=0,0,320,180", "sheet-000.jpgxywh=320,0,320,180",
        "sheet-000.jpgxywh=0,180,320,180", "sheet-000.jpgxywh=320,180,320,180",
        "sheet-001.jpgxywh=0,0,320,180", "sheet-001.jpgxywh=320,0,320,180"]
    assert "00:00:50.000 --> 00:00:55.500" in vtt


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_previews_are_made_served_and_made_again_for_a_new_file(tmp_path: Path) -> None:
    media = tmp_path / "media"
    make_clip(media / "Long (2010).mp4", seconds=125.0, width=640, height=360, audio=False)
    harness = AppHarness(folders=[media])
    alice = harness.new_user("alice")
    (item,) = alice.get("/api/v1/media").json()["items"]
    assert item["thumbnails_url"] is None  # not made yet
    record = harness.library.get(item["id"])
    assert record is not None
    (queue,) = [q for q in harness.artwork.queues() if q.kind == "thumbnails"]
    await queue.urgent(record)
    plan = harness.artwork.thumbnails.known(record)
    assert plan == Layout(320, 180, 10, 2, 13)
    url = alice.get(f"/api/v1/media/{item['id']}").json()["thumbnails_url"]
    track = harness.anonymous.get(url)
    assert track.status == 200 and track.header("Content-Type") == "text/vtt; charset=utf-8"
    assert track.header("Cache-Control") == "private, max-age=31536000, immutable"
    cues = [line for line in track.body.decode().splitlines() if "#xywh=" in line]
    assert len(cues) == 13 and cues[12].endswith("#xywh=640,180,320,180")
    sheet_url = urljoin(url, cues[0].split("#")[0])
    sheet = harness.anonymous.get(sheet_url)
    assert sheet.status == 200 and sheet.header("Content-Type") == "image/jpeg"
    assert jpeg(sheet.body, tmp_path)[:2] == (3200, 360)
    assert harness.anonymous.get(urljoin(url, "sheet-001.jpg")).status == 401  # unsigned
    assert alice.get(urljoin(url, "sheet-001.jpg").split("?")[0]).error == \
        "thumbnails_not_found"
    old = harness.artwork.files.thumbnails(record)
    changed = attrs.evolve(record, mtime_ns=record.mtime_ns + 1)
    await queue.urgent(changed)
    assert [p.name for p in harness.artwork.files.trickplay.iterdir()] == [
        harness.artwork.files.thumbnails(changed).name]
    assert not old.exists()
    harness.stop()
