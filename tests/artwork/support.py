"""What the artwork tests share: clips made by the real ffmpeg, and reading JPEGs back."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import av
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IProcessTransport

from revenge.ffmpeg import ffmpeg_binary
from tests.subtitles.support import REACTOR, CountingProcesses


def dark_opening_clip(path: Path, *, seconds: float = 10.0, dark: float = 1.5,
                      width: int = 1280, height: int = 720) -> Path:
    """``dark`` seconds of black, then a test pattern; a keyframe every half second."""
    size = f"{width}x{height}"
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([
        ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"color=black:size={size}:rate=25:duration={dark}",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds - dark}",
        "-filter_complex", "[0][1]concat=n=2:v=1[v]", "-map", "[v]",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-pix_fmt", "yuv420p",
        str(path)], check=True, timeout=120)
    return path


def jpeg(data: bytes, tmp: Path) -> tuple[int, int, float]:
    """A JPEG's width, height and mean luma (0-255), decoded by FFmpeg: it is a valid one."""
    assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9"
    file = tmp / "check.jpg"
    file.write_bytes(data)
    with av.open(str(file), format="image2") as container:
        frame = next(container.decode(video=0))
        luma = bytes(frame.reformat(format="gray").planes[0])
    return frame.width, frame.height, sum(luma) / len(luma)


def alive(pid: int) -> bool:
    """Whether a process of this id exists (a zombie not yet reaped counts)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


class WatchedProcesses(CountingProcesses):
    """The real ``spawnProcess``; ``spawned_one`` fires with the first child's transport,
    on the reactor's next turn (once the caller of ``spawnProcess`` holds the child)."""

    def __init__(self) -> None:
        super().__init__()
        self.spawned_one: Deferred[IProcessTransport] = Deferred()

    def spawnProcess(self, *args: Any, **kwargs: Any) -> IProcessTransport:
        first = not self.spawned
        transport = super().spawnProcess(*args, **kwargs)
        if first:
            REACTOR.callLater(0, self.spawned_one.callback, transport)
        return transport
