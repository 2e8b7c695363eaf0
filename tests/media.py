"""Test media made by the real ffmpeg at test time, small and seconds long."""

from __future__ import annotations

import subprocess
from pathlib import Path

from revenge.ffmpeg import ffmpeg_binary


def make_clip(
    path: Path,
    *,
    seconds: float = 4.0,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    audio: bool = True,
    extra: tuple[str, ...] = (),
) -> Path:
    """Encode a test-pattern clip (H.264 + AAC in the container ``path``'s suffix names)."""
    args = [
        ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(fps)]
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k"]
    args += [*extra, str(path)]
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(args, check=True, timeout=120)
    return path


def media_duration(target: str, *, headers: str | None = None) -> float:
    """Decode ``target`` (a file or URL) fully with ffmpeg and return the decoded seconds."""
    args = [ffmpeg_binary(), "-hide_banner", "-nostats"]
    if headers:
        args += ["-headers", headers]
    args += ["-i", target, "-f", "null", "-"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise AssertionError(f"ffmpeg could not decode {target}: {done.stderr[-2000:]}")
    # The last progress line reads "... time=00:00:29.98 ...".
    stamps = [part for part in done.stderr.split() if part.startswith("time=")]
    hours, minutes, secs = stamps[-1].removeprefix("time=").split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(secs)
