"""Bootstrap segments made by real ffmpeg: the first 6 s of every rendition come as three
2 s segments, cut at the same instants in every profile, and the stream reads whole."""

from __future__ import annotations

import m3u8
import pytest_twisted
import treq
from twisted.internet.threads import deferToThread

from tests.hls_check import check_stream
from tests.transcoder.conftest import AUDIO, P144, Blackbeard

P240 = {"name": "240p", "width": 320, "height": 240, "bitrate": 400_000}
FRAME = 1 / 25  # the clip's frame rate


async def _lengths(url: str) -> list[float]:
    playlist = m3u8.loads(await (await treq.get(url)).text())
    return [s.duration for s in playlist.segments]


@pytest_twisted.ensureDeferred
async def test_every_profile_starts_with_the_same_short_segments_and_reads_whole(
    blackbeard: Blackbeard
) -> None:
    tid = await blackbeard.create(video=[P240, P144], audio=[AUDIO], segment_duration=6.0,
                                  bootstrap_duration=2.0)
    base = f"{blackbeard.url}/api/v1/transcodes/{tid}"
    lengths = {name: await _lengths(f"{base}/{name}/index.m3u8")
               for name in ("240p", "144p", "audio-0")}
    for name, found in lengths.items():
        assert len(found) == 7, (name, found)
        assert all(abs(x - 2.0) <= FRAME for x in found[:3]), (name, found)
        assert all(abs(x - 6.0) <= FRAME for x in found[3:]), (name, found)
    for a, b in zip(lengths["240p"], lengths["144p"], strict=True):
        assert abs(a - b) <= FRAME
    report = await deferToThread(
        check_stream, f"{base}/master.m3u8", expected_duration=30.0, has_video=True,
        has_audio=True, segment_duration=6.0, bootstrap=2.0, ffmpeg=True)
    # The test Blackbeard's ultrafast preset makes Baseline where CODECS says High.
    assert report.rules() <= {"codecs"}, report
    assert report.ffmpeg is not None and report.ffmpeg.duration is not None
    assert abs(report.ffmpeg.duration - 30.0) <= 0.1, report
    assert report.ffmpeg.audio_max_gap is not None and report.ffmpeg.audio_max_gap < 0.1


@pytest_twisted.ensureDeferred
async def test_the_checker_catches_a_stream_that_is_not_on_the_bootstrap_grid(
    blackbeard: Blackbeard
) -> None:
    tid = await blackbeard.create(video=[P144], audio=[AUDIO], segment_duration=6.0)
    report = await deferToThread(
        check_stream, f"{blackbeard.url}/api/v1/transcodes/{tid}/master.m3u8",
        expected_duration=30.0, has_video=True, has_audio=True, segment_duration=6.0,
        bootstrap=2.0, ffmpeg=False)
    assert "segment-duration" in report.rules() and "segment-grid" in report.rules()
