"""Colours survive a transcode: the YUV of an untagged HD source is read as BT.709 (as
players read it), of an untagged SD one as BT.601, of a tagged one as tagged; either way a
variant's pixels (BT.709) code the colour the source showed. Real ffmpeg, real files."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from revenge.blackbeard.contract import VideoProfile
from revenge.ffmpeg import ffmpeg_binary
from revenge.library.probe import probe_file
from revenge.playback.sources import source_of
from revenge.transcoder import picture

COLOUR = "0xC03020"  # a saturated red-orange: BT.601 and BT.709 code it quite differently
VARIANT = VideoProfile(name="360p", width=640, height=360, bitrate=800_000)


def _ffmpeg(*args: str) -> bytes:
    return subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin",
                           *args], check=True, capture_output=True, timeout=120).stdout


def _source(path: Path, size: str, matrix: str, *, tagged: bool) -> Path:
    """One second of the colour, its YUV coded with ``matrix``, tagged so or not at all."""
    tag = matrix if tagged else "unknown"
    _ffmpeg("-f", "lavfi", "-i", f"color=c={COLOUR}:s={size}:r=25:d=1",
            "-vf", f"scale=out_color_matrix={matrix}:out_range=tv,format=yuv420p,"
                   f"setparams=colorspace={tag}",
            "-c:v", "libx264", "-preset", "ultrafast", "-y", str(path))
    return path


def _mean_yuv(frame: bytes, width: int, height: int) -> tuple[float, float, float]:
    luma, chroma = width * height, width * height // 4
    planes = frame[:luma], frame[luma:luma + chroma], frame[luma + chroma:luma + 2 * chroma]
    return tuple(sum(p) / len(p) for p in planes)  # type: ignore[return-value]


def _first_frame(path: Path, graph: str, width: int, height: int) -> tuple[float, ...]:
    raw = _ffmpeg("-i", str(path), "-vf", graph, "-frames:v", "1", "-f", "rawvideo",
                  "-pix_fmt", "yuv420p", "-")
    return _mean_yuv(raw[: width * height * 3 // 2], width, height)


@pytest.mark.parametrize(("size", "matrix", "tagged"), [
    ("1920x1080", "bt709", False),  # most HD files: BT.709, and nothing says so
    ("1280x720", "bt709", True),
    ("720x576", "bt470bg", False),  # a DVD: BT.601, untagged
    ("1920x1080", "smpte170m", True),  # unusual, but tagged: the tag wins
])
def test_a_variant_shows_the_colour_the_source_showed(
        tmp_path: Path, size: str, matrix: str, tagged: bool) -> None:
    path = _source(tmp_path / "source.mkv", size, matrix, tagged=tagged)
    video = source_of(probe_file(path)).video
    assert video is not None and video.matrix == (matrix if tagged else None)
    graph = picture.video_filters(video, VARIANT, rate=Fraction(25), first_frame=0.0,
                                  end=1.0)
    made = _first_frame(path, graph, VARIANT.width, VARIANT.height)
    # The colour as a BT.709 picture codes it, made straight from RGB.
    wanted = _first_frame(_source(tmp_path / "wanted.mkv", "640x360", "bt709", tagged=True),
                          "null", VARIANT.width, VARIANT.height)
    assert all(abs(a - b) < 2.5 for a, b in zip(made, wanted, strict=True)), (made, wanted)
