"""Pictures for tests that look at frames: grey (luma) images, small, compared by region."""

from __future__ import annotations

import subprocess
from pathlib import Path

import attrs
import av

from revenge.ffmpeg import ffmpeg_binary

Box = tuple[int, int, int, int]  # x, y, width, height


@attrs.frozen
class Picture:
    """A grey picture, one byte a pixel, rows top to bottom."""

    width: int
    height: int
    pixels: bytes

    def _values(self, box: Box) -> list[int]:
        x, y, width, height = box
        return [v for row in range(y, y + height)
                for v in self.pixels[row * self.width + x:row * self.width + x + width]]

    def mean(self, box: Box) -> float:
        """The mean grey level inside ``box``."""
        values = self._values(box)
        return sum(values) / len(values)

    def difference(self, other: Picture, box: Box | None = None, *,
                   outside: bool = False) -> float:
        """Mean absolute difference from ``other``: inside ``box`` (all of it when None), or
        everywhere but ``box`` when ``outside``."""
        whole = (0, 0, self.width, self.height)
        inside = set(_indexes(box or whole, self.width))
        keep = [i for i in _indexes(whole, self.width) if (i in inside) != outside]
        return sum(abs(self.pixels[i] - other.pixels[i]) for i in keep) / len(keep)


def _indexes(box: Box, stride: int) -> list[int]:
    x, y, width, height = box
    return [row * stride + column for row in range(y, y + height)
            for column in range(x, x + width)]


def scaled(box: Box, factor: float) -> Box:
    """``box`` on a picture ``factor`` times the size."""
    x, y, width, height = box
    return (round(x * factor), round(y * factor), round(width * factor),
            round(height * factor))


def grey_frames(inputs: list[str], graph: str, *, width: int, height: int) -> list[Picture]:
    """The frames of filter graph ``graph`` over ``inputs`` (ffmpeg's input options), as
    grey ``width`` x ``height`` pictures, in order."""
    done = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", *inputs,
         "-filter_complex", f"{graph},scale={width}:{height}:flags=area,format=gray",
         "-fps_mode", "passthrough", "-f", "rawvideo", "-"],
        capture_output=True, timeout=300, check=True)
    size = width * height
    return [Picture(width, height, done.stdout[i:i + size])
            for i in range(0, len(done.stdout) - size + 1, size)]


def frame_at(path: Path, time: float, *, width: int, height: int) -> Picture:
    """The frame of ``path``'s video on screen at ``time`` (seconds on the file's own clock:
    an MPEG-TS segment's, timeline + ``TS_OFFSET``), as a grey picture."""
    # A millisecond's slack: a frame at ``time`` exactly may be a hair late in 90 kHz ticks.
    shown = grey_frames(["-copyts", "-i", str(path)],
                        f"[0:v:0]select='lte(t\\,{time + 0.001:.6f})'",
                        width=width, height=height)
    assert shown, f"no frame of {path} at or before {time}"
    return shown[-1]


def video_packets(path: Path) -> list[tuple[float, bool]]:
    """Each video packet of ``path`` in file order: its time and whether it is a keyframe."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [(round(float(p.pts * p.time_base), 6), bool(p.is_keyframe))
                for p in container.demux(stream) if p.pts is not None]
