"""Media facts as people say them."""

from __future__ import annotations

import pytest

from revenge.library.friendly import (
    audio_name,
    container_name,
    duration_name,
    resolution_name,
    size_name,
    video_name,
)
from revenge.store.records import StreamInfo

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"


@pytest.mark.parametrize(("path", "container", "name"), [
    ("a.mp4", MP4, "MP4"), ("a.m4a", MP4, "M4A"), ("a.MOV", MP4, "MOV"),
    ("a.mkv", "matroska,webm", "MKV"), ("a.webm", "matroska,webm", "WebM"),
    ("a.bin", "mpegts", "MPEGTS"), ("a.bin", None, None)])
def test_containers(path: str, container: str | None, name: str | None) -> None:
    assert container_name(path, container) == name


@pytest.mark.parametrize(("stream", "name"), [
    (StreamInfo(index=0, kind="video", codec="h264", bit_depth=8, color_transfer="sdr"),
     "H.264"),
    (StreamInfo(index=0, kind="video", codec="hevc", bit_depth=10, color_transfer="pq"),
     "HEVC 10-bit HDR"),
    (StreamInfo(index=0, kind="video", codec="hevc", bit_depth=10, color_transfer="hlg"),
     "HEVC 10-bit HLG"),
    (StreamInfo(index=0, kind="video", codec="av1", bit_depth=10), "AV1 10-bit"),
    (StreamInfo(index=0, kind="video", codec="ffv1"), "FFV1")])
def test_video_codecs(stream: StreamInfo, name: str) -> None:
    assert video_name(stream) == name


@pytest.mark.parametrize(("codec", "channels", "name"), [
    ("aac", 2, "AAC stereo"), ("ac3", 6, "AC-3 5.1"), ("truehd", 8, "TrueHD 7.1"),
    ("mp3", 1, "MP3 mono"), ("pcm_s16le", 3, "PCM 3 ch"), ("opus", None, "Opus")])
def test_audio(codec: str, channels: int | None, name: str) -> None:
    assert audio_name(StreamInfo(index=0, kind="audio", codec=codec, channels=channels)) == name


@pytest.mark.parametrize(("width", "height", "name"), [
    (3840, 2160, "4K"), (1920, 800, "1080p"), (1280, 720, "720p"), (720, 576, "576p"),
    (1080, 1920, "1080p"), (320, 240, "240p")])
def test_resolutions(width: int, height: int, name: str) -> None:
    stream = StreamInfo(index=0, kind="video", width=width, height=height)
    assert resolution_name(stream) == name


def test_durations_and_sizes() -> None:
    assert [duration_name(s) for s in (6125.4, 187.0, 59.6, 3600.0, None)] == [
        "1:42:05", "3:07", "1:00", "1:00:00", None]
    assert [size_name(b) for b in (14_200_000_000, 350_400_000, 999, 123_456_789_012)] == [
        "14.2 GB", "350 MB", "999 B", "123 GB"]
