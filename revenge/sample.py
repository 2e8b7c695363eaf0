"""``python -m revenge.sample DIR``: make a small sample library with ffmpeg, to try Revenge on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from revenge.ffmpeg import ffmpeg_binary

# name, seconds, size, test pattern, tone (Hz)
SAMPLES = (
    ("Big Test Pattern.mp4", 60, "1280x720", "testsrc2", 440),
    ("Colour Bars.mkv", 45, "854x480", "smptehdbars", 660),
    ("Mandelbrot Zoom.mp4", 30, "640x360", "mandelbrot", 330),
)


def make_sample(directory: Path, *, time_scale: float = 1.0) -> list[Path]:
    """Encode the sample clips into ``directory`` (skipping those already there);
    ``time_scale`` shortens them (tests use a small one)."""
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    for name, seconds, size, pattern, tone in SAMPLES:
        path = directory / name
        made.append(path)
        if path.exists():
            continue
        length = f"{seconds * time_scale:.3f}"
        subprocess.run(
            [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25",
             "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000", "-t", length,
             "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50",
             "-c:a", "aac", "-b:a", "128k", "-metadata", f"title={path.stem}", str(path)],
            check=True,
        )
    return made


def main() -> None:
    """Command-line entry point."""
    if len(sys.argv) != 2:
        sys.exit("usage: python -m revenge.sample DIR")
    for path in make_sample(Path(sys.argv[1])):
        print(path)


if __name__ == "__main__":
    main()
